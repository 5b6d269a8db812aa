/* The OCF actions: set up the context each needs, run it, tear down. */
#include <build-config.h>

#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "actions.h"
#include "domain.h"
#include "log.h"
#include "ocf.h"

/* Used when Pacemaker gave no timeout (a run by hand). */
#define DEFAULT_TIMEOUT_MS 60000

enum needs {
    NEEDS_PARAMS = 1,       /* instance parameters and the domain XML */
    NEEDS_LIBVIRT = 2,      /* a connection to the hypervisor */
};

struct action {
    const char *name;
    unsigned needs;
    int (*run)(struct vmg_context *ctx);
};

static int run_validate(struct vmg_context *ctx)
{
    qb_log(LOG_DEBUG, "configuration of %s is valid", ctx->xml.name);
    return OCF_SUCCESS;
}

/* Parameters are read afresh by every action: nothing to reload. */
static int run_reload_agent(struct vmg_context *ctx)
{
    qb_log(LOG_INFO, "parameters of %s reloaded", ctx->xml.name);
    return OCF_SUCCESS;
}

/* LSB-style status: the state only, no deeper checks. */
static int run_status(struct vmg_context *ctx)
{
    ctx->env.check_level = 0;
    return vmg_domain_monitor(ctx);
}

static const struct action actions[] = {
    { "start", NEEDS_PARAMS | NEEDS_LIBVIRT, vmg_domain_start },
    { "stop", NEEDS_PARAMS | NEEDS_LIBVIRT, vmg_domain_stop },
    { "monitor", NEEDS_PARAMS | NEEDS_LIBVIRT, vmg_domain_monitor },
    { "status", NEEDS_PARAMS | NEEDS_LIBVIRT, run_status },
    { "validate-all", NEEDS_PARAMS, run_validate },
    { "reload-agent", NEEDS_PARAMS, run_reload_agent },
    { "reload", NEEDS_PARAMS, run_reload_agent },
};

static const struct action *find_action(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(actions[i].name, name) == 0)
            return &actions[i];
    return NULL;
}

/* libvirt prints every error to stderr by default; we report each once. */
static void silence_libvirt(void *data, virErrorPtr error)
{
}

static void set_deadline(struct vmg_context *ctx)
{
    unsigned long long ms = ctx->env.timeout_ms ? ctx->env.timeout_ms : DEFAULT_TIMEOUT_MS;

    clock_gettime(CLOCK_MONOTONIC, &ctx->deadline);
    ctx->deadline.tv_sec += ms / 1000;
    ctx->deadline.tv_nsec += (ms % 1000) * 1000000L;
    if (ctx->deadline.tv_nsec >= 1000000000L) {
        ctx->deadline.tv_sec++;
        ctx->deadline.tv_nsec -= 1000000000L;
    }
}

/* A missing file means this node cannot run the VM (OCF_ERR_INSTALLED);
 * a file that is there but wrong is a configuration error everywhere. */
static int load_domain_xml(struct vmg_context *ctx)
{
    char *reason = NULL;
    int rc = OCF_SUCCESS;

    if (ctx->cfg.config == NULL) {
        ocf_exit_reason("required parameter config is not set");
        return OCF_ERR_CONFIGURED;
    }
    switch (vmg_domain_xml_load(ctx->cfg.config, &ctx->xml, &reason)) {
    case VMG_DOMAIN_XML_OK:
        break;
    case VMG_DOMAIN_XML_MISSING:
        if (ocf_is_probe() && strcmp(ctx->action, "monitor") == 0)
            qb_log(LOG_INFO, "%s: not running on this node", reason ? reason : "no config");
        else
            ocf_exit_reason("%s", reason ? reason : "cannot read the domain XML");
        rc = OCF_ERR_INSTALLED;
        break;
    case VMG_DOMAIN_XML_INVALID:
        ocf_exit_reason("%s", reason ? reason : "the domain XML is invalid");
        rc = OCF_ERR_CONFIGURED;
        break;
    }
    free(reason);
    return rc;
}

static int prepare(struct vmg_context *ctx, unsigned needs)
{
    char *reason = NULL;
    int rc;

    if (vmg_env_load(&ctx->env, &reason) < 0) {
        ocf_exit_reason("%s", reason ? reason : "malformed OCF environment");
        free(reason);
        return OCF_ERR_ARGS;
    }
    set_deadline(ctx);
    if (!(needs & NEEDS_PARAMS))
        return OCF_SUCCESS;

    if (vmg_params_load(vmg_domain_params, vmg_domain_params_count, &ctx->cfg, &reason) < 0) {
        ocf_exit_reason("%s", reason ? reason : "invalid parameter");
        free(reason);
        return OCF_ERR_CONFIGURED;
    }
    rc = load_domain_xml(ctx);
    if (rc != OCF_SUCCESS || !(needs & NEEDS_LIBVIRT))
        return rc;

    virSetErrorFunc(NULL, silence_libvirt);
    return vmg_connect(ctx) == 0 ? OCF_SUCCESS : OCF_ERR_GENERIC;
}

static void release(struct vmg_context *ctx)
{
    if (ctx->conn)
        virConnectClose(ctx->conn);
    vmg_domain_xml_clear(&ctx->xml);
    vmg_params_free(vmg_domain_params, vmg_domain_params_count, &ctx->cfg);
}

int vmg_run_action(const char *name)
{
    const struct action *action = find_action(name);
    struct vmg_context ctx = { .action = name };
    int rc;

    if (action == NULL) {
        ocf_exit_reason("action '%.64s' is not implemented by ocf:vmguard:VirtualMachine",
                        name);
        return OCF_ERR_UNIMPLEMENTED;
    }
    rc = prepare(&ctx, action->needs);
    if (rc == OCF_SUCCESS)
        rc = action->run(&ctx);
    qb_log(rc == OCF_SUCCESS || rc == OCF_NOT_RUNNING ? LOG_DEBUG : LOG_INFO,
           "%s finished: %s", name, ocf_rc_name(rc));
    release(&ctx);
    return rc;
}
