/* The migration guardian's wait (see guardian.h). */
#include <build-config.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include "guardian.h"
#include "util.h"

enum vmg_guardian_wake vmg_guardian_wait(int fd, long long until_ms)
{
    struct pollfd release = { .fd = fd, .events = POLLIN };
    long long left;
    ssize_t got;
    char byte;
    int ready;

    for (;;) {
        left = until_ms < 0 ? -1 : until_ms - vmg_now_ms();
        if (until_ms >= 0 && left <= 0)
            return VMG_GUARDIAN_OVERDUE;
        ready = poll(&release, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (ready < 0 && errno != EINTR)
            return VMG_GUARDIAN_ORPHANED;
        if (ready <= 0)
            continue;       /* timeout (checked above) or a signal */
        got = read(fd, &byte, 1);
        if (got < 0 && errno == EINTR)
            continue;
        return got == 1 ? VMG_GUARDIAN_RELEASED : VMG_GUARDIAN_ORPHANED;
    }
}
