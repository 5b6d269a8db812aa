/* The time stop keeps for destroying a domain, and the check validate-all
 * makes that the configured stop timeout leaves the guest time to shut down.
 *
 * Measured on the lab (libvirt 9.0, QEMU 7.2 TCG, 2026-12-02): a forced
 * virDomainDestroy takes 1.3-2.1 s on a guest that runs, 11.3-11.5 s on a
 * QEMU that does not react (SIGSTOP): libvirt sends SIGTERM, waits 10 s,
 * then SIGKILL (virProcessKillPainfullyDelay; 30 s more only for a process
 * in uninterruptible sleep, and 2 s per host device).  The GRACEFUL flag
 * adds nothing (the same SIGTERM, without the SIGKILL) but its own wait:
 * 27 s on the frozen QEMU before the forced destroy could even begin, which
 * is why stop no longer uses it. */
#ifndef VMG_STOP_BUDGET_H
#define VMG_STOP_BUDGET_H

/* A forced destroy, measured 11.5 s at worst, with room to spare. */
#define VMG_DESTROY_MS 15000LL
/* Below this the guest gets less than VMG_DESTROY_MS to shut down. */
#define VMG_STOP_TIMEOUT_MIN_MS (2LL * VMG_DESTROY_MS)
/* Pacemaker's timeout of an operation that configures none. */
#define VMG_PACEMAKER_DEFAULT_TIMEOUT_MS 20000

/* What stop keeps for destroy out of left_ms: VMG_DESTROY_MS, but never
 * more than half, so the guest always gets a chance to shut down. */
long long vmg_destroy_reserve_ms(long long left_ms);

/* The stop timeout resource has in the CIB (its stop op, else the
 * op_defaults, else Pacemaker's default): 0 with *timeout_ms, -1 with
 * *reason when the CIB cannot be read or names no such resource. */
int vmg_stop_timeout_ms(const char *resource, long long *timeout_ms, char **reason);

#endif
