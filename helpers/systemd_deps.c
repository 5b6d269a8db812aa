/* systemd drop-ins for the shutdown order (see systemd_deps.h). */
#include <build-config.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "spawn.h"
#include "systemd_deps.h"
#include "util.h"

#define DROPIN_DIR "/run/systemd/system/resource-agents-deps.target.d"

static const struct {
    const char *name;
    const char *content;
} dropins[] = {
    { "99-VirtualDomain-libvirt.conf", "[Unit]\nAfter=libvirtd.service\n" },
    { "99-VirtualDomain-machines.conf", "[Unit]\nWants=virt-guest-shutdown.target\n" },
};

void vmg_systemd_host_default(struct vmg_systemd_host *host, unsigned timeout_ms)
{
    host->root = "";
    host->systemctl = access("/usr/bin/systemctl", X_OK) == 0 ? "/usr/bin/systemctl"
                                                               : "/bin/systemctl";
    host->timeout_ms = timeout_ms;
}

static bool systemd_runs(const char *root)
{
    char path[PATH_MAX], *comm = NULL, *reason = NULL;
    bool runs;

    snprintf(path, sizeof(path), "%s/proc/1/comm", root);
    runs = vmg_read_small_file(path, 64, &comm, &reason) == 0 && comm &&
           strcmp(comm, "systemd\n") == 0;
    free(comm);
    free(reason);
    return runs;
}

/* mkdir -p of root + DROPIN_DIR, each level 0755. */
static int make_dir(const char *root, char *path, size_t size, char **reason)
{
    const char *p = DROPIN_DIR;

    while (*p) {
        size_t len = strcspn(p + 1, "/") + 1;

        snprintf(path, size, "%s%.*s", root, (int)(p - DROPIN_DIR + len), DROPIN_DIR);
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
            return vmg_error_set(reason, "cannot create %s: %s", path, strerror(errno));
        p += len;
    }
    return 0;
}

/* Writes the drop-ins that are missing or differ; *changed when any was. */
static int write_dropins(const char *root, bool *changed, char **reason)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    size_t i;

    *changed = false;
    if (make_dir(root, dir, sizeof(dir), reason) < 0)
        return -1;
    for (i = 0; i < sizeof(dropins) / sizeof(dropins[0]); i++) {
        VMG_AUTOFREE(char *) have = NULL;

        snprintf(path, sizeof(path), "%s/%s", dir, dropins[i].name);
        if (vmg_read_small_file(path, 4096, &have, reason) == 0 && have &&
            strcmp(have, dropins[i].content) == 0)
            continue;
        free(*reason);
        *reason = NULL;
        /* Readable by all: systemd complains about others' unreadable units. */
        if (vmg_write_atomic(path, dropins[i].content, strlen(dropins[i].content), 0644,
                             reason) < 0)
            return -1;
        *changed = true;
    }
    return 0;
}

static int systemctl(const struct vmg_systemd_host *host, const char *verb, const char *unit,
                     char **reason)
{
    const char *const argv[] = { host->systemctl, verb, unit, NULL };

    return vmg_spawn_run(argv, host->timeout_ms, NULL, reason);
}

int vmg_systemd_deps(const struct vmg_systemd_host *host, char **reason)
{
    bool changed;

    if (!systemd_runs(host->root))
        return 0;
    if (write_dropins(host->root, &changed, reason) < 0)
        return -1;
    if (changed) {
        qb_log(LOG_INFO, "systemd drop-ins written: libvirtd stops after Pacemaker");
        if (systemctl(host, "daemon-reload", NULL, reason) < 0)
            return -1;
    }
    return systemctl(host, "start", "virt-guest-shutdown.target", reason);
}
