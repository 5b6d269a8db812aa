/* The OCF actions: set up the context each needs, run it, tear down. */
#include <build-config.h>

#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "app_role.h"
#include "config_sync.h"
#include "context.h"
#include "domain.h"
#include "log.h"
#include "migrate.h"
#include "monitor_scripts.h"
#include "ocf.h"
#include "peer_timeout.h"
#include "role_guard.h"
#include "split_brain.h"
#include "stop_budget.h"
#include "systemd_deps.h"
#include "utilization.h"

struct action {
    const char *name;
    int (*run)(struct vmg_context *ctx);
    unsigned needs;
    /* Never OCF_ERR_CONFIGURED or OCF_ERR_INSTALLED: Pacemaker takes them
     * as fatal on every node and stops the VM everywhere, for a problem of
     * one node or of the migration alone; OCF_ERR_GENERIC makes it fall
     * back to a stop and a start. */
    bool never_fatal;
};

/* Loads a table into scratch space only to report its first bad value. */
static int validate_table(const struct vmg_param *table, size_t count, void *scratch)
{
    int rc = vmg_context_params(table, count, scratch);

    if (rc == OCF_SUCCESS)
        vmg_params_free(table, count, scratch);
    return rc;
}

/* The application's commands parse, and a switchover has its probe. */
static int validate_app(void)
{
    struct vmg_app_config app = { 0 };
    VMG_AUTOFREE(char *) reason = NULL;
    int rc = vmg_context_params(vmg_app_params, vmg_app_params_count, &app);

    if (rc != OCF_SUCCESS)
        return rc;
    if (vmg_app_validate(&app, &reason) < 0) {
        ocf_exit_reason("%s", reason);
        rc = OCF_ERR_CONFIGURED;
    }
    vmg_params_free(vmg_app_params, vmg_app_params_count, &app);
    return rc;
}

/* May this VM be HA-primary somewhere?  Any mark configured says yes. */
static bool may_be_primary(const struct vmg_role_config *role)
{
    struct vmg_app_config app = { 0 };
    VMG_AUTOFREE(char *) reason = NULL;
    bool probe = false;

    if (vmg_params_load(vmg_app_params, vmg_app_params_count, &app, &reason) == 0) {
        probe = app.probe != NULL;
        vmg_params_free(vmg_app_params, vmg_app_params_count, &app);
    }
    return role->ha_primary || role->attribute || role->resource || probe;
}

/* A cold move needs static MACs (a new one at every start leaves the LAN's
 * ARP caches pointing at a MAC that is gone): a warning, and a refusal for a
 * VM that is moved cold because it is HA-primary. */
static int validate_macs(struct vmg_context *ctx)
{
    struct vmg_role_config role = { 0 };
    VMG_AUTOFREE(char *) reason = NULL;
    bool primary;

    if (ctx->xml.nics_without_mac == 0)
        return OCF_SUCCESS;
    if (vmg_params_load(vmg_role_params, vmg_role_params_count, &role, &reason) < 0)
        return OCF_SUCCESS;     /* reported by the role table's own check */
    primary = may_be_primary(&role);
    vmg_params_free(vmg_role_params, vmg_role_params_count, &role);
    if (primary) {
        ocf_exit_reason("%s may be HA-primary, so it moves cold, but %u <interface> of %s has "
                        "no <mac address=...>: libvirt would give it a new MAC at every "
                        "start; set one", ctx->xml.name, ctx->xml.nics_without_mac,
                        ctx->cfg.config);
        return OCF_ERR_CONFIGURED;
    }
    qb_log(LOG_WARNING, "%u <interface> of %s has no <mac address=...>: libvirt gives it a "
           "new MAC at every cold start, and the LAN's ARP caches keep the old one for a "
           "while; set one", ctx->xml.nics_without_mac, ctx->cfg.config);
    return OCF_SUCCESS;
}

/* A stop timeout that leaves the guest less time to shut down than
 * destroy keeps is not an error, but the administrator should know. */
static void check_stop_timeout(const struct vmg_context *ctx)
{
    VMG_AUTOFREE(char *) reason = NULL;
    long long stop_ms;

    if (vmg_stop_timeout_ms(ctx->env.resource, &stop_ms, &reason) < 0) {
        qb_log(LOG_DEBUG, "stop timeout not checked: %s", reason);
        return;
    }
    if (stop_ms < VMG_STOP_TIMEOUT_MIN_MS)
        qb_log(LOG_WARNING, "the stop timeout of %s is %lld ms: below %lld ms its guest gets "
               "less time to shut down than the %lld ms a destroy is kept (a forced destroy "
               "took up to 11.5 s in the lab); configure op stop timeout=90s",
               ctx->env.resource, stop_ms, VMG_STOP_TIMEOUT_MIN_MS, VMG_DESTROY_MS);
}

/* The lifecycle parameters and the XML were checked by vmg_context_open. */
/* Every parameter table, with what is built from them; no CIB question. */
static int validate_params(struct vmg_context *ctx)
{
    struct vmg_migrate_config migrate = { 0 };
    struct vmg_peer_config peer = { 0 };
    struct vmg_role_config role = { 0 };
    struct vmg_split_brain_config split_brain = { 0 };
    VMG_AUTOFREE(char *) reason = NULL;
    int rc;

    rc = vmg_context_supported(ctx);
    if (rc == OCF_SUCCESS && ctx->cfg.force_stop && ctx->cfg.snapshot) {
        /* As VirtualDomain: a destroy would leave nothing to restore. */
        ocf_exit_reason("force_stop and snapshot cannot be used together");
        rc = OCF_ERR_CONFIGURED;
    }
    if (rc == OCF_SUCCESS && ctx->cfg.sync_config_on_stop && vmg_csync2_path() == NULL) {
        ocf_exit_reason("sync_config_on_stop needs csync2, which is not installed");
        rc = OCF_ERR_INSTALLED;
    }
    if (rc == OCF_SUCCESS && vmg_monitor_scripts_check(ctx->cfg.monitor_scripts, &reason) < 0) {
        ocf_exit_reason("%s", reason);
        rc = OCF_ERR_CONFIGURED;
    }
    /* Beyond each value's own syntax: what a migration or a peer-timeout
     * raise would build from them, which would otherwise fail only then. */
    if (rc == OCF_SUCCESS)
        rc = vmg_migrate_params_load(&migrate);
    if (rc == OCF_SUCCESS &&
        vmg_migration_config_check(&migrate, ctx->cfg.hypervisor, &reason) < 0) {
        ocf_exit_reason("%s", reason);
        rc = OCF_ERR_CONFIGURED;
    }
    vmg_params_free(vmg_migrate_params, vmg_migrate_params_count, &migrate);
    if (rc == OCF_SUCCESS)
        rc = vmg_context_params(vmg_peer_params, vmg_peer_params_count, &peer);
    if (rc == OCF_SUCCESS && vmg_peer_config_check(&peer, &reason) < 0) {
        ocf_exit_reason("%s", reason);
        rc = OCF_ERR_CONFIGURED;
    }
    vmg_params_free(vmg_peer_params, vmg_peer_params_count, &peer);
    if (rc == OCF_SUCCESS)
        rc = validate_table(vmg_role_params, vmg_role_params_count, &role);
    if (rc == OCF_SUCCESS)
        rc = validate_table(vmg_split_brain_params, vmg_split_brain_params_count, &split_brain);
    return rc;
}

static int run_validate(struct vmg_context *ctx)
{
    int rc = validate_params(ctx);

    if (rc == OCF_SUCCESS)
        rc = validate_app();
    if (rc == OCF_SUCCESS)
        rc = validate_macs(ctx);
    if (rc == OCF_SUCCESS)
        check_stop_timeout(ctx);
    if (rc == OCF_SUCCESS)
        qb_log(LOG_DEBUG, "configuration of %s is valid", ctx->xml.name);
    return rc;
}

/* The domain runs: its monitor scripts decide (wait: until they pass). */
static int check_scripts(struct vmg_context *ctx, bool wait)
{
    VMG_AUTOFREE(char *) reason = NULL;

    if (ctx->cfg.monitor_scripts == NULL)
        return OCF_SUCCESS;
    if ((wait ? vmg_monitor_scripts_wait(ctx, &reason)
              : vmg_monitor_scripts_run(ctx, &reason)) == 0)
        return OCF_SUCCESS;
    ocf_exit_reason("%s", reason);
    return OCF_ERR_GENERIC;
}

/* systemd stops Pacemaker before libvirtd at a reboot (VirtualDomain does
 * this at start and migrate_from too). */
static void order_shutdown(struct vmg_context *ctx)
{
    VMG_AUTOFREE(char *) reason = NULL;
    struct vmg_systemd_host host;
    long long budget = vmg_ms_left(ctx) / 4;

    vmg_systemd_host_default(&host, budget > 10000 ? 10000 : (unsigned)budget);
    if (vmg_systemd_deps(&host, &reason) < 0)
        qb_log(LOG_WARNING, "shutdown order with libvirtd not set up: %s", reason);
}

/* After a start, an arrival or a monitor that found the domain running (a
 * monitor without a cache seeds it, so it loads no cluster plugin); after
 * an arrival the definition is saved too, as VirtualDomain does. */
static void update_utilization(struct vmg_context *ctx, bool monitor, bool save_config)
{
    VMG_AUTOPTR(virDomainPtr) dom = NULL;
    VMG_AUTOFREE(char *) reason = NULL;
    enum vmg_health health;
    const char *detail;

    dom = vmg_domain_lookup(ctx, &health, &detail);
    if (dom == NULL || health != VMG_HEALTH_RUNNING)
        return;
    vmg_utilization_update(ctx, dom, monitor);
    if (save_config && (ctx->cfg.save_config_on_stop || ctx->cfg.sync_config_on_stop) &&
        vmg_config_save(ctx, dom, &reason) < 0)
        qb_log(LOG_WARNING, "%s", reason);
}

static int run_start(struct vmg_context *ctx)
{
    enum vmg_health health;
    const char *detail;
    virDomainPtr dom;
    int rc;

    /* Every parameter, as VirtualDomain validates before each action: a
     * start must not succeed on a configuration validate-all refuses. */
    rc = validate_params(ctx);
    if (rc != OCF_SUCCESS)
        return rc;
    vmg_peer_guard_recover_env(&ctx->env);
    /* Asking the peers costs up to seconds: only when about to start it. */
    dom = vmg_domain_lookup(ctx, &health, &detail);
    if (health == VMG_HEALTH_ABSENT || health == VMG_HEALTH_STOPPED)
        rc = vmg_split_brain_guard(ctx, NULL);
    if (dom)
        virDomainFree(dom);
    if (rc == OCF_SUCCESS) {
        order_shutdown(ctx);
        rc = vmg_domain_start(ctx);
    }
    if (rc == OCF_SUCCESS)
        rc = check_scripts(ctx, true);
    if (rc == OCF_SUCCESS) {
        vmg_utilization_forget(ctx);
        update_utilization(ctx, false, false);
    }
    return rc;
}

static int run_migrate_from(struct vmg_context *ctx)
{
    int rc;

    order_shutdown(ctx);
    rc = vmg_migrate_from(ctx);

    if (rc == OCF_SUCCESS)
        rc = check_scripts(ctx, true);
    if (rc == OCF_SUCCESS) {
        vmg_utilization_forget(ctx);
        update_utilization(ctx, false, true);
    }
    return rc;
}

static int run_stop(struct vmg_context *ctx)
{
    vmg_peer_guard_recover_env(&ctx->env);
    return vmg_domain_stop(ctx);
}

static int run_monitor(struct vmg_context *ctx)
{
    int rc;

    vmg_peer_guard_recover_env(&ctx->env);
    rc = vmg_domain_monitor(ctx);
    if (rc == OCF_SUCCESS)
        rc = check_scripts(ctx, false);
    /* Not for a probe: the resource may not be placed here. */
    if (rc == OCF_SUCCESS && ctx->env.interval_ms > 0)
        update_utilization(ctx, true, false);
    return rc;
}

/* Parameters are read afresh by every action: nothing to reload, but a
 * bad value is refused now rather than met by the next migration. */
static int run_reload_agent(struct vmg_context *ctx)
{
    int rc = run_validate(ctx);

    if (rc == OCF_SUCCESS)
        qb_log(LOG_INFO, "parameters of %s reloaded", ctx->xml.name);
    return rc;
}

/* LSB-style status: the state only, no deeper checks. */
static int run_status(struct vmg_context *ctx)
{
    ctx->env.check_level = 0;
    return vmg_domain_monitor(ctx);
}

static const struct action actions[] = {
    { "start", run_start, VMG_NEEDS_PARAMS | VMG_NEEDS_LIBVIRT, false },
    { "stop", run_stop, VMG_NEEDS_PARAMS | VMG_NEEDS_LIBVIRT, false },
    { "monitor", run_monitor, VMG_NEEDS_PARAMS | VMG_NEEDS_LIBVIRT, false },
    { "migrate_to", vmg_migrate_to, VMG_NEEDS_PARAMS | VMG_NEEDS_LIBVIRT, true },
    { "migrate_from", run_migrate_from, VMG_NEEDS_PARAMS | VMG_NEEDS_LIBVIRT, true },
    { "status", run_status, VMG_NEEDS_PARAMS | VMG_NEEDS_LIBVIRT, false },
    { "validate-all", run_validate, VMG_NEEDS_PARAMS, false },
    { "reload-agent", run_reload_agent, VMG_NEEDS_PARAMS, false },
    { "reload", run_reload_agent, VMG_NEEDS_PARAMS, false },
};

static const struct action *find_action(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(actions[i].name, name) == 0)
            return &actions[i];
    return NULL;
}

int vmg_run_action(const char *name)
{
    const struct action *action = find_action(name);
    struct vmg_context ctx;
    int rc;

    if (action == NULL) {
        ocf_exit_reason("action '%.64s' is not implemented by ocf:vmguard:VirtualMachine",
                        name);
        return OCF_ERR_UNIMPLEMENTED;
    }
    rc = vmg_context_open(&ctx, name, action->needs);
    if (rc == OCF_SUCCESS && !ctx.decided)
        rc = action->run(&ctx);
    if (action->never_fatal && (rc == OCF_ERR_CONFIGURED || rc == OCF_ERR_INSTALLED)) {
        qb_log(LOG_NOTICE, "%s: %s reported as %s, so that Pacemaker stops and starts the VM "
               "instead of stopping it on every node", name, ocf_rc_name(rc),
               ocf_rc_name(OCF_ERR_GENERIC));
        rc = OCF_ERR_GENERIC;
    }
    qb_log(rc == OCF_SUCCESS || rc == OCF_NOT_RUNNING ? LOG_DEBUG : LOG_INFO,
           "%s finished: %s", name, ocf_rc_name(rc));
    vmg_context_close(&ctx);
    return rc;
}
