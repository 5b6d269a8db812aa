/* The migration parameters and the libvirt URIs built from them: the
 * target daemon's URI, the data URI, and any node's daemon as a migration
 * to it would reach it.
 *
 * A leaf: the split-brain check reaches every peer the way a migration to
 * it would, and must not include migrate.h for that (it once did, and
 * migrate.c included split_brain.h back). */
#ifndef VMG_MIGRATE_URI_H
#define VMG_MIGRATE_URI_H

#include <stdbool.h>

#include "config.h"

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
    unsigned long long postcopy_bandwidth;      /* MiB/s once in post-copy, 0 = unlimited */
    char *compression;          /* comma-separated libvirt methods, empty = none */
    unsigned long long parallel;        /* connections, 0 = one */
    char *persistent;           /* auto, true, false */
    bool block;                 /* copy non-shared disks too */
    bool checks;                /* pre-checks before starting */
    char *options;              /* VirtualDomain's migrate_options, mapped below */
    unsigned long long migrateport;     /* VirtualDomain's name for migration_port */
    /* Only from migrate_options (vmg_migrate_options_apply): */
    bool tunnelled;             /* data through the daemon connection */
    unsigned long long timeout_s;       /* --timeout: then suspend or post-copy */
    bool timeout_postcopy;      /* --timeout-postcopy */
};

extern const struct vmg_param vmg_migrate_params[];
extern const size_t vmg_migrate_params_count;

/* Maps the virsh migrate options of VirtualDomain's migrate_options onto
 * the typed parameters (a typed parameter that is set wins), applies the
 * migrateport alias, and checks what --tunnelled cannot be combined with.
 * Never a shell: the text is split on blanks and each option looked up in
 * a table.  -1 with *reason naming the first option that is not known. */
int vmg_migrate_options_apply(struct vmg_migrate_config *cfg, char **reason);

/* The target daemon's URI into *uri (caller frees): remoteuri, else the
 * hypervisor URI pointed at target (vmg_peer_libvirt_uri).  -1 with
 * *reason "malformed hypervisor URI" when it cannot be built. */
int vmg_migration_daemon_uri(const struct vmg_migrate_config *cfg, const char *hypervisor,
                             const char *target, char **uri, char **reason);
/* The data URI into *uri (caller frees), NULL for libvirt's default (the
 * target's own address); resource picks the port of a range.  -1 with
 * *reason naming the parameter that cannot give one. */
int vmg_migration_data_uri(const struct vmg_migrate_config *cfg, const char *target,
                           const char *resource, char **uri, char **reason);

/* For validate-all and reload-agent: what the URIs will be built from,
 * without a target: migration_port, the migration_network map (each entry
 * node=address, a usable address), the transport for the hypervisor URI.
 * -1 with *reason naming the parameter. */
int vmg_migration_config_check(const struct vmg_migrate_config *cfg, const char *hypervisor,
                               char **reason);

/* A host name, IPv4 or IPv6 address, and nothing that could change where
 * a URI built around it points (no '@', '/', '?', '#' or spaces). */
bool vmg_host_name_ok(const char *node);

#endif
