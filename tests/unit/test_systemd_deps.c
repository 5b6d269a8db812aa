/* The systemd drop-ins, written into a fake root with a fake systemctl that
 * records its arguments. */
#include <build-config.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "spawn.h"
#include "systemd_deps.h"
#include "unit.h"

#define DIR_IN_ROOT "/run/systemd/system/resource-agents-deps.target.d"

static char root[] = "/tmp/vmg-systemd-XXXXXX";
static char calls[256], tool[256];
static struct vmg_systemd_host host;

static char *read_file(const char *suffix)
{
    char path[512], *data = NULL, *reason = NULL;

    snprintf(path, sizeof(path), "%s%s", root, suffix);
    vmg_read_small_file(path, 4096, &data, &reason);
    free(reason);
    return data;
}

static void put(const char *suffix, const char *text, mode_t mode)
{
    char path[512], *reason = NULL;

    snprintf(path, sizeof(path), "%s%s", root, suffix);
    if (vmg_write_atomic(path, text, strlen(text), mode, &reason) < 0) {
        printf("Bail out! %s\n", reason);
        exit(1);
    }
}

#define CHECK_FILE(suffix, want) do { \
    char *got_file_ = read_file(suffix); \
    CHECK_STR(got_file_, want); \
    free(got_file_); \
} while (0)

static void test_not_systemd(const void *data)
{
    char *reason = NULL;
    struct stat st;
    char path[512];

    put("/proc/1/comm", "init\n", 0644);
    CHECK_INT(vmg_systemd_deps(&host, &reason), 0);
    snprintf(path, sizeof(path), "%s/run", root);
    CHECK(stat(path, &st) < 0);
    CHECK_FILE("/calls", NULL);
    free(reason);
}

static void test_systemd(const void *data)
{
    char *reason = NULL, path[512];
    struct stat st;

    put("/proc/1/comm", "systemd\n", 0644);
    CHECK_INT(vmg_systemd_deps(&host, &reason), 0);
    CHECK_STR(reason, NULL);
    CHECK_FILE(DIR_IN_ROOT "/99-VirtualDomain-libvirt.conf", "[Unit]\nAfter=libvirtd.service\n");
    CHECK_FILE(DIR_IN_ROOT "/99-VirtualDomain-machines.conf",
               "[Unit]\nWants=virt-guest-shutdown.target\n");
    snprintf(path, sizeof(path), "%s" DIR_IN_ROOT "/99-VirtualDomain-libvirt.conf", root);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    CHECK_FILE("/calls", "daemon-reload\nstart virt-guest-shutdown.target\n");

    /* Already in place: no reload, the target is started again. */
    unlink(calls);
    CHECK_INT(vmg_systemd_deps(&host, &reason), 0);
    CHECK_FILE("/calls", "start virt-guest-shutdown.target\n");

    /* A changed file is put right, and systemd reloaded. */
    unlink(calls);
    put(DIR_IN_ROOT "/99-VirtualDomain-libvirt.conf", "[Unit]\nAfter=nothing\n", 0600);
    CHECK_INT(vmg_systemd_deps(&host, &reason), 0);
    CHECK_FILE(DIR_IN_ROOT "/99-VirtualDomain-libvirt.conf", "[Unit]\nAfter=libvirtd.service\n");
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    CHECK_FILE("/calls", "daemon-reload\nstart virt-guest-shutdown.target\n");

    /* systemctl failing is reported. */
    put("/fail", "", 0644);
    CHECK_INT(vmg_systemd_deps(&host, &reason), -1);
    CHECK(reason && strstr(reason, "exited with 1"));
    free(reason);
}

static const struct unit_case cases[] = {
    { "no systemd: nothing written", test_not_systemd, NULL },
    { "systemd: drop-ins and reload", test_systemd, NULL },
};

int main(void)
{
    char script[1024];

    if (mkdtemp(root) == NULL)
        return 1;
    vmg_log_init("unit", "test");
    snprintf(script, sizeof(script), "%s/proc", root);
    mkdir(script, 0755);
    snprintf(script, sizeof(script), "%s/proc/1", root);
    mkdir(script, 0755);
    snprintf(calls, sizeof(calls), "%s/calls", root);
    snprintf(tool, sizeof(tool), "%s/systemctl", root);
    snprintf(script, sizeof(script),
             "#!/bin/sh\n[ -e %s/fail ] && exit 1\necho \"$*\" >> %s\n", root, calls);
    put("/systemctl", script, 0755);
    host.root = root;
    host.systemctl = tool;
    host.timeout_ms = 5000;
    UNIT_RUN(cases);
    {
        char cmd[300];

        /* Our own temporary tree, by its mkdtemp name. */
        snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", root);
        CHECK(system(cmd) == 0);
    }
    vmg_log_fini();
    return unit_done();
}
