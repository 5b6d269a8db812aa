/* Logging: stderr for the agent's caller (pacemaker-execd keeps it with the
 * action's result), plus syslog and $HA_LOGFILE for the admin.  Every line
 * carries the resource name and the action:
 *   VirtualMachine(vm1)[1234]: info: start: message
 * Not libqb (see log.c): the helper's light actions link libvirt only. */
#ifndef VMG_LOG_H
#define VMG_LOG_H

#include <stdbool.h>
#include <syslog.h>

void vmg_log_init(const char *resource, const char *action);
void vmg_log_fini(void);

/* One line at priority (LOG_ERR ... LOG_DEBUG; LOG_DEBUG only with
 * $HA_debug set); errno is preserved.  Safe from any thread. */
void vmg_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Call sites keep libqb's spelling, which they had before the helper stopped
 * linking libqb. */
#define qb_log(priority, ...) vmg_log((priority), __VA_ARGS__)

/* Whether lines go to stderr too (ocf_exit_reason prints its own). */
void vmg_log_stderr(bool on);

/* Copy of uri with any password in its user-info replaced by "***", so a
 * libvirt or migration URI can be logged without leaking a secret.
 * Caller frees; never NULL unless out of memory. */
char *vmg_log_redact_uri(const char *uri);

#endif
