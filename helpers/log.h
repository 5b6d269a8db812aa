/* Logging through libqb: stderr for the agent's caller (pacemaker-execd keeps
 * it with the action's result), plus syslog and $HA_LOGFILE for the admin.
 * Every line carries the resource name and the action. */
#ifndef VMG_LOG_H
#define VMG_LOG_H

#include <qb/qblog.h>

void vmg_log_init(const char *resource, const char *action);
void vmg_log_fini(void);

/* Copy of uri with any password in its user-info replaced by "***", so a
 * libvirt or migration URI can be logged without leaking a secret.
 * Caller frees; never NULL unless out of memory. */
char *vmg_log_redact_uri(const char *uri);

#endif
