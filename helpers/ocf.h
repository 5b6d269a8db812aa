/* OCF 1.1 exit codes and the exit-reason channel to Pacemaker. */
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
