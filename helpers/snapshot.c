/* Saved RAM state across stop and start (see snapshot.h). */
#include <build-config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "snapshot.h"
#include "virt.h"

static void state_path(const struct vmg_context *ctx, const char *suffix, char *buf,
                       size_t size)
{
    snprintf(buf, size, "%s/%s.state%s", ctx->cfg.snapshot, ctx->xml.name, suffix);
}

/* libvirt wrote the file through its own process: flush it and the rename. */
static int sync_path(const char *path, int flags, char **reason)
{
    VMG_AUTOCLOSE int fd = -1;

    if ((fd = open(path, flags | O_CLOEXEC)) < 0 || fsync(fd) < 0)
        return vmg_error_set(reason, "cannot flush %s to disk: %s", path, strerror(errno));
    return 0;
}

static int rename_path(const char *from, const char *to, char **reason)
{
    if (rename(from, to) < 0)
        return vmg_error_set(reason, "cannot rename %s to %s: %s", from, to, strerror(errno));
    return 0;
}

int vmg_snapshot_save(struct vmg_context *ctx, virDomainPtr dom, char **reason)
{
    char tmp[PATH_MAX], path[PATH_MAX];

    state_path(ctx, ".vmguard-tmp", tmp, sizeof(tmp));
    state_path(ctx, "", path, sizeof(path));
    unlink(tmp);                /* a killed stop's leftover */
    qb_log(LOG_INFO, "saving the state of %s to %s", ctx->xml.name, path);
    if (virDomainSaveFlags(dom, tmp, NULL, 0) < 0) {
        vmg_error_set(reason, "cannot save the state of %s to %s: %s", ctx->xml.name, tmp,
                      vmg_virt_error());
        unlink(tmp);
        return -1;
    }
    /* The domain is off now; a file that cannot be completed is removed,
     * so start boots afresh rather than resume a torn state. */
    if (sync_path(tmp, O_RDONLY, reason) < 0 || rename_path(tmp, path, reason) < 0 ||
        sync_path(ctx->cfg.snapshot, O_RDONLY | O_DIRECTORY, reason) < 0) {
        qb_log(LOG_ERR, "the saved state of %s is lost: %s", ctx->xml.name, *reason);
        unlink(tmp);
        free(*reason);                      /* the domain is off all the same */
        *reason = NULL;
        return 0;
    }
    qb_log(LOG_NOTICE, "state of %s saved to %s", ctx->xml.name, path);
    return 0;
}

/* The saved domain must be ours: same name, and same UUID when config has one. */
static int check_owner(struct vmg_context *ctx, const char *path, char **reason)
{
    VMG_AUTOFREE(char *) text = NULL;
    struct vmg_domain_xml saved = { 0 };
    int rc = 0;

    text = virDomainSaveImageGetXMLDesc(ctx->conn, path, 0);
    if (text == NULL)
        return vmg_error_set(reason, "cannot read the domain of state file %s: %s", path,
                             vmg_virt_error());
    if (vmg_domain_xml_parse(text, strlen(text), &saved, reason) < 0)
        return vmg_error_set(reason, "state file %s: %s", path, *reason);
    if (strcmp(saved.name, ctx->xml.name) != 0 ||
        (ctx->xml.uuid && (saved.uuid == NULL || strcmp(saved.uuid, ctx->xml.uuid) != 0)))
        rc = vmg_error_set(reason, "state file %s holds domain %s (uuid %s), not %s (uuid %s): "
                           "refusing to restore it; remove it to boot %s afresh", path,
                           saved.name, saved.uuid ? saved.uuid : "none", ctx->xml.name,
                           ctx->xml.uuid ? ctx->xml.uuid : "none", ctx->xml.name);
    vmg_domain_xml_clear(&saved);
    return rc;
}

int vmg_snapshot_restore(struct vmg_context *ctx, bool *restored, char **reason)
{
    char path[PATH_MAX];
    struct stat st;

    *restored = false;
    state_path(ctx, "", path, sizeof(path));
    if (lstat(path, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        return vmg_error_set(reason, "cannot examine %s: %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return vmg_error_set(reason, "state file %s is not a regular file", path);
    if (check_owner(ctx, path, reason) < 0)
        return -1;
    qb_log(LOG_INFO, "restoring %s from %s", ctx->xml.name, path);
    if (virDomainRestoreFlags(ctx->conn, path, NULL, 0) < 0)
        return vmg_error_set(reason, "cannot restore %s from %s: %s", ctx->xml.name, path,
                             vmg_virt_error());
    *restored = true;
    if (unlink(path) < 0)
        qb_log(LOG_WARNING, "%s restored, but %s cannot be removed: %s", ctx->xml.name, path,
               strerror(errno));
    else
        qb_log(LOG_NOTICE, "%s restored from %s, which is removed", ctx->xml.name, path);
    return 0;
}
