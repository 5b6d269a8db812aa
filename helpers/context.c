/* Preparing the context of an action (see context.h). */
#include <build-config.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "context.h"
#define VMG_CONTEXT_PRIV_H_ALLOW
#include "context_priv.h"
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


#define DOM(field) offsetof(struct vmg_domain_config, field)
const struct vmg_param vmg_domain_params[] = {
    { "config", VMG_PARAM_PATH, NULL, DOM(config), 0, 0, NULL },
    { "hypervisor", VMG_PARAM_STRING, "qemu:///system",
      offsetof(struct vmg_domain_config, hypervisor), 0, 0, NULL },
    { "force_stop", VMG_PARAM_BOOL, "false",
      offsetof(struct vmg_domain_config, force_stop), 0, 0, NULL },
    { "persistent", VMG_PARAM_BOOL, "false",
      offsetof(struct vmg_domain_config, persistent), 0, 0, NULL },
    { "shutdown_mode", VMG_PARAM_STRING, "acpi-then-agent", DOM(shutdown_mode), 0, 0, NULL },
    /* VirtualDomain's names, each known so that none is ignored silently. */
    { "autoset_utilization_cpu", VMG_PARAM_BOOL, "true", DOM(autoset_utilization_cpu), 0, 0,
      NULL },
    { "autoset_utilization_hv_memory", VMG_PARAM_BOOL, "true",
      DOM(autoset_utilization_hv_memory), 0, 0, NULL },
    { "autoset_utilization_host_memory", VMG_PARAM_BOOL, "true",
      DOM(autoset_utilization_host_memory), 0, 0, NULL },
    { "unset_utilization_cpu", VMG_PARAM_BOOL, "false", DOM(unset_utilization_cpu), 0, 0, NULL },
    { "unset_utilization_hv_memory", VMG_PARAM_BOOL, "false", DOM(unset_utilization_hv_memory),
      0, 0, NULL },
    { "unset_utilization_host_memory", VMG_PARAM_BOOL, "false",
      DOM(unset_utilization_host_memory), 0, 0, NULL },
    { "monitor_scripts", VMG_PARAM_STRING, NULL, DOM(monitor_scripts), 0, 0, NULL },
    { "snapshot", VMG_PARAM_PATH, NULL, DOM(snapshot), 0, 0, NULL },
    { "save_config_on_stop", VMG_PARAM_BOOL, "false", DOM(save_config_on_stop), 0, 0, NULL },
    { "sync_config_on_stop", VMG_PARAM_BOOL, "false", DOM(sync_config_on_stop), 0, 0, NULL },
    { "start_resources", VMG_PARAM_BOOL, "false", DOM(start_resources), 0, 0, NULL },
    { "stateless", VMG_PARAM_BOOL, "false", DOM(stateless), 0, 0, NULL },
    { "backingfile", VMG_PARAM_PATH, NULL, DOM(backingfile), 0, 0, NULL },
    { "copyindirs", VMG_PARAM_STRING, NULL, DOM(copyindirs), 0, 0, NULL },
};
const size_t vmg_domain_params_count = sizeof(vmg_domain_params) / sizeof(vmg_domain_params[0]);

int vmg_shutdown_mode_parse(const char *text, unsigned *flags, char **reason)
{
    static const struct { const char *name; unsigned flag; } modes[] = {
        { "acpi", VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN },
        { "agent", VIR_DOMAIN_SHUTDOWN_GUEST_AGENT },
        { "initctl", VIR_DOMAIN_SHUTDOWN_INITCTL },
        { "signal", VIR_DOMAIN_SHUTDOWN_SIGNAL },
        { "paravirt", VIR_DOMAIN_SHUTDOWN_PARAVIRT },
    };
    const char *p = text;

    *flags = 0;
    if (strcmp(text, "acpi-then-agent") == 0)
        return 0;
    while (*p) {
        size_t len = strcspn(p, ","), i;

        for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
            if (strlen(modes[i].name) == len && strncmp(p, modes[i].name, len) == 0)
                break;
        if (i == sizeof(modes) / sizeof(modes[0]))
            return vmg_error_set(reason, "parameter shutdown_mode has an unknown mode '%.*s' "
                                 "(acpi-then-agent, or a comma list of acpi, agent, initctl, "
                                 "signal, paravirt)", len > 40 ? 40 : (int)len, p);
        *flags |= modes[i].flag;
        p += len;
        if (*p == ',' && *++p == '\0')
            return vmg_error_set(reason, "parameter shutdown_mode ends with a comma");
    }
    return 0;
}

/* A VirtualDomain parameter vmguard does not do, and what to use instead. */
struct unsupported {
    const char *name;
    size_t offset;              /* its field: set = a true bool or a string */
    bool is_bool;
    const char *instead;
};

#define BOOL_FIELD(name) { #name, DOM(name), true
#define TEXT_FIELD(name) { #name, DOM(name), false
static const struct unsupported unsupported[] = {
    /* VirtualDomain re-creates CONFIG%%.*.qcow2 (a name cut at the first dot
     * of the whole path) and defines the domain persistently behind the
     * resource's back; libvirt does the same cleanly. */
    BOOL_FIELD(stateless), "<transient/> in the disk's definition, which makes libvirt "
        "discard the disk's changes when the domain stops" },
    TEXT_FIELD(backingfile), "a qcow2 overlay made once with qemu-img create -f qcow2 -b BASE "
        "-F FORMAT as the domain's disk, or <transient/> in the disk's definition for a "
        "fresh one at every start" },
    TEXT_FIELD(copyindirs), "virt-copy-in on the image before it is first started, or a "
        "config drive or cloud-init for what must change at every start" },
};
#undef BOOL_FIELD
#undef TEXT_FIELD
#undef DOM

int vmg_context_supported(const struct vmg_context *ctx)
{
    const char *base = (const char *)&ctx->cfg;
    size_t i;

    for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
        const struct unsupported *u = &unsupported[i];
        bool set = u->is_bool ? *(const bool *)(base + u->offset)
                              : *(char *const *)(base + u->offset) != NULL;

        if (set) {
            ocf_exit_reason("parameter %s of VirtualDomain is not supported by vmguard: "
                            "unset it, and use instead %s", u->name, u->instead);
            return OCF_ERR_CONFIGURED;
        }
    }
    return OCF_SUCCESS;
}

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
        vmg_shutdown_mode_parse(ctx->cfg.shutdown_mode, &ctx->cfg.shutdown_flags, &reason) < 0) {
        ocf_exit_reason("%s", reason);
        rc = OCF_ERR_CONFIGURED;
    }
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
