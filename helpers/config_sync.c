/* The domain definition back to the config file (see config_sync.h). */
#include <build-config.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_sync.h"
#include "log.h"
#include "spawn.h"
#include "virt.h"

#define VALIDATOR "/usr/bin/virt-xml-validate"
#define TOOL_TIMEOUT_MAX_MS 30000

const char *vmg_csync2_path(void)
{
    static const char *const paths[] = VMG_CSYNC2_PATHS;
    size_t i;

    for (i = 0; paths[i]; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

static unsigned tool_timeout_ms(const struct vmg_context *ctx)
{
    long long ms = vmg_ms_left(ctx) / 3;

    return ms < 1000 ? 1000 : ms > TOOL_TIMEOUT_MAX_MS ? TOOL_TIMEOUT_MAX_MS : (unsigned)ms;
}

/* Same domain, and libvirt's schema when the validator is there. */
static int check_new(struct vmg_context *ctx, const char *xml, const char *tmp, char **reason)
{
    const char *const argv[] = { VALIDATOR, tmp, "domain", NULL };
    struct vmg_domain_xml parsed = { 0 };
    int rc = 0;

    if (vmg_domain_xml_parse(xml, strlen(xml), &parsed, reason) < 0)
        return -1;
    if (strcmp(parsed.name, ctx->xml.name) != 0 ||
        (ctx->xml.uuid && (parsed.uuid == NULL || strcmp(parsed.uuid, ctx->xml.uuid) != 0)))
        rc = vmg_error_set(reason, "libvirt's definition names another domain (%s)",
                           parsed.name);
    vmg_domain_xml_clear(&parsed);
    if (rc == 0 && access(VALIDATOR, X_OK) == 0 &&
        vmg_spawn_run(argv, tool_timeout_ms(ctx), NULL, reason) < 0)
        rc = vmg_error_set(reason, "it does not validate: %s", *reason);
    return rc;
}

static void run_csync2(struct vmg_context *ctx)
{
    VMG_AUTOFREE(char *) reason = NULL;
    const char *csync2 = vmg_csync2_path();
    const char *const argv[] = { csync2, "-x", ctx->cfg.config, NULL };

    if (csync2 == NULL) {
        qb_log(LOG_WARNING, "csync2 is not installed: %s is not synchronised",
               ctx->cfg.config);
        return;
    }
    qb_log(LOG_INFO, "synchronising %s with csync2 -x", ctx->cfg.config);
    if (vmg_spawn_run(argv, tool_timeout_ms(ctx), NULL, &reason) < 0)
        qb_log(LOG_WARNING, "synchronising %s failed: %s", ctx->cfg.config, reason);
}

static int write_config(struct vmg_context *ctx, const char *xml, char **reason)
{
    char tmp[PATH_MAX];
    struct stat st;
    int rc;

    if (stat(ctx->cfg.config, &st) < 0)
        return vmg_error_set(reason, "cannot examine %s: %s", ctx->cfg.config,
                             strerror(errno));
    /* Validated as the very file that is renamed into place. */
    snprintf(tmp, sizeof(tmp), "%s.vmguard-new", ctx->cfg.config);
    if (vmg_write_atomic(tmp, xml, strlen(xml), st.st_mode & 07777, reason) < 0)
        return -1;
    rc = check_new(ctx, xml, tmp, reason);
    if (rc == 0 && rename(tmp, ctx->cfg.config) < 0)
        rc = vmg_error_set(reason, "cannot replace %s: %s", ctx->cfg.config, strerror(errno));
    if (rc < 0)
        unlink(tmp);
    return rc;
}

int vmg_config_save(struct vmg_context *ctx, virDomainPtr dom, char **reason)
{
    VMG_AUTOFREE(char *) xml = NULL;

    xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    if (xml == NULL || *xml == '\0')
        return vmg_error_set(reason, "cannot read the definition of %s: %s", ctx->xml.name,
                             vmg_virt_error());
    if (ctx->xml.text && strcmp(xml, ctx->xml.text) == 0)
        return 0;
    if (write_config(ctx, xml, reason) < 0)
        return vmg_error_set(reason, "the definition of %s is not saved to %s: %s",
                             ctx->xml.name, ctx->cfg.config, *reason);
    qb_log(LOG_NOTICE, "definition of %s saved to %s", ctx->xml.name, ctx->cfg.config);
    if (ctx->cfg.sync_config_on_stop)
        run_csync2(ctx);
    return 0;
}
