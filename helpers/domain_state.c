/* Domain state: the health of a domain as libvirt reports it, and which
 * domain of the configured name is ours (see identity.h).  Apart from the
 * lifecycle in domain.c, which, with the migration files, builds on it. */
#include <build-config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "domain.h"
#define VMG_DOMAIN_PRIV_H_ALLOW
#include "domain_priv.h"
#include "log.h"

static enum vmg_health paused_health(int reason, bool job_active, const char **detail)
{
    switch (reason) {
    case VIR_DOMAIN_PAUSED_IOERROR:
        *detail = "paused after a disk I/O error";
        return VMG_HEALTH_FAILED;
    case VIR_DOMAIN_PAUSED_WATCHDOG:
        *detail = "paused by its watchdog";
        return VMG_HEALTH_FAILED;
    case VIR_DOMAIN_PAUSED_CRASHED:
        *detail = "paused after a guest crash";
        return VMG_HEALTH_FAILED;
    case VIR_DOMAIN_PAUSED_POSTCOPY_FAILED:
        *detail = "paused after a failed post-copy migration";
        return VMG_HEALTH_FAILED;
    /* Healthy only while the job that paused it runs: left behind (a
     * libvirtd restart, a killed migration), it may already run on the
     * target, and after a post-copy the target has the guest's memory.
     * Never resumed here: reported, for a human or a fence to decide. */
    case VIR_DOMAIN_PAUSED_MIGRATION:
        *detail = job_active ? "paused for migration"
                             : "paused for a migration that no longer runs (it may run on "
                               "the target)";
        return job_active ? VMG_HEALTH_RUNNING : VMG_HEALTH_FAILED;
    case VIR_DOMAIN_PAUSED_POSTCOPY:
        *detail = job_active ? "in post-copy migration"
                             : "paused in post-copy with no migration job (the target "
                               "holds part of its memory)";
        return job_active ? VMG_HEALTH_RUNNING : VMG_HEALTH_FAILED;
    case VIR_DOMAIN_PAUSED_USER:
        *detail = "paused by an administrator";
        return VMG_HEALTH_RUNNING;
    default:
        *detail = "paused (save, dump, snapshot or start-up)";
        return VMG_HEALTH_RUNNING;
    }
}

enum vmg_health vmg_domain_health_of(int state, int reason, bool job_active,
                                     const char **detail)
{

    switch (state) {
    case VIR_DOMAIN_RUNNING:
        if (reason == VIR_DOMAIN_RUNNING_POSTCOPY_FAILED) {
            /* Pages still on the source: the guest stalls on the next one. */
            *detail = "running after a failed post-copy migration";
            return VMG_HEALTH_FAILED;
        }
        *detail = "running";
        return VMG_HEALTH_RUNNING;
    case VIR_DOMAIN_BLOCKED:
        *detail = "running (blocked on a resource)";
        return VMG_HEALTH_RUNNING;
    case VIR_DOMAIN_SHUTDOWN:
        *detail = "shutting down";
        return VMG_HEALTH_RUNNING;
    case VIR_DOMAIN_PMSUSPENDED:
        /* It still holds its disks and memory: it must not start elsewhere. */
        *detail = "suspended by the guest (power management)";
        return VMG_HEALTH_RUNNING;
    case VIR_DOMAIN_PAUSED:
        return paused_health(reason, job_active, detail);
    case VIR_DOMAIN_CRASHED:
        *detail = "crashed";
        return VMG_HEALTH_FAILED;
    case VIR_DOMAIN_SHUTOFF:
        *detail = reason == VIR_DOMAIN_SHUTOFF_CRASHED ? "shut off after a crash" :
                  reason == VIR_DOMAIN_SHUTOFF_FAILED ? "shut off after a failed start" :
                  reason == VIR_DOMAIN_SHUTOFF_MIGRATED ? "shut off (migrated away)" :
                  "shut off";
        return VMG_HEALTH_STOPPED;
    default:
        *detail = "in no state libvirt can name";
        return VMG_HEALTH_UNKNOWN;
    }
}

enum vmg_health vmg_domain_health(virDomainPtr dom, const char **detail)
{
    virDomainControlInfo control = { .state = VIR_DOMAIN_CONTROL_OK };
    int state, reason;

    if (virDomainGetState(dom, &state, &reason, 0) < 0) {
        /* An incoming migration that was aborted, a transient domain that
         * shut down: it went away between the lookup and now. */
        if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
            *detail = "gone";
            return VMG_HEALTH_ABSENT;
        }
        *detail = vmg_virt_error();
        return VMG_HEALTH_UNKNOWN;
    }
    /* Whether a job runs, from libvirt's job object alone: the job
     * statistics would ask QEMU, which a migration stuck over a cut link
     * leaves without an answer, and stop must not hang on that. */
    if (state == VIR_DOMAIN_PAUSED &&
        (reason == VIR_DOMAIN_PAUSED_MIGRATION || reason == VIR_DOMAIN_PAUSED_POSTCOPY) &&
        virDomainGetControlInfo(dom, &control, 0) < 0) {
        *detail = vmg_virt_error();
        return VMG_HEALTH_UNKNOWN;
    }
    if (state == VIR_DOMAIN_NOSTATE || state > VIR_DOMAIN_PMSUSPENDED) {
        *detail = "in no state libvirt can name";
        return virDomainIsActive(dom) == 1 ? VMG_HEALTH_RUNNING : VMG_HEALTH_UNKNOWN;
    }
    return vmg_domain_health_of(state, reason,
                                control.state == VIR_DOMAIN_CONTROL_JOB ||
                                control.state == VIR_DOMAIN_CONTROL_OCCUPIED, detail);
}

/* Whether a domain of the configured name with this UUID is ours: the
 * config's <uuid>, or the one this node started under that name (the
 * config may have gained or changed its <uuid> since).  With neither, the
 * name alone decides. */
static bool is_ours(const struct vmg_context *ctx, const char *uuid)
{
    bool started = ctx->started.known && strcmp(ctx->started.name, ctx->xml.name) == 0;

    if (ctx->xml.uuid == NULL && !started)
        return true;
    return (ctx->xml.uuid && strcmp(uuid, ctx->xml.uuid) == 0) ||
           (started && strcmp(uuid, ctx->started.uuid) == 0);
}

/* The domain this node started is gone from it (a transient one stopped,
 * a definition removed): without a <uuid> in the config, its UUID then says
 * nothing about a domain of that name defined or started since. */
static bool started_gone(const struct vmg_context *ctx)
{
    virDomainPtr dom = virDomainLookupByUUIDString(ctx->conn, ctx->started.uuid);

    if (dom) {
        virDomainFree(dom);
        return false;
    }
    return virGetLastErrorCode() == VIR_ERR_NO_DOMAIN;
}

/* A domain of the same name but another UUID is someone else's VM: never
 * touched.  When it runs, nobody can say "ours is not here" (it may be
 * this VM, started by hand or from an older config): FOREIGN_ACTIVE, an
 * error for every action.  *detail describes it. */
static bool is_foreign_domain(struct vmg_context *ctx, virDomainPtr dom, bool *active,
                              const char **detail)
{
    static char text[192];
    char uuid[VIR_UUID_STRING_BUFLEN];

    if (virDomainGetUUIDString(dom, uuid) < 0 || is_ours(ctx, uuid) ||
        (ctx->xml.uuid == NULL && started_gone(ctx)))
        return false;
    *active = virDomainIsActive(dom) == 1;
    snprintf(text, sizeof(text), "%s by another domain of that name (uuid %s, ours is %s)",
             *active ? "taken and running" : "taken", uuid,
             ctx->xml.uuid ? ctx->xml.uuid : ctx->started.uuid);
    *detail = text;
    return true;
}

/* The config names another domain than the one this node started and
 * still runs: that one is ours until it stops (a rename in the config
 * applies at the next start). */
static virDomainPtr lookup_started(struct vmg_context *ctx)
{
    virDomainPtr dom;

    if (!ctx->started.known || strcmp(ctx->started.name, ctx->xml.name) == 0)
        return NULL;
    dom = virDomainLookupByUUIDString(ctx->conn, ctx->started.uuid);
    if (dom && virDomainIsActive(dom) == 1) {
        qb_log(LOG_WARNING, "%s still runs as %s (uuid %s), the domain this node started",
               ctx->xml.name, ctx->started.name, ctx->started.uuid);
        return dom;
    }
    if (dom)
        virDomainFree(dom);
    return NULL;
}

virDomainPtr vmg_domain_lookup(struct vmg_context *ctx, enum vmg_health *health,
                               const char **detail)
{
    virDomainPtr dom = lookup_started(ctx);
    bool active = false;

    if (dom == NULL && (dom = virDomainLookupByName(ctx->conn, ctx->xml.name)) == NULL) {
        if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
            *health = VMG_HEALTH_ABSENT;
            *detail = "not defined";
        } else {
            *health = VMG_HEALTH_UNKNOWN;
            *detail = vmg_virt_error();
        }
        return NULL;
    }
    if (is_foreign_domain(ctx, dom, &active, detail)) {
        *health = active ? VMG_HEALTH_FOREIGN_ACTIVE : VMG_HEALTH_FOREIGN;
        virDomainFree(dom);
        return NULL;
    }
    *health = vmg_domain_health(dom, detail);
    return dom;
}

void vmg_domain_remember(struct vmg_context *ctx, virDomainPtr dom)
{
    VMG_AUTOFREE(char *) reason = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];
    const char *name = virDomainGetName(dom);

    if (ctx->env.state_dir == NULL)
        return;
    if (name == NULL || virDomainGetUUIDString(dom, uuid) < 0) {
        qb_log(LOG_WARNING, "cannot read the identity of %s: %s", ctx->xml.name,
               vmg_virt_error());
        return;
    }
    if (ctx->started.known && strcmp(ctx->started.name, name) == 0 &&
        strcmp(ctx->started.uuid, uuid) == 0)
        return;
    if (vmg_identity_save(ctx->env.state_dir, ctx->env.resource, name, uuid, &reason) < 0) {
        qb_log(LOG_WARNING, "cannot remember that %s (uuid %s) runs here: %s", name, uuid,
               reason);
        return;
    }
    ctx->started.known = true;
    snprintf(ctx->started.name, sizeof(ctx->started.name), "%s", name);
    snprintf(ctx->started.uuid, sizeof(ctx->started.uuid), "%s", uuid);
}

bool vmg_domain_in_postcopy(int state, int reason)
{
    return (state == VIR_DOMAIN_PAUSED && (reason == VIR_DOMAIN_PAUSED_POSTCOPY ||
                                           reason == VIR_DOMAIN_PAUSED_POSTCOPY_FAILED)) ||
           (state == VIR_DOMAIN_RUNNING && (reason == VIR_DOMAIN_RUNNING_POSTCOPY ||
                                            reason == VIR_DOMAIN_RUNNING_POSTCOPY_FAILED));
}
