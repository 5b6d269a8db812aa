/* Domain lifecycle: start, stop and monitor through the libvirt C API. */
#include <build-config.h>

#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "config_sync.h"
#include "domain.h"
#define VMG_DOMAIN_PRIV_H_ALLOW
#include "domain_priv.h"
#include "log.h"
#include "ocf.h"
#include "snapshot.h"
#include "start_resources.h"
#include "stop_budget.h"

/* How often a wait re-reads the domain state. */
#define POLL_MS 100
/* What a stop waiting out a post-copy keeps to report that it could not. */
#define POSTCOPY_STOP_RESERVE_MS 1000
/* A monitor that QEMU has not answered for this long is hung, not busy. */
#define MONITOR_HUNG_MS 30000

/* A guest that is still booting when stop's first power-off request comes
 * (its ACPI handler or guest agent not up yet) never sees that request:
 * stop repeats it at this interval until its graceful budget ends, as Nova
 * does (nova/virt/libvirt/driver.py, _clean_shutdown: "we re-trigger the
 * shutdown every retry_interval").  Seen with resource-agents' ocft cases
 * "normal stop" and "invalid OCF_RESKEY_config": a stop a moment after the
 * start waited out its whole timeout. */
long long vmg_domain_shutdown_resend_ms = 3000;
int (*vmg_domain_shutdown_request)(virDomainPtr dom, unsigned int flags) = virDomainShutdownFlags;

/* Waits until the domain's health is `want` or the deadline minus reserve_ms. */
static bool wait_for_health(struct vmg_context *ctx, virDomainPtr dom, enum vmg_health want,
                            long long reserve_ms)
{
    const char *detail;
    enum vmg_health health;

    for (;;) {
        health = vmg_domain_health(dom, &detail);
        if (health == want || (want == VMG_HEALTH_STOPPED && health == VMG_HEALTH_ABSENT))
            return true;
        if (vmg_ms_left(ctx) <= reserve_ms)
            return false;
        vmg_sleep_ms(POLL_MS);
    }
}

static int classify_start_error(void)
{
    switch (virGetLastErrorCode()) {
    case VIR_ERR_XML_ERROR:
    case VIR_ERR_XML_DETAIL:
    case VIR_ERR_XML_INVALID_SCHEMA:
        return OCF_ERR_CONFIGURED;
    case VIR_ERR_NO_SUPPORT:
    case VIR_ERR_CONFIG_UNSUPPORTED:
        /* May be this node only (no such emulator, no such device). */
        return OCF_ERR_INSTALLED;
    default:
        return OCF_ERR_GENERIC;
    }
}

/* Removes the inactive definition of ours; -1 after an exit reason. */
static int undefine(struct vmg_context *ctx, virDomainPtr dom)
{
    /* KEEP_NVRAM: QEMU refuses to undefine a UEFI guest without it;
     * drivers that have no NVRAM reject the flag as invalid. */
    if (virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_KEEP_NVRAM) < 0 &&
        (virGetLastErrorCode() != VIR_ERR_INVALID_ARG || virDomainUndefine(dom) < 0)) {
        ocf_exit_reason("cannot undefine the stale definition of %s: %s", ctx->xml.name,
                        vmg_virt_error());
        return -1;
    }
    return 0;
}

/* A config without <uuid> over its own earlier definition: libvirt would
 * give it a new UUID and refuse it ("already exists with uuid ..."), so it
 * is defined again with the UUID it already has.  A config whose <uuid>
 * changed replaces the old definition.  *text stays NULL when the config
 * is defined as it is. */
static int definition_with_uuid(struct vmg_context *ctx, virDomainPtr existing, char **text)
{
    VMG_AUTOFREE(char *) reason = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];

    if (virDomainGetUUIDString(existing, uuid) < 0) {
        ocf_exit_reason("cannot read the UUID of the definition of %s: %s", ctx->xml.name,
                        vmg_virt_error());
        return -1;
    }
    if (ctx->xml.uuid != NULL && strcmp(ctx->xml.uuid, uuid) != 0) {
        /* Ours (the UUID this node started), and the config now has another. */
        qb_log(LOG_NOTICE, "%s now has uuid %s: replacing the definition with uuid %s",
               ctx->cfg.config, ctx->xml.uuid, uuid);
        return undefine(ctx, existing);
    }
    if (ctx->xml.uuid != NULL)
        return 0;
    if (vmg_domain_xml_with_uuid(ctx->xml.text, uuid, text, &reason) < 0) {
        ocf_exit_reason("domain XML %s %s", ctx->cfg.config, reason);
        return -1;
    }
    qb_log(LOG_INFO, "%s has no <uuid>: defining it again with its UUID %s", ctx->cfg.config,
           uuid);
    return 0;
}

/* A managed-save image (libvirt-guests ON_SHUTDOWN=suspend, a manual
 * managedsave) would be restored by the start: memory saved on this node
 * over disks that another node has written since.  Boot afresh.  -1 after
 * an exit reason. */
static int remove_managed_save(struct vmg_context *ctx, virDomainPtr existing)
{
    int has = virDomainHasManagedSaveImage(existing, 0);

    if (has == 0)
        return 0;
    if (has < 0) {
        ocf_exit_reason("cannot tell whether %s has a managed-save image: %s", ctx->xml.name,
                        vmg_virt_error());
        return -1;
    }
    qb_log(LOG_NOTICE, "removing the managed-save image of %s: it boots afresh, its disks "
           "may have moved on since the save", ctx->xml.name);
    if (virDomainManagedSaveRemove(existing, 0) < 0) {
        ocf_exit_reason("cannot remove the managed-save image of %s: %s", ctx->xml.name,
                        vmg_virt_error());
        return -1;
    }
    return 0;
}

/* The cluster starts it, not libvirtd at boot (which would run it on two
 * nodes once Pacemaker starts it elsewhere); a failure is logged. */
static void clear_autostart(struct vmg_context *ctx, virDomainPtr dom)
{
    int autostart = 0;

    if (virDomainGetAutostart(dom, &autostart) < 0 || autostart == 0)
        return;
    if (virDomainSetAutostart(dom, 0) < 0)
        qb_log(LOG_WARNING, "cannot clear autostart of %s: %s", ctx->xml.name,
               vmg_virt_error());
    else
        qb_log(LOG_NOTICE, "autostart of %s cleared: the cluster starts it", ctx->xml.name);
}

/* Starts the defined or transient domain; returns it, or NULL after a reason. */
static virDomainPtr create_domain(struct vmg_context *ctx, virDomainPtr existing, int *rc)
{
    virDomainPtr dom = NULL;

    if (existing && remove_managed_save(ctx, existing) < 0) {
        *rc = OCF_ERR_GENERIC;
        return NULL;
    }

    if (existing && !ctx->cfg.persistent) {
        /* A stale definition would outlive the resource: the cluster owns
         * this domain, and VirtualDomain removes it the same way. */
        qb_log(LOG_NOTICE, "undefining the inactive definition of %s: persistent=false",
               ctx->xml.name);
        if (undefine(ctx, existing) < 0) {
            *rc = OCF_ERR_GENERIC;
            return NULL;
        }
    }

    if (ctx->cfg.persistent) {
        VMG_AUTOFREE(char *) text = NULL;

        if (existing && definition_with_uuid(ctx, existing, &text) < 0) {
            *rc = OCF_ERR_GENERIC;
            return NULL;
        }
        dom = virDomainDefineXMLFlags(ctx->conn, text ? text : ctx->xml.text,
                                      VIR_DOMAIN_DEFINE_VALIDATE);
        if (dom == NULL) {
            *rc = classify_start_error();
            ocf_exit_reason("cannot define %s from %s: %s", ctx->xml.name, ctx->cfg.config,
                            vmg_virt_error());
            return NULL;
        }
        clear_autostart(ctx, dom);
        if (virDomainCreate(dom) < 0) {
            *rc = classify_start_error();
            ocf_exit_reason("cannot start %s: %s", ctx->xml.name, vmg_virt_error());
            virDomainFree(dom);
            return NULL;
        }
        return dom;
    }

    dom = virDomainCreateXML(ctx->conn, ctx->xml.text, VIR_DOMAIN_START_VALIDATE);
    if (dom == NULL) {
        *rc = classify_start_error();
        ocf_exit_reason("cannot start %s from %s: %s", ctx->xml.name, ctx->cfg.config,
                        vmg_virt_error());
    }
    return dom;
}

static int start_fresh(struct vmg_context *ctx, virDomainPtr existing)
{
    VMG_AUTOPTR(virDomainPtr) dom = NULL;
    const char *detail;
    int rc = OCF_ERR_GENERIC;

    qb_log(LOG_INFO, "starting %s (%s) from %s", ctx->xml.name,
           ctx->cfg.persistent ? "persistent" : "transient", ctx->cfg.config);
    if ((dom = create_domain(ctx, existing, &rc)) == NULL)
        return rc;
    if (!wait_for_health(ctx, dom, VMG_HEALTH_RUNNING, 0)) {
        vmg_domain_health(dom, &detail);
        ocf_exit_reason("%s did not reach the running state before the timeout: it is %s",
                        ctx->xml.name, detail);
        return OCF_ERR_GENERIC;
    }
    vmg_domain_remember(ctx, dom);
    qb_log(LOG_INFO, "%s is running", ctx->xml.name);
    return OCF_SUCCESS;
}

/* snapshot: the saved state when there is one, else a fresh boot. */
static int start_from_snapshot(struct vmg_context *ctx, virDomainPtr existing)
{
    VMG_AUTOPTR(virDomainPtr) dom = NULL;
    VMG_AUTOFREE(char *) reason = NULL;
    bool restored = false;

    if (vmg_snapshot_restore(ctx, &restored, &reason) < 0) {
        ocf_exit_reason("%s", reason);
        return OCF_ERR_GENERIC;
    }
    if (!restored)
        return start_fresh(ctx, existing);
    dom = virDomainLookupByName(ctx->conn, ctx->xml.name);
    if (dom)
        vmg_domain_remember(ctx, dom);
    return OCF_SUCCESS;
}

int vmg_domain_start(struct vmg_context *ctx)
{
    VMG_AUTOPTR(virDomainPtr) existing = NULL;
    VMG_AUTOFREE(char *) reason = NULL;
    enum vmg_health health;
    const char *detail;

    existing = vmg_domain_lookup(ctx, &health, &detail);
    switch (health) {
    case VMG_HEALTH_RUNNING:
        qb_log(LOG_INFO, "%s is already %s", ctx->xml.name, detail);
        vmg_domain_remember(ctx, existing);
        return OCF_SUCCESS;
    case VMG_HEALTH_FAILED:
        ocf_exit_reason("%s is %s: it must be stopped before it can start", ctx->xml.name,
                        detail);
        return OCF_ERR_GENERIC;
    case VMG_HEALTH_UNKNOWN:
        ocf_exit_reason("cannot tell the state of %s: %s", ctx->xml.name, detail);
        return OCF_ERR_GENERIC;
    case VMG_HEALTH_FOREIGN:
        /* This node only: Pacemaker may start it elsewhere. */
        ocf_exit_reason("the name %s is %s on this node: remove or rename that domain, "
                        "then clean up the resource", ctx->xml.name, detail);
        return OCF_ERR_INSTALLED;
    case VMG_HEALTH_FOREIGN_ACTIVE:
        ocf_exit_reason("the name %s is %s on this node: if that is this VM started outside "
                        "the cluster, stop it; else rename it", ctx->xml.name, detail);
        return OCF_ERR_GENERIC;
    case VMG_HEALTH_ABSENT:
    case VMG_HEALTH_STOPPED:
        break;
    }
    if (health == VMG_HEALTH_ABSENT && existing)
        virDomainFree(vmg_steal(&existing));    /* vanished since the lookup */
    if (ctx->cfg.start_resources && vmg_start_resources(ctx->conn, ctx->xml.text, &reason) < 0) {
        ocf_exit_reason("%s needs %s", ctx->xml.name, reason);
        return OCF_ERR_GENERIC;
    }
    if (ctx->cfg.snapshot)
        return start_from_snapshot(ctx, existing);
    return start_fresh(ctx, existing);
}

static long long destroy_reserve_ms(const struct vmg_context *ctx)
{
    return vmg_destroy_reserve_ms(vmg_ms_left(ctx));
}

/* How long one power-off request may take: a quarter of the graceful
 * window left, at most REQUEST_MAX_MS.  libvirt waits for QEMU's answer to
 * the ACPI request with no timeout, so a QEMU that does not answer its
 * monitor blocked stop past its timeout.  A guest-agent request past the
 * bound counts as a hung QEMU too: with a short stop timeout, a slow agent
 * gets the destroy earlier than before. */
#define REQUEST_MAX_MS 10000
#define REQUEST_MIN_MS 100

static long long request_bound_ms(const struct vmg_context *ctx, long long reserve_ms)
{
    long long bound = (vmg_ms_left(ctx) - reserve_ms) / 4;

    return bound > REQUEST_MAX_MS ? REQUEST_MAX_MS : bound < REQUEST_MIN_MS ? REQUEST_MIN_MS
                                                                            : bound;
}

/* Asks the guest to power off, waiting for libvirt at most a quarter of
 * what is left before reserve_ms: VIR_ERR_OK, or libvirt's error code when
 * the request failed, VIR_ERR_OPERATION_TIMEOUT when it got no answer (QEMU
 * hung: only a destroy helps then).  A repeated request logs only its
 * failure, and that at debug level, unless it timed out. */
static int request_shutdown(struct vmg_context *ctx, virDomainPtr dom, unsigned int how,
                            long long reserve_ms, bool repeat)
{
    const char *name = how == VIR_DOMAIN_SHUTDOWN_GUEST_AGENT ? "guest agent" :
                       how == VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN ? "ACPI" : ctx->cfg.shutdown_mode;
    VMG_AUTOFREE(char *) reason = NULL;
    int code;

    if (vmg_virt_domain_call_bounded(vmg_domain_shutdown_request, dom, how,
                                     request_bound_ms(ctx, reserve_ms), &code, &reason) < 0) {
        qb_log(repeat && code != VIR_ERR_OPERATION_TIMEOUT ? LOG_DEBUG : LOG_WARNING,
               "%s shutdown request for %s failed: %s", name, ctx->xml.name, reason);
        return code == VIR_ERR_OK ? VIR_ERR_INTERNAL_ERROR : code;
    }
    if (!repeat)
        qb_log(LOG_INFO, "%s shutdown requested for %s", name, ctx->xml.name);
    return VIR_ERR_OK;
}

/* Waits until the domain is off or only reserve_ms are left, repeating the
 * request(s) in hows (the methods asked, a VIR_DOMAIN_SHUTDOWN_* mask) every
 * vmg_domain_shutdown_resend_ms; 1 when it is off, 0 when time is up, -1
 * when a request got no answer (QEMU hung). */
static int wait_off_resending(struct vmg_context *ctx, virDomainPtr dom, unsigned int hows,
                               long long reserve_ms)
{
    static const unsigned int methods[] = { VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN,
                                            VIR_DOMAIN_SHUTDOWN_GUEST_AGENT };
    long long next = vmg_now_ms() + vmg_domain_shutdown_resend_ms;
    unsigned int resent = 0;
    const char *detail;
    enum vmg_health health;
    int code = VIR_ERR_OK;
    size_t i;

    for (;;) {
        health = vmg_domain_health(dom, &detail);
        if (health == VMG_HEALTH_STOPPED || health == VMG_HEALTH_ABSENT) {
            if (resent)
                qb_log(LOG_INFO, "%s powered off after %u repeated request(s)", ctx->xml.name,
                       resent);
            return 1;
        }
        if (vmg_ms_left(ctx) <= reserve_ms)
            return 0;
        if (vmg_now_ms() >= next) {
            /* virsh's modes are one request, as they were asked. */
            if (ctx->cfg.shutdown_flags)
                code = request_shutdown(ctx, dom, ctx->cfg.shutdown_flags, reserve_ms, true);
            for (i = 0; !ctx->cfg.shutdown_flags && i < sizeof(methods) / sizeof(methods[0]) &&
                        code != VIR_ERR_OPERATION_TIMEOUT; i++)
                if (hows & methods[i])
                    code = request_shutdown(ctx, dom, methods[i], reserve_ms, true);
            if (code == VIR_ERR_OPERATION_TIMEOUT)
                return -1;          /* QEMU does not answer: destroy it */
            resent++;
            next = vmg_now_ms() + vmg_domain_shutdown_resend_ms;
        }
        vmg_sleep_ms(POLL_MS);
    }
}

/* Graceful part of stop: true when the domain is off. */
static bool shutdown_gracefully(struct vmg_context *ctx, virDomainPtr dom, long long reserve)
{
    long long window = vmg_ms_left(ctx) - reserve;
    unsigned int requested = 0;
    int code, off;

    /* virsh's modes: one request, libvirt picks among them; all the window. */
    if (ctx->cfg.shutdown_flags)
        return request_shutdown(ctx, dom, ctx->cfg.shutdown_flags, reserve, false) ==
                   VIR_ERR_OK &&
               wait_off_resending(ctx, dom, ctx->cfg.shutdown_flags, reserve) > 0;

    /* acpi-then-agent: leave the agent half the window as the fallback. */
    code = request_shutdown(ctx, dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN, reserve, false);
    if (code == VIR_ERR_OPERATION_TIMEOUT)
        return false;
    if (code == VIR_ERR_OK) {
        requested = VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN;
        if ((off = wait_off_resending(ctx, dom, requested, reserve + window / 2)) != 0)
            return off > 0;
    }
    /* A guest agent not up yet ("unresponsive") fails the request at once:
     * it is repeated too.  A domain without an agent channel is not. */
    code = request_shutdown(ctx, dom, VIR_DOMAIN_SHUTDOWN_GUEST_AGENT, reserve, false);
    if (code == VIR_ERR_OK || code == VIR_ERR_AGENT_UNRESPONSIVE)
        requested |= VIR_DOMAIN_SHUTDOWN_GUEST_AGENT;
    /* Whatever was asked gets the rest of the window: a guest still booting
     * may only now be listening for the power button. */
    return requested && wait_off_resending(ctx, dom, requested, reserve) > 0;
}

static int destroy(struct vmg_context *ctx, virDomainPtr dom)
{
    qb_log(LOG_NOTICE, "destroying %s", ctx->xml.name);
    /* Not GRACEFUL: the plain destroy gives QEMU the same SIGTERM and 10 s
     * to flush its disks before the SIGKILL (see stop_budget.h).  Gone
     * meanwhile (an incoming migration that was aborted) or already off:
     * what stop wants. */
    if (virDomainDestroy(dom) < 0 && virGetLastErrorCode() != VIR_ERR_OPERATION_INVALID &&
        virGetLastErrorCode() != VIR_ERR_NO_DOMAIN) {
        ocf_exit_reason("cannot destroy %s: %s", ctx->xml.name, vmg_virt_error());
        return OCF_ERR_GENERIC;
    }
    if (!wait_for_health(ctx, dom, VMG_HEALTH_STOPPED, 0)) {
        ocf_exit_reason("%s is still active after destroy", ctx->xml.name);
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/* save_config_on_stop: before the domain and its definition go away. */
static void save_config(struct vmg_context *ctx, virDomainPtr dom)
{
    VMG_AUTOFREE(char *) reason = NULL;

    if (vmg_config_save(ctx, dom, &reason) < 0)
        qb_log(LOG_WARNING, "%s", reason);
}

/* snapshot: true when the state is saved and the domain off. */
static bool save_state(struct vmg_context *ctx, virDomainPtr dom)
{
    VMG_AUTOFREE(char *) reason = NULL;

    if (vmg_snapshot_save(ctx, dom, &reason) == 0)
        return true;
    qb_log(LOG_ERR, "%s: shutting it down instead", reason);
    return false;
}

/* In post-copy, source and target each hold pages the other needs: a
 * destroy on either side loses the guest.  Waits for the migration to end
 * (then the source is off); false when it is still in post-copy. */
static bool wait_out_of_postcopy(struct vmg_context *ctx, virDomainPtr dom, int *state)
{
    int reason;

    qb_log(LOG_WARNING, "%s is in post-copy migration: stop waits for it to end and "
           "never destroys it meanwhile", ctx->xml.name);
    for (;;) {
        if (virDomainGetState(dom, state, &reason, 0) < 0) {
            *state = VIR_DOMAIN_SHUTOFF;        /* gone: migrated away */
            return true;
        }
        if (!vmg_domain_in_postcopy(*state, reason))
            return true;
        if (vmg_ms_left(ctx) <= POSTCOPY_STOP_RESERVE_MS)
            return false;
        vmg_sleep_ms(POLL_MS);
    }
}

int vmg_domain_stop(struct vmg_context *ctx)
{
    enum vmg_health health;
    const char *detail;
    VMG_AUTOPTR(virDomainPtr) dom = NULL;
    int state = VIR_DOMAIN_NOSTATE, reason, rc;

    dom = vmg_domain_lookup(ctx, &health, &detail);
    switch (health) {
    case VMG_HEALTH_ABSENT:
    case VMG_HEALTH_STOPPED:
        qb_log(LOG_INFO, "%s is already stopped (%s)", ctx->xml.name, detail);
        return OCF_SUCCESS;
    case VMG_HEALTH_FOREIGN:
        qb_log(LOG_WARNING, "%s is not here: the name is %s; leaving that one alone",
               ctx->xml.name, detail);
        return OCF_SUCCESS;
    case VMG_HEALTH_FOREIGN_ACTIVE:
        /* Saying "stopped" could let this VM run twice; destroying it could
         * kill someone else's. */
        ocf_exit_reason("cannot tell whether %s runs here: the name is %s; stop or rename "
                        "that domain by hand", ctx->xml.name, detail);
        return OCF_ERR_GENERIC;
    case VMG_HEALTH_UNKNOWN:
        /* Claiming "stopped" here could let it run on two nodes. */
        ocf_exit_reason("cannot tell the state of %s: %s", ctx->xml.name, detail);
        return OCF_ERR_GENERIC;
    case VMG_HEALTH_RUNNING:
    case VMG_HEALTH_FAILED:
        break;
    }

    virDomainGetState(dom, &state, &reason, 0);
    if (vmg_domain_in_postcopy(state, reason) && !wait_out_of_postcopy(ctx, dom, &state)) {
        ocf_exit_reason("%s is still in post-copy migration: not destroyed, it would lose "
                        "the guest; recover it (virsh migrate --postcopy-resume) or destroy "
                        "both sides by hand", ctx->xml.name);
        return OCF_ERR_GENERIC;
    }
    if (state == VIR_DOMAIN_SHUTOFF) {
        qb_log(LOG_INFO, "%s left this node with its migration", ctx->xml.name);
        return OCF_SUCCESS;
    }
    if (ctx->cfg.save_config_on_stop || ctx->cfg.sync_config_on_stop)
        save_config(ctx, dom);
    if (!ctx->cfg.force_stop && state == VIR_DOMAIN_RUNNING && ctx->cfg.snapshot &&
        save_state(ctx, dom))
        return OCF_SUCCESS;
    /* Only a running guest can react to a shutdown request. */
    if (!ctx->cfg.force_stop && state == VIR_DOMAIN_RUNNING &&
        shutdown_gracefully(ctx, dom, destroy_reserve_ms(ctx))) {
        qb_log(LOG_INFO, "%s shut down gracefully", ctx->xml.name);
        return OCF_SUCCESS;
    }
    rc = destroy(ctx, dom);
    if (rc == OCF_SUCCESS)
        qb_log(LOG_INFO, "%s stopped", ctx->xml.name);
    return rc;
}

/* Level 10: QEMU's monitor answers libvirt. */
static int check_control(struct vmg_context *ctx, virDomainPtr dom)
{
    virDomainControlInfo info;

    if (virDomainGetControlInfo(dom, &info, 0) < 0) {
        ocf_exit_reason("cannot read the QEMU monitor state of %s: %s", ctx->xml.name,
                        vmg_virt_error());
        return OCF_ERR_GENERIC;
    }
    if (info.state == VIR_DOMAIN_CONTROL_ERROR) {
        ocf_exit_reason("the QEMU monitor of %s is broken", ctx->xml.name);
        return OCF_ERR_GENERIC;
    }
    if (info.state == VIR_DOMAIN_CONTROL_OCCUPIED && info.stateTime > MONITOR_HUNG_MS) {
        ocf_exit_reason("the QEMU monitor of %s has not answered for %llu ms", ctx->xml.name,
                        info.stateTime);
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/* Level 20: the guest agent answers, when the domain has one. */
static int check_guest_agent(struct vmg_context *ctx, virDomainPtr dom)
{
    long long seconds;
    unsigned int nseconds;

    if (!vmg_domain_xml_has_guest_agent(&ctx->xml)) {
        qb_log(LOG_DEBUG, "%s has no guest agent channel: level 20 check skipped",
               ctx->xml.name);
        return OCF_SUCCESS;
    }
    if (virDomainGetTime(dom, &seconds, &nseconds, 0) < 0) {
        ocf_exit_reason("the guest agent of %s does not answer: %s", ctx->xml.name,
                        vmg_virt_error());
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

int vmg_domain_monitor(struct vmg_context *ctx)
{
    VMG_AUTOPTR(virDomainPtr) dom = NULL;
    enum vmg_health health;
    const char *detail;
    int rc;

    dom = vmg_domain_lookup(ctx, &health, &detail);
    switch (health) {
    case VMG_HEALTH_ABSENT:
    case VMG_HEALTH_STOPPED:
        qb_log(LOG_DEBUG, "%s is %s", ctx->xml.name, detail);
        return OCF_NOT_RUNNING;
    case VMG_HEALTH_FOREIGN:
        qb_log(LOG_WARNING, "%s is not running here: the name is %s", ctx->xml.name, detail);
        return OCF_NOT_RUNNING;
    case VMG_HEALTH_FOREIGN_ACTIVE:
        ocf_exit_reason("cannot tell whether %s runs here: the name is %s", ctx->xml.name,
                        detail);
        return OCF_ERR_GENERIC;
    case VMG_HEALTH_UNKNOWN:
        ocf_exit_reason("cannot tell the state of %s: %s", ctx->xml.name, detail);
        return OCF_ERR_GENERIC;
    case VMG_HEALTH_FAILED:
        ocf_exit_reason("%s is %s", ctx->xml.name, detail);
        return OCF_ERR_GENERIC;
    case VMG_HEALTH_RUNNING:
        break;
    }
    if (strcmp(detail, "running") != 0)
        qb_log(LOG_INFO, "%s is %s", ctx->xml.name, detail);
    vmg_domain_remember(ctx, dom);

    rc = OCF_SUCCESS;
    if (ctx->env.check_level >= 10)
        rc = check_control(ctx, dom);
    if (rc == OCF_SUCCESS && ctx->env.check_level >= 20)
        rc = check_guest_agent(ctx, dom);
    return rc;
}
