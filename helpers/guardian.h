/* The migration guardian's wait, on libc alone: shared by the helper and by
 * vmguard-guardian (guardian_main.c), the small process that waits in the
 * helper's place during a migrate_to and execs the helper only when there
 * is something to do (see migrate_guardian.c). */
#ifndef VMG_GUARDIAN_H
#define VMG_GUARDIAN_H

/* The waiter's file name, next to the helper's. */
#define VMG_GUARDIAN_WAITER "vmguard-guardian"

enum vmg_guardian_wake {
    VMG_GUARDIAN_RELEASED,      /* migrate_to wrote its word: done */
    VMG_GUARDIAN_ORPHANED,      /* migrate_to died (the pipe closed) */
    VMG_GUARDIAN_OVERDUE,       /* until_ms passed first */
};

/* Waits for migrate_to's word on fd, or its death, until until_ms
 * (CLOCK_MONOTONIC; < 0: no limit).  A poll that fails counts as a death:
 * an abort leaves the VM running here, the safe side. */
enum vmg_guardian_wake vmg_guardian_wait(int fd, long long until_ms);

#endif
