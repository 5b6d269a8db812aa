/* Preparing the context of an action (see context.h). */
#include <build-config.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "context.h"
#include "log.h"
#include "ocf.h"
#include "util.h"
#include "virt.h"

/* Used when Pacemaker gave no timeout (a run by hand). */
#define DEFAULT_TIMEOUT_MS 60000
/* A restarting libvirtd gets up to a third of the action's time, at most
 * this long, before the helper reports it unreachable. */
#define CONNECT_RETRY_MAX_MS 15000
#define CONNECT_RETRY_MS 250

static const char *const shutdown_modes[] = { "acpi-then-agent", "acpi", "agent", NULL };

const struct vmg_param vmg_domain_params[] = {
    { "config", VMG_PARAM_PATH, NULL, offsetof(struct vmg_domain_config, config), 0, 0, NULL },
    { "hypervisor", VMG_PARAM_STRING, "qemu:///system",
      offsetof(struct vmg_domain_config, hypervisor), 0, 0, NULL },
    { "force_stop", VMG_PARAM_BOOL, "false",
      offsetof(struct vmg_domain_config, force_stop), 0, 0, NULL },
    { "persistent", VMG_PARAM_BOOL, "false",
      offsetof(struct vmg_domain_config, persistent), 0, 0, NULL },
    { "shutdown_mode", VMG_PARAM_ENUM, "acpi-then-agent",
      offsetof(struct vmg_domain_config, shutdown_mode), 0, 0, shutdown_modes },
};
const size_t vmg_domain_params_count = sizeof(vmg_domain_params) / sizeof(vmg_domain_params[0]);

long long vmg_ms_left(const struct vmg_context *ctx)
{
    long long left = ctx->deadline_ms - vmg_now_ms();

    return left > 0 ? left : 0;
}

/* Refused or missing socket: libvirtd is (re)starting, worth waiting for. */
static bool is_transient_connect_error(void)
{
    int code = virGetLastErrorCode();

    return code == VIR_ERR_SYSTEM_ERROR || code == VIR_ERR_NO_CONNECT;
}

int vmg_connect(struct vmg_context *ctx, char **reason)
{
    VMG_AUTOFREE(char *) shown = NULL;
    long long budget = vmg_ms_left(ctx) / 3;
    bool told = false;

    shown = vmg_log_redact_uri(ctx->cfg.hypervisor);
    if (budget > CONNECT_RETRY_MAX_MS)
        budget = CONNECT_RETRY_MAX_MS;
    budget = vmg_ms_left(ctx) - budget;     /* retry until this much is left */
    while ((ctx->conn = virConnectOpen(ctx->cfg.hypervisor)) == NULL &&
           is_transient_connect_error() && vmg_ms_left(ctx) > budget) {
        if (!told)
            qb_log(LOG_WARNING, "libvirt at %s refuses connections (%s): retrying",
                   shown ? shown : "?", vmg_virt_error());
        told = true;
        vmg_sleep_ms(CONNECT_RETRY_MS);
    }
    if (ctx->conn == NULL)
        return vmg_error_set(reason, "cannot connect to libvirt at %s: %s",
                             shown ? shown : "?", vmg_virt_error());
    return 0;
}

static void set_deadline(struct vmg_context *ctx)
{
    unsigned long long ms = ctx->env.timeout_ms ? ctx->env.timeout_ms : DEFAULT_TIMEOUT_MS;

    ctx->deadline_ms = vmg_now_ms() + (long long)ms;
}

/* Actions that can work from the remembered identity alone: they look at,
 * stop or move the domain that runs, and need no definition to do it. */
static bool works_from_identity(const char *action)
{
    static const char *const actions[] = {
        "monitor", "status", "stop", "migrate_to", "migrate_from", "migration-guardian",
    };
    size_t i;

    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(action, actions[i]) == 0)
            return true;
    return false;
}

/* The name and UUID this node started, in place of the config's. */
static int use_identity(struct vmg_context *ctx, const char *why)
{
    qb_log(LOG_WARNING, "%s: %s goes by the domain this node started, %s (uuid %s)", why,
           ctx->action, ctx->started.name, ctx->started.uuid);
    ctx->xml.name = strdup(ctx->started.name);
    ctx->xml.uuid = strdup(ctx->started.uuid);
    if (ctx->xml.name == NULL || ctx->xml.uuid == NULL) {
        ocf_exit_reason("out of memory");
        return OCF_ERR_GENERIC;
    }
    return OCF_SUCCESS;
}

/* A config that cannot be read must not decide about a VM that runs:
 * monitor, stop and migration go by the remembered identity (identity.h).
 * Without one, nothing was started here since boot.  A missing file then
 * means this node cannot run the VM yet: a probe answers 7, as
 * VirtualDomain does (5 would ban the node until a cleanup, and the file
 * may be on storage a resource ordered before the VM is yet to mount), a
 * stop 0.  A file that is there but unreadable (EACCES, EIO, ESTALE) may
 * read fine in a moment and says nothing: OCF_ERR_GENERIC.  A file that
 * is read but wrong is a configuration error everywhere. */
static int load_domain_xml(struct vmg_context *ctx)
{
    VMG_AUTOFREE(char *) reason = NULL;
    enum vmg_domain_xml_fault fault;
    bool probe = ocf_is_probe() && strcmp(ctx->action, "monitor") == 0;

    if (ctx->cfg.config == NULL) {
        ocf_exit_reason("required parameter config is not set");
        return OCF_ERR_CONFIGURED;
    }
    if (vmg_domain_xml_load(ctx->cfg.config, &ctx->xml, &fault, &reason) == 0)
        return OCF_SUCCESS;
    if (fault == VMG_DOMAIN_XML_INVALID) {
        ocf_exit_reason("%s", reason);
        return OCF_ERR_CONFIGURED;
    }
    if (ctx->started.known && works_from_identity(ctx->action))
        return use_identity(ctx, reason);
    if (fault == VMG_DOMAIN_XML_UNREADABLE) {
        ocf_exit_reason("%s; no domain was started here to go by instead", reason);
        return OCF_ERR_GENERIC;
    }
    if (probe || strcmp(ctx->action, "stop") == 0) {
        qb_log(LOG_INFO, "%s, and nothing was started here since boot: not running on "
               "this node", reason);
        ctx->decided = true;
        return probe ? OCF_NOT_RUNNING : OCF_SUCCESS;
    }
    ocf_exit_reason("%s", reason);
    return OCF_ERR_INSTALLED;
}

int vmg_context_params(const struct vmg_param *table, size_t n, void *target)
{
    VMG_AUTOFREE(char *) reason = NULL;

    if (vmg_params_load(table, n, target, &reason) == 0)
        return OCF_SUCCESS;
    ocf_exit_reason("%s", reason);
    return OCF_ERR_CONFIGURED;
}

int vmg_context_open(struct vmg_context *ctx, const char *action, unsigned needs)
{
    VMG_AUTOFREE(char *) reason = NULL;
    int rc;

    memset(ctx, 0, sizeof(*ctx));
    ctx->action = action;
    if (vmg_env_load(&ctx->env, &reason) < 0) {
        ocf_exit_reason("%s", reason);
        return OCF_ERR_ARGS;
    }
    set_deadline(ctx);
    if (!(needs & VMG_NEEDS_PARAMS))
        return OCF_SUCCESS;

    rc = vmg_context_params(vmg_domain_params, vmg_domain_params_count, &ctx->cfg);
    if (rc == OCF_SUCCESS &&
        vmg_identity_load(ctx->env.state_dir, ctx->env.resource, &ctx->started, &reason) < 0)
        qb_log(LOG_WARNING, "%s: going by the config alone", reason);
    if (rc == OCF_SUCCESS)
        rc = load_domain_xml(ctx);
    if (rc != OCF_SUCCESS || ctx->decided || !(needs & VMG_NEEDS_LIBVIRT))
        return rc;

    vmg_virt_quiet();
    if (vmg_connect(ctx, &reason) == 0)
        return OCF_SUCCESS;
    ocf_exit_reason("%s", reason);
    return OCF_ERR_GENERIC;
}

void vmg_context_close(struct vmg_context *ctx)
{
    if (ctx->conn)
        virConnectClose(ctx->conn);
    vmg_domain_xml_clear(&ctx->xml);
    vmg_params_free(vmg_domain_params, vmg_domain_params_count, &ctx->cfg);
}
