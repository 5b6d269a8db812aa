/* OCF 1.1 exit codes and the exit-reason channel to Pacemaker.
 *
 * Only the action layer returns these codes and calls ocf_exit_reason():
 * where an action is decided.  That is the action table (actions.c), what
 * it dispatches to and the static steps of those in the same file
 * (vmg_domain_start/stop/monitor, vmg_migrate_to/from), the shared steps
 * that decide an action's code (vmg_context_open, vmg_context_params,
 * vmg_context_supported, vmg_migrate_params_load, vmg_split_brain_guard)
 * and main's other entry points (vmg_migration_guardian,
 * vmg_peer_timeout_cli).  Everything below follows
 * util.h's error contract, 0 or -1 with a reason, and the action layer
 * turns the reason into the exit reason, keeping its words. */
#ifndef VMG_OCF_H
#define VMG_OCF_H

#include <stdbool.h>

enum ocf_rc {
    OCF_SUCCESS = 0,
    OCF_ERR_GENERIC = 1,
    OCF_ERR_ARGS = 2,
    OCF_ERR_UNIMPLEMENTED = 3,
    OCF_ERR_PERM = 4,
    OCF_ERR_INSTALLED = 5,
    OCF_ERR_CONFIGURED = 6,
    OCF_NOT_RUNNING = 7,
};

const char *ocf_rc_name(int rc);

/* Pacemaker keeps the last line that starts with $OCF_EXIT_REASON_PREFIX
 * on stderr and shows it in crm_mon; the message is also logged as an error. */
void ocf_exit_reason(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* True for a one-off monitor (interval 0): Pacemaker's probe. */
bool ocf_is_probe(void);

#endif
