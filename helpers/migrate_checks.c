/* Pre-checks of a live migration, on the source, before anything starts:
 * each refusal is cheaper than a migration that fails half-way. */
#include <build-config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include <libvirt/virterror.h>

#include "domain_xml.h"
#include "log.h"
#include "migrate.h"
#include "util.h"
#include "virt.h"

/* statfs f_type of file systems every node can see the same way. */
static const struct { unsigned long magic; const char *name; } shared_filesystems[] = {
    { 0x6969, "nfs" },
    { 0xff534d42, "cifs" },
    { 0xfe534d42, "smb2" },
    { 0x00c36400, "ceph" },
    { 0x01161970, "gfs2" },
    { 0x7461636f, "ocfs2" },
    { 0x65735546, "fuse (glusterfs, cephfs ...)" },
    { 0x0bd00bd0, "lustre" },
    { 0x47504653, "gpfs" },
};

static const char *shared_fs_name(unsigned long magic)
{
    size_t i;

    for (i = 0; i < sizeof(shared_filesystems) / sizeof(shared_filesystems[0]); i++)
        if (shared_filesystems[i].magic == magic)
            return shared_filesystems[i].name;
    return NULL;
}

static int check_cpu(struct vmg_context *ctx, virConnectPtr dconn, const char *target,
                     const char *live_xml, char **reason)
{
    VMG_AUTOFREE(char *) mode = NULL;
    VMG_AUTOFREE(char *) cpu = NULL;
    int result;

    if ((cpu = vmg_domain_xml_cpu(live_xml, &mode)) == NULL) {
        qb_log(LOG_DEBUG, "%s has no <cpu> definition: CPU check skipped", ctx->xml.name);
        return 0;
    }
    if (mode && strcmp(mode, "host-passthrough") == 0) {
        /* The guest sees this host's CPU: the target needs the same one. */
        qb_log(LOG_INFO, "%s passes the host CPU through: the target must have the same CPU",
               ctx->xml.name);
        return 0;
    }
    result = virConnectCompareHypervisorCPU(dconn, NULL, NULL, NULL, NULL, cpu, 0);
    if (result == VIR_CPU_COMPARE_INCOMPATIBLE)
        return vmg_error_set(reason, "the CPU of %s is not compatible with %s", ctx->xml.name,
                             target);
    if (result == VIR_CPU_COMPARE_ERROR)
        qb_log(LOG_WARNING, "cannot compare the CPU of %s with %s (%s): libvirt checks it "
               "again during the migration", ctx->xml.name, target, vmg_virt_error());
    return 0;
}

/* One file-backed disk: on shared storage, or copied by block migration. */
static int check_disk(struct vmg_context *ctx, const struct vmg_migrate_config *cfg,
                      const struct vmg_disk *disk, char **reason)
{
    const char *target = disk->target ? disk->target : "?";
    struct statfs fs;

    if (statfs(disk->source, &fs) < 0)
        return vmg_error_set(reason, "disk %s of %s (%s) is not accessible here: %s", target,
                             ctx->xml.name, disk->source, strerror(errno));
    if (shared_fs_name((unsigned long)fs.f_type))
        return 0;
    if (!cfg->block)
        return vmg_error_set(reason, "disk %s of %s (%s) is on local storage (file system "
                             "0x%lx): set migration_block=true to copy it, or move it to "
                             "shared storage", target, ctx->xml.name, disk->source,
                             (unsigned long)fs.f_type);
    qb_log(LOG_INFO, "disk %s of %s is on local storage: copied by block migration", target,
           ctx->xml.name);
    return 0;
}

static int check_storage(struct vmg_context *ctx, const struct vmg_migrate_config *cfg,
                         const char *live_xml, char **reason)
{
    VMG_AUTOFREE(char *) why = NULL;
    struct vmg_disk *disks = NULL;
    size_t n = 0, i;
    int rc = 0;

    if (vmg_domain_xml_disks(live_xml, &disks, &n, &why) < 0) {
        qb_log(LOG_WARNING, "cannot list the disks of %s (%s): storage check skipped",
               ctx->xml.name, why);
        return 0;
    }
    for (i = 0; i < n && rc == 0; i++)
        /* Network and block storage are shared by design. */
        if (disks[i].source && disks[i].type && strcmp(disks[i].type, "file") == 0)
            rc = check_disk(ctx, cfg, &disks[i], reason);
    vmg_disks_free(disks, n);
    return rc;
}

/* Free plus reclaimable page cache, in KiB; 0 when libvirt cannot tell. */
static unsigned long long available_kib(virConnectPtr conn)
{
    virNodeMemoryStatsPtr stats = NULL;
    unsigned long long available = 0;
    int n = 0, i;

    if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &n, 0) < 0 || n <= 0)
        return 0;
    stats = calloc((size_t)n, sizeof(*stats));
    if (stats && virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, stats, &n, 0) == 0)
        for (i = 0; i < n; i++)
            if (strcmp(stats[i].field, VIR_NODE_MEMORY_STATS_FREE) == 0 ||
                strcmp(stats[i].field, VIR_NODE_MEMORY_STATS_BUFFERS) == 0 ||
                strcmp(stats[i].field, VIR_NODE_MEMORY_STATS_CACHED) == 0)
                available += stats[i].value;
    free(stats);
    return available;
}

static int check_memory(struct vmg_context *ctx, virDomainPtr dom, virConnectPtr dconn,
                        const char *target, char **reason)
{
    unsigned long long available = available_kib(dconn);
    virDomainInfo info;

    if (virDomainGetInfo(dom, &info) < 0 || available == 0) {
        qb_log(LOG_WARNING, "cannot compare the memory of %s with what %s has free: check "
               "skipped", ctx->xml.name, target);
        return 0;
    }
    if (available < info.memory)
        return vmg_error_set(reason, "%s needs %lu MiB but %s has only %llu MiB available",
                             ctx->xml.name, info.memory / 1024, target, available / 1024);
    return 0;
}

/* libvirt refuses to migrate onto a definition of the same name with
 * another UUID, and the same domain active there means it runs twice. */
static int check_target_definition(struct vmg_context *ctx, virDomainPtr dom,
                                   virConnectPtr dconn, const char *target, char **reason)
{
    char here[VIR_UUID_STRING_BUFLEN], there[VIR_UUID_STRING_BUFLEN];
    VMG_AUTOPTR(virDomainPtr) remote = NULL;

    if ((remote = virDomainLookupByName(dconn, ctx->xml.name)) == NULL)
        return 0;
    if (virDomainGetUUIDString(dom, here) == 0 && virDomainGetUUIDString(remote, there) == 0 &&
        strcmp(here, there) != 0)
        return vmg_error_set(reason, "%s has another domain named %s (uuid %s, ours is %s): "
                             "%s cannot run there until that domain is removed or renamed",
                             target, ctx->xml.name, there, here, ctx->xml.name);
    if (virDomainIsActive(remote) == 1)
        return vmg_error_set(reason, "%s is already active on %s: refusing to migrate it "
                             "there", ctx->xml.name, target);
    return 0;
}

int vmg_migration_prechecks(struct vmg_context *ctx, const struct vmg_migrate_config *cfg,
                            virDomainPtr dom, virConnectPtr dconn, const char *target,
                            char **reason)
{
    VMG_AUTOFREE(char *) live_xml = NULL;

    if ((live_xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_MIGRATABLE)) == NULL)
        return vmg_error_set(reason, "cannot read the live definition of %s: %s",
                             ctx->xml.name, vmg_virt_error());
    if (check_target_definition(ctx, dom, dconn, target, reason) < 0 ||
        check_cpu(ctx, dconn, target, live_xml, reason) < 0 ||
        check_storage(ctx, cfg, live_xml, reason) < 0 ||
        check_memory(ctx, dom, dconn, target, reason) < 0)
        return -1;
    return 0;
}
