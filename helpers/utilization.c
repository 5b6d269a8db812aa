/* Utilization attributes from the domain (see utilization.h). */
#include <build-config.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cluster.h"
#include "log.h"
#include "spawn.h"
#include "utilization.h"
#include "virt.h"

/* The CIB gets at most this long, and never more than a quarter of what is
 * left of the action. */
#define CIB_TIMEOUT_MAX_S 5
#define CACHE_MAX 512
/* Cache contents that no description of attributes matches. */
#define CACHE_OFF "off"
#define CACHE_UNSYNCED "unsynced"

enum { CPU, HV_MEMORY, HOST_MEMORY, NATTRS };

/* The primitive's id: a clone instance "vm:1" is primitive "vm". */
static void primitive_id(const char *resource, char *buf, size_t size)
{
    size_t len = strcspn(resource, ":");

    snprintf(buf, size, "%.*s", (int)len, resource);
}

static void cache_path(const struct vmg_context *ctx, char *buf, size_t size)
{
    snprintf(buf, size, "%s/utilization-%s", ctx->env.state_dir, ctx->env.resource);
}

void vmg_utilization_forget(const struct vmg_context *ctx)
{
    char path[PATH_MAX];

    cache_path(ctx, path, sizeof(path));
    if (unlink(path) < 0 && errno != ENOENT)
        qb_log(LOG_WARNING, "cannot remove %s: %s", path, strerror(errno));
}

/* want[] from the parameters and the domain; false when nothing is asked. */
static bool wanted(const struct vmg_domain_config *cfg, const virDomainInfo *info,
                   char values[NATTRS][24], struct vmg_cib_attr want[NATTRS], size_t *n)
{
    static const char *const names[NATTRS] = { "cpu", "hv_memory", "host_memory" };
    const bool set[NATTRS] = { cfg->autoset_utilization_cpu, cfg->autoset_utilization_hv_memory,
                               cfg->autoset_utilization_host_memory };
    const bool unset[NATTRS] = { cfg->unset_utilization_cpu, cfg->unset_utilization_hv_memory,
                                 cfg->unset_utilization_host_memory };
    size_t i;

    snprintf(values[CPU], sizeof(values[CPU]), "%u", (unsigned)info->nrVirtCpu);
    snprintf(values[HV_MEMORY], sizeof(values[HV_MEMORY]), "%lu", info->maxMem / 1024);
    snprintf(values[HOST_MEMORY], sizeof(values[HOST_MEMORY]), "%lu", info->maxMem / 1024);
    *n = 0;
    for (i = 0; i < NATTRS; i++) {
        /* autoset wins over unset, as in VirtualDomain's if/elif. */
        if (!set[i] && !unset[i])
            continue;
        want[*n].name = names[i];
        want[*n].value = set[i] ? values[i] : NULL;
        (*n)++;
    }
    return *n > 0;
}

static void describe(const struct vmg_cib_attr *want, size_t n, char *buf, size_t size)
{
    size_t i, used = 0;

    buf[0] = '\0';
    for (i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s=%s", i ? " " : "", want[i].name,
                                 want[i].value ? want[i].value : "(removed)");
}

/* 1 when the cache holds text, 0 when it holds something else, -1 when
 * there is none (or it cannot be read). */
static int cache_compare(const char *path, const char *text)
{
    VMG_AUTOFREE(char *) cached = NULL;
    VMG_AUTOFREE(char *) reason = NULL;

    if (vmg_read_small_file(path, CACHE_MAX, &cached, &reason) < 0 || cached == NULL)
        return -1;
    return strcmp(cached, text) == 0;
}

static void cache_store(const struct vmg_context *ctx, const char *path, const char *text)
{
    VMG_AUTOFREE(char *) reason = NULL;

    if (mkdir(ctx->env.state_dir, 0700) < 0 && errno != EEXIST)
        qb_log(LOG_DEBUG, "cannot create %s: %s", ctx->env.state_dir, strerror(errno));
    if (vmg_write_atomic(path, text, strlen(text), 0600, &reason) < 0)
        qb_log(LOG_WARNING, "cannot cache the utilization written: %s", reason);
}

static int cib_timeout_s(const struct vmg_context *ctx)
{
    long long s = vmg_ms_left(ctx) / 4000;

    return s < 1 ? 1 : s > CIB_TIMEOUT_MAX_S ? CIB_TIMEOUT_MAX_S : (int)s;
}

enum vmg_utilization_outcome vmg_utilization_update(struct vmg_context *ctx, virDomainPtr dom,
                                                    bool may_seed)
{
    VMG_AUTOFREE(char *) reason = NULL;
    struct vmg_cib_attr want[NATTRS];
    char values[NATTRS][24], text[CACHE_MAX], path[PATH_MAX], id[VMG_CIB_NAME_MAX + 1];
    virDomainInfo info;
    enum vmg_cib_fault fault = VMG_CIB_FAILED;
    unsigned written = 0;
    size_t n;

    if (virDomainGetInfo(dom, &info) < 0) {
        qb_log(LOG_WARNING, "cannot read the vCPUs and memory of %s: %s", ctx->xml.name,
               vmg_virt_error());
        return VMG_UTILIZATION_FAILED;
    }
    cache_path(ctx, path, sizeof(path));
    if (!wanted(&ctx->cfg, &info, values, want, &n)) {
        /* Remembered, so that turning a parameter on (a reload, without a
         * start) is a change the next monitor writes, not a seed. */
        if (cache_compare(path, CACHE_OFF) != 1)
            cache_store(ctx, path, CACHE_OFF);
        return VMG_UTILIZATION_OFF;
    }
    describe(want, n, text, sizeof(text));
    switch (cache_compare(path, text)) {
    case 1:
        return VMG_UTILIZATION_CACHED;
    case -1:
        if (!may_seed)
            break;
        cache_store(ctx, path, text);
        qb_log(LOG_DEBUG, "utilization of %s taken as the CIB's: %s", ctx->env.resource, text);
        return VMG_UTILIZATION_SEEDED;
    default:
        break;
    }

    primitive_id(ctx->env.resource, id, sizeof(id));
    if (vmg_cluster_cib_set_utilization(id, want, n, cib_timeout_s(ctx), &written, &fault,
                                &reason) < 0) {
        /* Outside a cluster there is no CIB: VirtualDomain logs at debug
         * too.  A resource the CIB does not have (ocf-tester's) is not
         * asked about again until the next start. */
        qb_log(fault == VMG_CIB_FAILED ? LOG_WARNING : fault == VMG_CIB_NO_RESOURCE ? LOG_INFO
               : LOG_DEBUG, "utilization of %s not updated: %s", id, reason);
        /* A failed query or write is tried again by the next monitor
         * (a cache that matches nothing); no CIB manager at all, outside
         * a cluster, leaves the cache as it was. */
        if (fault == VMG_CIB_NO_RESOURCE)
            cache_store(ctx, path, text);
        else if (fault == VMG_CIB_FAILED)
            cache_store(ctx, path, CACHE_UNSYNCED);
        return VMG_UTILIZATION_FAILED;
    }
    if (written)
        qb_log(LOG_INFO, "utilization of %s updated (%u attributes): %s", id, written, text);
    cache_store(ctx, path, text);
    return VMG_UTILIZATION_SYNCED;
}
