/* vmguard-guardian FD ABORT-AT-MS HELPER: the migration guardian's waiting
 * half, started by migrate_to (migrate_guardian.c).  It links libc only, so
 * the process that stays beside every migration costs about 1 MiB of RSS
 * instead of a second libvirt client (13 MiB measured, 20 MiB when it was
 * the full helper).  Released by migrate_to it just exits; when migrate_to
 * dies or the abort time comes first it execs HELPER migration-guardian on
 * the same pipe, which sees the same thing at once and acts (aborts the
 * outgoing migration job, recovers the peer timeouts). */
#include <build-config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guardian.h"
#include "log.h"
#include "util.h"

int main(int argc, char **argv)
{
    char *end = NULL;
    long fd;
    long long abort_at_ms;
    enum vmg_guardian_wake wake;

    vmg_log_init(getenv("OCF_RESOURCE_INSTANCE"), "migration-guardian");
    if (argc != 4) {
        qb_log(LOG_ERR, "usage: " VMG_GUARDIAN_WAITER " FD ABORT-AT-MS HELPER");
        return 2;
    }
    errno = 0;
    fd = strtol(argv[1], &end, 10);
    if (errno || *end || fd < 0 || fd > 1 << 20) {
        qb_log(LOG_ERR, "'%s' is not a file descriptor", argv[1]);
        return 2;
    }
    abort_at_ms = strtoll(argv[2], &end, 10);
    if (errno || *end || abort_at_ms < 0) {
        qb_log(LOG_ERR, "'%s' is not a time in ms", argv[2]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    wake = vmg_guardian_wait((int)fd, abort_at_ms);
    if (wake == VMG_GUARDIAN_RELEASED)
        return 0;
    /* The helper waits on the same pipe and deadline: it returns at once. */
    vmg_log_fini();
    execl(argv[3], "vmguard", "migration-guardian", argv[1], argv[2], (char *)NULL);
    vmg_log_init(getenv("OCF_RESOURCE_INSTANCE"), "migration-guardian");
    qb_log(LOG_ERR, "cannot run %s to abort the migration that %s: %s", argv[3],
           wake == VMG_GUARDIAN_OVERDUE ? "is overdue" : "lost its migrate_to", strerror(errno));
    vmg_log_fini();
    return 1;
}
