/* Live migration driven by Pacemaker: migrate_to on the source (p2p through
 * virDomainMigrateToURI3, watched by migrate_watch.c) and migrate_from on the
 * target; the guardian that aborts a migration whose helper was killed is
 * migrate_guardian.c. */
#include <build-config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "app_role.h"
#include "context.h"
#include "domain.h"
#include "log.h"
#include "migrate.h"
#include "ocf.h"
#include "peer_timeout.h"
#include "role_guard.h"
#include "spawn.h"
#include "split_brain.h"
#include "start_resources.h"

/* The longest migrate_to waits for the target's libvirtd to answer. */
#define TARGET_CONNECT_MAX_MS 10000
/* A target connection silent for interval * (count + 1) = 12 s is closed:
 * what is called on it then fails instead of waiting for good. */
#define TARGET_KEEPALIVE_INTERVAL_S 3
#define TARGET_KEEPALIVE_COUNT 3
/* Pause assumed for a post-copy switch-over when raising peer timeouts: the
 * guest runs on the target while pages are pulled, stalls are short. */
#define POSTCOPY_SWITCH_PAUSE_MS 1000

static unsigned long long effective_downtime(const struct vmg_migrate_config *cfg)
{
    return cfg->max_downtime ? cfg->max_downtime : cfg->downtime;
}

/* The longest pause this migration may impose, for the peer-timeout guard. */
static unsigned long long expected_pause_ms(const struct vmg_migrate_config *cfg)
{
    unsigned long long pause = effective_downtime(cfg);

    if (pause == 0)
        pause = 300;            /* QEMU's default max downtime */
    if (cfg->downtime_limit > pause)
        pause = cfg->downtime_limit;
    if (strcmp(cfg->postcopy, "off") != 0 && pause < POSTCOPY_SWITCH_PAUSE_MS)
        pause = POSTCOPY_SWITCH_PAUSE_MS;
    return pause;
}

static int add_compression(const struct vmg_migrate_config *cfg, virTypedParameterPtr *params,
                           int *n, int *max)
{
    char *copy, *method, *save = NULL;
    int rc = 0;

    copy = strdup(cfg->compression);
    if (copy == NULL)
        return -1;
    for (method = strtok_r(copy, ", ", &save); method && rc == 0;
         method = strtok_r(NULL, ", ", &save))
        rc = virTypedParamsAddString(params, n, max, VIR_MIGRATE_PARAM_COMPRESSION, method);
    free(copy);
    return rc;
}

/* Flags and typed parameters of virDomainMigrateToURI3. */
static int build_request(const struct vmg_migrate_config *cfg, virDomainPtr dom,
                         const char *data_uri, virTypedParameterPtr *params, int *n,
                         unsigned int *flags)
{
    int max = 0;
    bool source_persistent = virDomainIsPersistent(dom) == 1;
    bool persistent = strcmp(cfg->persistent, "true") == 0 ||
                      (strcmp(cfg->persistent, "auto") == 0 && source_persistent);
    unsigned long long bandwidth = cfg->bandwidth ? cfg->bandwidth : cfg->speed;

    *params = NULL;
    *n = 0;
    *flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_ABORT_ON_ERROR;
    /* libvirt refuses to undefine a transient source. */
    if (persistent)
        *flags |= VIR_MIGRATE_PERSIST_DEST;
    if (persistent && source_persistent)
        *flags |= VIR_MIGRATE_UNDEFINE_SOURCE;
    /* The tunnel runs inside the daemon connection, encrypted when that is
     * (qemu+tls, qemu+ssh); libvirt refuses the TLS flag with it. */
    if (cfg->tunnelled)
        *flags |= VIR_MIGRATE_TUNNELLED;
    else if (strcmp(cfg->transport, "tls") == 0)
        *flags |= VIR_MIGRATE_TLS;
    if (cfg->auto_converge)
        *flags |= VIR_MIGRATE_AUTO_CONVERGE;
    if (strcmp(cfg->postcopy, "off") != 0)
        *flags |= VIR_MIGRATE_POSTCOPY;
    if (cfg->block)
        *flags |= VIR_MIGRATE_NON_SHARED_DISK;

    if (data_uri && virTypedParamsAddString(params, n, &max, VIR_MIGRATE_PARAM_URI, data_uri) < 0)
        return -1;
    if (bandwidth && virTypedParamsAddULLong(params, n, &max, VIR_MIGRATE_PARAM_BANDWIDTH,
                                             bandwidth) < 0)
        return -1;
    /* QEMU lifts the pre-copy cap in post-copy (max-postcopy-bandwidth 0). */
    if (cfg->postcopy_bandwidth && strcmp(cfg->postcopy, "off") != 0 &&
        virTypedParamsAddULLong(params, n, &max, VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY,
                                cfg->postcopy_bandwidth) < 0)
        return -1;
    if (cfg->compression && *cfg->compression) {
        *flags |= VIR_MIGRATE_COMPRESSED;
        if (add_compression(cfg, params, n, &max) < 0)
            return -1;
    }
    if (cfg->parallel > 1) {
        *flags |= VIR_MIGRATE_PARALLEL;
        if (virTypedParamsAddInt(params, n, &max, VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS,
                                 (int)cfg->parallel) < 0)
            return -1;
    }
    return 0;
}

/* --- migrate_to --------------------------------------------------------- */

/* -1 with *reason when the resource is HA-primary here; an invalid role
 * parameter counts as a mark: a cold migration is safe. */
static int check_role(struct vmg_context *ctx, char **reason)
{
    struct vmg_role_config role = { 0 };
    int rc;

    if (vmg_params_load(vmg_role_params, vmg_role_params_count, &role, reason) < 0)
        return -1;
    rc = vmg_role_check(&role, &ctx->env, reason);
    vmg_params_free(vmg_role_params, vmg_role_params_count, &role);
    return rc;
}

static void log_result(struct vmg_context *ctx, const char *target,
                       const struct vmg_migration_result *result)
{
    if (!result->stats_known) {
        qb_log(LOG_NOTICE, "%s migrated to %s; libvirt reported no completed-job statistics%s",
               ctx->xml.name, target,
               result->switched_to_postcopy ? " (post-copy)" : "");
        return;
    }
    qb_log(LOG_NOTICE, "%s migrated to %s in %llu ms, downtime %llu ms, %llu MiB transferred%s",
           ctx->xml.name, target, result->elapsed_ms, result->downtime_ms, result->data_mib,
           result->switched_to_postcopy ? " (switched to post-copy)" : "");
}

/* After a failure the VM must still run here, or nowhere lost. */
static int report_failure(struct vmg_context *ctx, virDomainPtr dom, const char *target,
                          const struct vmg_migration_result *result)
{
    const char *detail;
    enum vmg_health health = vmg_domain_health(dom, &detail);

    if (health == VMG_HEALTH_RUNNING && virDomainIsActive(dom) == 1)
        ocf_exit_reason("live migration of %s to %s %s: %s; the VM keeps running on this node",
                        ctx->xml.name, target,
                        result->aborted_by_watchdog ? "was aborted" : "failed",
                        result->error ? result->error : "unknown error");
    else
        ocf_exit_reason("live migration of %s to %s failed: %s; the VM is now %s here",
                        ctx->xml.name, target, result->error ? result->error : "unknown error",
                        detail);
    return OCF_ERR_GENERIC;
}

/* One migrate_to: what it was asked for and what it built on the way. */
struct migration {
    struct vmg_migrate_config cfg;
    const char *target;
    char *daemon_uri;           /* the target's libvirtd */
    char *data_uri;             /* NULL: libvirt's default address */
    char *shown;                /* daemon_uri, fit for a log */
    virConnectPtr dconn;        /* the target's libvirtd; NULL: unreachable */
    char *dconn_error;          /* why not, as libvirt said at once */
    virDomainPtr dom;
    struct vmg_app_config app;  /* the application's own commands */
    bool pre_ran;               /* migration_pre_command succeeded */
};

static void migration_clear(struct migration *m)
{
    vmg_params_free(vmg_migrate_params, vmg_migrate_params_count, &m->cfg);
    vmg_params_free(vmg_app_params, vmg_app_params_count, &m->app);
    free(m->daemon_uri);
    free(m->data_uri);
    free(m->shown);
    free(m->dconn_error);
    if (m->dconn)
        virConnectClose(m->dconn);
    if (m->dom)
        virDomainFree(m->dom);
}

/* The VM is not here: it may already be on the target (a retried migrate_to
 * after libvirt finished). */
static int check_already_migrated(struct vmg_context *ctx, const struct migration *m)
{
    VMG_AUTOPTR(virDomainPtr) remote = NULL;

    if (m->dconn)
        remote = virDomainLookupByName(m->dconn, ctx->xml.name);
    if (remote && virDomainIsActive(remote) == 1) {
        qb_log(LOG_NOTICE, "%s already runs on %s: nothing to migrate", ctx->xml.name,
               m->target);
        return OCF_SUCCESS;
    }
    ocf_exit_reason("%s is not running on this node: nothing to migrate to %s", ctx->xml.name,
                    m->target);
    return OCF_ERR_GENERIC;
}

static int migrate_with_guards(struct vmg_context *ctx, const struct migration *m,
                               virTypedParameterPtr params, int nparams, unsigned int flags)
{
    struct vmg_peer_config peer = { 0 };
    struct vmg_peer_guard *guard = NULL;
    struct vmg_migration_result result = { 0 };
    VMG_AUTOFREE(char *) reason = NULL;
    long long reserve = 0;
    int guardian, rc;

    rc = vmg_context_params(vmg_peer_params, vmg_peer_params_count, &peer);
    if (rc != OCF_SUCCESS)
        return rc;
    /* The restore of raised peer timeouts gets its time whatever happens. */
    if (peer.clusters && *peer.clusters)
        reserve = VMG_MIGRATION_RESTORE_MS;
    /* Halfway between the watchdog's own abort and the restore's reserve. */
    guardian = vmg_guardian_start(vmg_now_ms() + vmg_ms_left(ctx) - reserve -
                              vmg_migration_abort_margin_ms(ctx) / 2);
    if (vmg_peer_guard_raise(&peer, &ctx->env, expected_pause_ms(&m->cfg),
                             &(struct vmg_peer_move){ ctx->xml.name, m->daemon_uri }, &guard,
                             &reason) < 0) {
        ocf_exit_reason("cannot raise the peer-failure timeouts before migrating %s: %s",
                        ctx->xml.name, reason);
        rc = OCF_ERR_GENERIC;
    } else {
        vmg_migration_run(ctx, &m->cfg, m->dom, m->dconn, m->daemon_uri, params, nparams,
                          flags, reserve, &result);
        if (result.succeeded)
            vmg_peer_guard_moved(guard);
        if (vmg_peer_guard_restore(guard, NULL) < 0)
            qb_log(LOG_ERR, "the peer-failure timeouts raised for %s were not all restored; "
                   "the next action on this node retries", ctx->xml.name);
        if (result.succeeded)
            log_result(ctx, m->target, &result);
        rc = result.succeeded ? OCF_SUCCESS : report_failure(ctx, m->dom, m->target, &result);
    }
    vmg_guardian_release(guardian);
    vmg_migration_result_clear(&result);
    vmg_params_free(vmg_peer_params, vmg_peer_params_count, &peer);
    return rc;
}

/* The target's name goes into URIs (%n): it must not point them elsewhere. */
static int check_target(const char *target)
{
    if (target == NULL) {
        ocf_exit_reason("migrate_to needs OCF_RESKEY_CRM_meta_migrate_target");
        return OCF_ERR_GENERIC;
    }
    if (!vmg_host_name_ok(target)) {
        ocf_exit_reason("the migration target '%.64s' is not a usable host name", target);
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/* The data URI first: its reason names the parameter to fix. */
static int build_uris(struct vmg_context *ctx, struct migration *m)
{
    VMG_AUTOFREE(char *) reason = NULL;

    if (vmg_migration_data_uri(&m->cfg, m->target, ctx->env.resource, &m->data_uri,
                               &reason) == 0 &&
        vmg_migration_daemon_uri(&m->cfg, ctx->cfg.hypervisor, m->target, &m->daemon_uri,
                                 &reason) == 0)
        return OCF_SUCCESS;
    ocf_exit_reason("cannot build the migration URIs for %s: %s", m->target, reason);
    return OCF_ERR_CONFIGURED;
}

/* The application's say, last: a switchover is only worth it when nothing
 * else refuses the live migration.  The switchover and the pre command may
 * take half of what is left; the migration keeps the other half. */
static int check_application(struct vmg_context *ctx, struct migration *m)
{
    VMG_AUTOFREE(char *) reason = NULL;

    if (vmg_params_load(vmg_app_params, vmg_app_params_count, &m->app, &reason) < 0 ||
        vmg_app_validate(&m->app, &reason) < 0) {
        ocf_exit_reason("%s is not live-migrated: %s", ctx->xml.name, reason);
        return OCF_ERR_GENERIC;
    }
    if (vmg_app_switch_over(&m->app, m->dom, vmg_now_ms() + vmg_ms_left(ctx) / 2,
                            &reason) < 0) {
        ocf_exit_reason("%s is HA-primary (%s): it is not live-migrated; Pacemaker stops it "
                        "here and starts it on %s", ctx->xml.name, reason, m->target);
        return OCF_ERR_GENERIC;
    }
    if (vmg_app_step(&m->app, VMG_APP_PRE, m->dom, vmg_now_ms() + vmg_ms_left(ctx) / 2,
                     &reason) < 0) {
        ocf_exit_reason("%s is not live-migrated: %s; Pacemaker stops it here and starts it "
                        "on %s", ctx->xml.name, reason, m->target);
        return OCF_ERR_GENERIC;
    }
    m->pre_ran = m->app.pre != NULL;
    return OCF_SUCCESS;
}

/* Every reason to refuse a live migration of a VM that runs here. */
static int check_migratable(struct vmg_context *ctx, struct migration *m)
{
    VMG_AUTOFREE(char *) reason = NULL;

    if (check_role(ctx, &reason) < 0) {
        ocf_exit_reason("%s is HA-primary (%s): it is not live-migrated; Pacemaker stops it "
                        "here and starts it on %s", ctx->xml.name, reason, m->target);
        return OCF_ERR_GENERIC;
    }
    if (m->dconn == NULL) {
        ocf_exit_reason("cannot reach libvirt on %s at %s: %s", m->target,
                        m->shown ? m->shown : "?",
                        m->dconn_error ? m->dconn_error : "out of memory");
        return OCF_ERR_GENERIC;
    }
    /* As VirtualDomain: what the domain needs, up on the target first. */
    if (ctx->cfg.start_resources &&
        vmg_start_resources(m->dconn, ctx->xml.text, &reason) < 0) {
        ocf_exit_reason("%s needs on %s: %s", ctx->xml.name, m->target, reason);
        return OCF_ERR_GENERIC;
    }
    if (m->cfg.checks &&
        vmg_migration_prechecks(ctx, &m->cfg, m->dom, m->dconn, m->target, &reason) < 0) {
        ocf_exit_reason("%s", reason);
        return OCF_ERR_GENERIC;
    }
    return check_application(ctx, m);
}

static int start_migration(struct vmg_context *ctx, const struct migration *m)
{
    virTypedParameterPtr params = NULL;
    unsigned int flags;
    int nparams = 0, rc = OCF_ERR_GENERIC;

    if (build_request(&m->cfg, m->dom, m->data_uri, &params, &nparams, &flags) < 0) {
        ocf_exit_reason("cannot prepare the migration of %s: %s", ctx->xml.name,
                        vmg_virt_error());
    } else {
        qb_log(LOG_NOTICE, "live-migrating %s to %s via %s, data over %s", ctx->xml.name,
               m->target, m->shown ? m->shown : "?",
               m->data_uri ? m->data_uri : "libvirt's default address");
        rc = migrate_with_guards(ctx, m, params, nparams, flags);
    }
    virTypedParamsFree(params, nparams);
    return rc;
}

/* The VM stayed here after the pre command stopped its HA service: the
 * post command starts it again, with whatever time is left. */
static void undo_pre_command(struct vmg_context *ctx, struct migration *m)
{
    VMG_AUTOFREE(char *) reason = NULL;

    qb_log(LOG_NOTICE, "%s stays here: running migration_post_command here to undo "
           "migration_pre_command", ctx->xml.name);
    if (vmg_app_step(&m->app, VMG_APP_POST, m->dom, ctx->deadline_ms, &reason) < 0)
        qb_log(LOG_ERR, "%s: %s", ctx->xml.name, reason);
}

/* The target's libvirtd, within a bounded time: with its management link
 * down, virConnectOpen alone took 70 s in the lab (the SYN retries), past
 * a 60 s migrate_to timeout; a healthy daemon answers in well under 1 s. */
static void open_target(struct vmg_context *ctx, struct migration *m)
{
    long long budget = vmg_ms_left(ctx) / 4;
    VMG_AUTOFREE(char *) why = NULL;
    bool loop = vmg_virt_event_loop_start(&why) == 0;

    if (!loop)
        qb_log(LOG_WARNING, "no keepalive on the connection to %s: %s", m->target, why);
    if (budget > TARGET_CONNECT_MAX_MS)
        budget = TARGET_CONNECT_MAX_MS;
    if (vmg_virt_open_bounded(m->daemon_uri, budget, &m->dconn, &m->dconn_error) < 0) {
        qb_log(LOG_WARNING, "cannot reach libvirt on %s: %s", m->target, m->dconn_error);
        return;
    }
    /* The calls made on it afterwards (look-ups, the pre-checks) wait for
     * the target with no timeout of their own: keepalive closes a
     * connection whose daemon stays silent, and they fail. */
    if (loop && virConnectSetKeepAlive(m->dconn, TARGET_KEEPALIVE_INTERVAL_S,
                                       TARGET_KEEPALIVE_COUNT) < 0)
        qb_log(LOG_WARNING, "no keepalive on the connection to %s: %s", m->target,
               vmg_virt_error());
}

static int migrate_to(struct vmg_context *ctx, struct migration *m)
{
    enum vmg_health health;
    const char *detail;
    int rc;

    if ((rc = check_target(m->target)) != OCF_SUCCESS ||
        (rc = build_uris(ctx, m)) != OCF_SUCCESS)
        return rc;
    m->shown = vmg_log_redact_uri(m->daemon_uri);
    open_target(ctx, m);
    m->dom = vmg_domain_lookup(ctx, &health, &detail);
    if (m->dom == NULL || health != VMG_HEALTH_RUNNING || virDomainIsActive(m->dom) != 1)
        return check_already_migrated(ctx, m);
    if ((rc = check_migratable(ctx, m)) != OCF_SUCCESS)
        return rc;
    rc = start_migration(ctx, m);
    if (rc != OCF_SUCCESS && m->pre_ran)
        undo_pre_command(ctx, m);
    return rc;
}

int vmg_migrate_params_load(struct vmg_migrate_config *cfg)
{
    VMG_AUTOFREE(char *) reason = NULL;
    int rc = vmg_context_params(vmg_migrate_params, vmg_migrate_params_count, cfg);

    if (rc != OCF_SUCCESS || vmg_migrate_options_apply(cfg, &reason) == 0)
        return rc;
    ocf_exit_reason("%s", reason);
    vmg_params_free(vmg_migrate_params, vmg_migrate_params_count, cfg);
    return OCF_ERR_CONFIGURED;
}

int vmg_migrate_to(struct vmg_context *ctx)
{
    struct migration m = { .target = ctx->env.migrate_target };
    int rc = vmg_migrate_params_load(&m.cfg);

    if (rc == OCF_SUCCESS)
        rc = migrate_to(ctx, &m);
    migration_clear(&m);
    return rc;
}

/* --- migrate_from ------------------------------------------------------- */

/* Waits for the domain to run here; false when it failed or time ran out. */
static bool wait_arrival(struct vmg_context *ctx, const char *source)
{
    enum vmg_health health = VMG_HEALTH_ABSENT;
    const char *detail = "not defined";

    /* libvirt has finished by the time migrate_to returned, but a post-copy
     * or a slow resume may still be settling. */
    for (;;) {
        VMG_AUTOPTR(virDomainPtr) dom = NULL;
        int state, reason;

        dom = vmg_domain_lookup(ctx, &health, &detail);
        if (dom && health == VMG_HEALTH_RUNNING &&
            virDomainGetState(dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_RUNNING) {
            vmg_domain_remember(ctx, dom);
            return true;
        }
        if (health == VMG_HEALTH_FAILED || vmg_ms_left(ctx) <= 0) {
            ocf_exit_reason("%s did not arrive from %s: it is %s on this node", ctx->xml.name,
                            source, detail);
            return false;
        }
        vmg_sleep_ms(200);
    }
}

/* migration_post_command, once the VM runs here. */
static int run_post_command(struct vmg_context *ctx)
{
    struct vmg_app_config app = { 0 };
    VMG_AUTOFREE(char *) reason = NULL;
    VMG_AUTOPTR(virDomainPtr) dom = NULL;
    enum vmg_health health;
    const char *detail;
    int rc = OCF_SUCCESS;

    if (vmg_params_load(vmg_app_params, vmg_app_params_count, &app, &reason) < 0 ||
        vmg_app_validate(&app, &reason) < 0) {
        ocf_exit_reason("%s runs here, but %s", ctx->xml.name, reason);
        rc = OCF_ERR_GENERIC;
    } else if (app.post) {
        dom = vmg_domain_lookup(ctx, &health, &detail);
        if (vmg_app_step(&app, VMG_APP_POST, dom, ctx->deadline_ms, &reason) < 0) {
            ocf_exit_reason("%s runs here, but %s", ctx->xml.name, reason);
            rc = OCF_ERR_GENERIC;
        }
    }
    vmg_params_free(vmg_app_params, vmg_app_params_count, &app);
    return rc;
}

int vmg_migrate_from(struct vmg_context *ctx)
{
    const char *source = ctx->env.migrate_source ? ctx->env.migrate_source : "the source";
    int rc;

    if (!wait_arrival(ctx, source))
        return OCF_ERR_GENERIC;
    rc = vmg_split_brain_guard(ctx, ctx->env.migrate_source);
    if (rc == OCF_SUCCESS)
        qb_log(LOG_NOTICE, "%s arrived from %s and runs here", ctx->xml.name, source);
    return rc == OCF_SUCCESS ? run_post_command(ctx) : rc;
}
