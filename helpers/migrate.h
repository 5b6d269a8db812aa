/* Live migration: migrate_to on the source, migrate_from on the target. */
#ifndef VMG_MIGRATE_H
#define VMG_MIGRATE_H

#include <stdbool.h>

#include <libvirt/libvirt.h>

#include "config.h"
#include "domain.h"

struct vmg_migrate_config {
    char *transport;            /* tcp, tls, ssh: how the daemons talk */
    char *migration_user;       /* ssh user on the target */
    char *remoteuri;            /* explicit target daemon URI, %n = target node */
    char *migrateuri;           /* explicit data URI, %n = target node */
    char *network;              /* suffix for the node name, or node=address map */
    char *network_suffix;       /* VirtualDomain's name for a suffix */
    char *port;                 /* data port "N" or range "N-M" */
    unsigned long long bandwidth;       /* MiB/s, 0 = unlimited */
    unsigned long long speed;           /* VirtualDomain's name for bandwidth */
    unsigned long long max_downtime;    /* ms tolerated at the switch-over */
    unsigned long long downtime;        /* VirtualDomain's name for max_downtime */
    unsigned long long downtime_limit;  /* ms the watchdog may raise it to */
    bool auto_converge;
    char *postcopy;             /* off, auto, always */
    char *compression;          /* comma-separated libvirt methods, empty = none */
    unsigned long long parallel;        /* connections, 0 = one */
    char *persistent;           /* auto, true, false */
    bool block;                 /* copy non-shared disks too */
    bool checks;                /* pre-checks before starting */
};

extern const struct vmg_param vmg_migrate_params[];
extern const size_t vmg_migrate_params_count;

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

/* What the watchdog keeps before Pacemaker's timeout to abort and report. */
long long vmg_migration_abort_margin_ms(const struct vmg_context *ctx);

/* Substitutes %n in pattern by node; caller frees. */
char *vmg_expand_node(const char *pattern, const char *node);
/* The target daemon URI and the data URI (NULL: libvirt's default). */
char *vmg_migration_daemon_uri(const struct vmg_migrate_config *cfg, const char *hypervisor,
                               const char *target);
char *vmg_migration_data_uri(const struct vmg_migrate_config *cfg, const char *target,
                             const char *resource, char **reason);

/* Before anything starts: reasons to refuse, each as an exit reason. */
int vmg_migration_prechecks(struct vmg_context *ctx, const struct vmg_migrate_config *cfg,
                            virDomainPtr dom, virConnectPtr dconn, const char *target);

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
 * aborted; never returns with the job still running. */
void vmg_migration_run(struct vmg_context *ctx, const struct vmg_migrate_config *cfg,
                       virDomainPtr dom, virConnectPtr dconn, const char *daemon_uri,
                       virTypedParameterPtr params, int nparams, unsigned int flags,
                       struct vmg_migration_result *result);
void vmg_migration_result_clear(struct vmg_migration_result *result);

#endif
