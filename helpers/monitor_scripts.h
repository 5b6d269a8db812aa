/* VirtualDomain's monitor_scripts: programs that check the services in the
 * guest.  Each is run by every monitor that finds the domain running, with
 * execve, no arguments and the resource's environment (as VirtualDomain's
 * "$script" inherits it), stdin from /dev/null, bounded by what is left of
 * the operation's timeout.  start and migrate_from complete only once they
 * all pass, as under VirtualDomain. */
#ifndef VMG_MONITOR_SCRIPTS_H
#define VMG_MONITOR_SCRIPTS_H

#include "context.h"

/* The list is words of absolute paths; -1 with *reason naming a bad one. */
int vmg_monitor_scripts_check(const char *list, char **reason);

/* Runs every script in order, stopping at the first that fails: -1 with
 * *reason naming it, its exit code and the start of its output. */
int vmg_monitor_scripts_run(const struct vmg_context *ctx, char **reason);

/* Runs them again (a second apart) until they all pass or the action's
 * time is nearly up: -1 with the last failure's reason. */
int vmg_monitor_scripts_wait(const struct vmg_context *ctx, char **reason);

#endif
