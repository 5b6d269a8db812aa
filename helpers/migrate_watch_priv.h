/* The libvirt calls of the migration and its watchdog, which the unit tests
 * replace: libvirt's test:/// driver cannot migrate, nor hold a job the way
 * libvirtd does while it connects the migration stream (its other calls on
 * the domain then wait).
 * Only migrate_watch.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_MIGRATE_WATCH_PRIV_H_ALLOW
#error "migrate_watch_priv.h is for migrate_watch.c and its unit tests only"
#endif
#ifndef VMG_MIGRATE_WATCH_PRIV_H
#define VMG_MIGRATE_WATCH_PRIV_H

#include <stdbool.h>

#include <libvirt/libvirt.h>

/* virDomainMigrateToURI3, virDomainGetJobStats, virDomainAbortJob,
 * virDomainMigrateStartPostCopy. */
extern int (*vmg_migration_perform)(virDomainPtr dom, const char *dconnuri,
                                    virTypedParameterPtr params, unsigned int nparams,
                                    unsigned int flags);
extern int (*vmg_migration_job_stats)(virDomainPtr dom, int *type,
                                      virTypedParameterPtr *params, int *nparams,
                                      unsigned int flags);
extern int (*vmg_migration_abort)(virDomainPtr dom);
extern int (*vmg_migration_start_postcopy)(virDomainPtr dom, unsigned int flags);

/* Whether a switch to post-copy, once made, can finish in left_ms: what is
 * left (remaining bytes) at the rate pre-copy achieved (bytes/s), with room
 * for page faults and the switch-over.  false when the rate is unknown:
 * once switched, the migration can no longer be aborted. */
bool vmg_postcopy_fits(unsigned long long remaining, unsigned long long bps, long long left_ms);
/* The rate (bytes/s) a post-copy is estimated at, from the pre-copy's
 * measured rate (bytes/s), its cap and the post-copy's bandwidth (MiB/s,
 * 0 = none).  QEMU lifts the pre-copy cap in post-copy: a pre-copy held at
 * its cap says nothing of the link, and a stated post-copy bandwidth is
 * taken as what the link carries; otherwise the lower of the two.  Without
 * a post-copy bandwidth, the measured rate (0: unknown). */
unsigned long long vmg_postcopy_rate(unsigned long long measured_bps,
                                     unsigned long long precopy_cap_mib,
                                     unsigned long long postcopy_mib);

#endif
