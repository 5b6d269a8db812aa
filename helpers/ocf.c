/* OCF exit codes and the exit-reason channel. */
#include <build-config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ocf.h"

const char *ocf_rc_name(int rc)
{
    switch (rc) {
    case OCF_SUCCESS:           return "OCF_SUCCESS";
    case OCF_ERR_GENERIC:       return "OCF_ERR_GENERIC";
    case OCF_ERR_ARGS:          return "OCF_ERR_ARGS";
    case OCF_ERR_UNIMPLEMENTED: return "OCF_ERR_UNIMPLEMENTED";
    case OCF_ERR_PERM:          return "OCF_ERR_PERM";
    case OCF_ERR_INSTALLED:     return "OCF_ERR_INSTALLED";
    case OCF_ERR_CONFIGURED:    return "OCF_ERR_CONFIGURED";
    case OCF_NOT_RUNNING:       return "OCF_NOT_RUNNING";
    }
    return "unknown";
}

void ocf_exit_reason(const char *fmt, ...)
{
    const char *prefix = getenv("OCF_EXIT_REASON_PREFIX");
    char message[1024];
    va_list ap;

    va_start(ap, fmt);
    /* clang-tidy 14 loses track of va_start here (valist.Uninitialized). */
    vsnprintf(message, sizeof(message), fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
    va_end(ap);

    /* One line: Pacemaker keeps only the line after the prefix. */
    message[strcspn(message, "\n")] = '\0';
    /* stderr gets the reason once, in the form Pacemaker looks for. */
    vmg_log_stderr(false);
    qb_log(LOG_ERR, "%s", message);
    vmg_log_stderr(true);
    fprintf(stderr, "%s%s\n", prefix && *prefix ? prefix : "ocf-exit-reason:", message);
    fflush(stderr);
}

bool ocf_is_probe(void)
{
    const char *interval = getenv("OCF_RESKEY_CRM_meta_interval");

    return interval == NULL || *interval == '\0' || strtoull(interval, NULL, 10) == 0;
}
