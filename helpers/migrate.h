/* Live migration: migrate_to on the source, migrate_from on the target. */
#ifndef VMG_MIGRATE_H
#define VMG_MIGRATE_H

#include <stdbool.h>

#include <libvirt/libvirt.h>

#include "context.h"
#include "migrate_uri.h"

/* Loads the migration parameters with migrate_options applied: OCF_SUCCESS,
 * or OCF_ERR_CONFIGURED after an exit reason.  Free with vmg_params_free. */
int vmg_migrate_params_load(struct vmg_migrate_config *cfg);

/* Both return an OCF code after reporting any failure. */
int vmg_migrate_to(struct vmg_context *ctx);
int vmg_migrate_from(struct vmg_context *ctx);

/* The guardian: a process of its own session that outlives a killed
 * migrate_to and aborts the migration it leaves running.  fd is the read
 * end of a pipe whose write end only the migrate_to process holds.  It also
 * aborts the migration at abort_at_ms (CLOCK_MONOTONIC) if migrate_to has
 * not released it by then: a watchdog stuck in a libvirt call cannot. */
int vmg_migration_guardian(int fd, long long abort_at_ms);

/* --- shared by the migration files ------------------------------------- */

/* Starts the guardian (migrate_guardian.c) to abort the migration at
 * abort_at_ms (CLOCK_MONOTONIC) or when this process dies; returns the
 * write end of its pipe, or -1 (logged: this process still watches). */
int vmg_guardian_start(long long abort_at_ms);
/* Tells the guardian the migration is over, and closes fd (-1: nothing). */
void vmg_guardian_release(int fd);

/* True when a job of type (virDomainGetJobStats) with these parameters is
 * an outgoing migration: the only job the guardian may abort. */
bool vmg_migration_job_is_outgoing(int type, virTypedParameterPtr params, int nparams);

/* What the watchdog keeps before Pacemaker's timeout to abort and report. */
long long vmg_migration_abort_margin_ms(const struct vmg_context *ctx);

/* Kept on top of that for the restore of raised peer timeouts after the
 * migration, whatever its end: remote members get REMOTE_RESTORE_MS (20 s,
 * peer_timeout_remote.c), the local restore and its lock a few more. */
#define VMG_MIGRATION_RESTORE_MS 25000

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

/* Before anything starts: -1 with *reason, the first reason to refuse. */
int vmg_migration_prechecks(struct vmg_context *ctx, const struct vmg_migrate_config *cfg,
                            virDomainPtr dom, virConnectPtr dconn, const char *target,
                            char **reason);

struct vmg_migration_result {
    bool succeeded;
    bool aborted_by_watchdog;
    char *error;                    /* libvirt's message on failure */
    unsigned long long elapsed_ms;  /* from libvirt's completed job, 0 unknown */
    unsigned long long downtime_ms;
    unsigned long long data_mib;
    bool stats_known;
    bool switched_to_postcopy;
};

/* Runs virDomainMigrateToURI3 and watches the job until it ends or must be
 * aborted; never returns with the job still running.  reserve_ms is kept
 * before Pacemaker's timeout for what follows (VMG_MIGRATION_RESTORE_MS
 * when peer timeouts were raised). */
void vmg_migration_run(struct vmg_context *ctx, const struct vmg_migrate_config *cfg,
                       virDomainPtr dom, virConnectPtr dconn, const char *daemon_uri,
                       virTypedParameterPtr params, int nparams, unsigned int flags,
                       long long reserve_ms, struct vmg_migration_result *result);
void vmg_migration_result_clear(struct vmg_migration_result *result);

#endif
