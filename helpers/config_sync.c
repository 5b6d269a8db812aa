/* The domain definition back to the config file (see config_sync.h). */
#include <build-config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_sync.h"
#define VMG_CONFIG_SYNC_PRIV_H_ALLOW
#include "config_sync_priv.h"
#include "log.h"
#include "spawn.h"
#include "virt.h"

#define VALIDATOR "/usr/bin/virt-xml-validate"
#define TOOL_TIMEOUT_MAX_MS 30000

static const char *const default_csync2_paths[] = VMG_CSYNC2_PATHS;
const char *const *vmg_csync2_paths = default_csync2_paths;

const char *vmg_csync2_path(void)
{
    size_t i;

    for (i = 0; vmg_csync2_paths[i]; i++)
        if (access(vmg_csync2_paths[i], X_OK) == 0)
            return vmg_csync2_paths[i];
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

/* The file itself, beside which the new one is written and renamed over
 * it: a config that is a symbolic link (to shared storage, say) stays one,
 * and its target is replaced, as VirtualDomain's "cat >" does. */
static int write_config(struct vmg_context *ctx, const char *xml, char **reason)
{
    VMG_AUTOFREE(char *) target = NULL;
    VMG_AUTOFREE(char *) dir = NULL;
    VMG_AUTOCLOSE int dir_fd = -1;
    char tmp[PATH_MAX];
    struct stat st;
    int rc;

    if ((target = realpath(ctx->cfg.config, NULL)) == NULL || stat(target, &st) < 0)
        return vmg_error_set(reason, "cannot examine %s: %s", ctx->cfg.config,
                             strerror(errno));
    /* Validated as the very file that is renamed into place. */
    snprintf(tmp, sizeof(tmp), "%s.vmguard-new", target);
    if (vmg_write_atomic(tmp, xml, strlen(xml), st.st_mode & 07777, reason) < 0)
        return -1;
    rc = check_new(ctx, xml, tmp, reason);
    if (rc == 0 && rename(tmp, target) < 0)
        rc = vmg_error_set(reason, "cannot replace %s: %s", target, strerror(errno));
    if (rc < 0) {
        unlink(tmp);
        return rc;
    }
    /* The rename must reach the disk before csync2 spreads the file. */
    if ((dir = strdup(target)) != NULL) {
        char *slash = strrchr(dir, '/');

        if (slash)
            slash[slash == dir ? 1 : 0] = '\0';        /* "/x.xml": "/" */
    }
    if (dir == NULL || (dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        fsync(dir_fd) < 0)
        qb_log(LOG_WARNING, "%s is replaced, but its directory cannot be flushed to disk: %s",
               target, dir ? strerror(errno) : "out of memory");
    return 0;
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
