/* Lifecycle against libvirt's test:/// driver: state mapping, idempotent
 * start and stop, and refusal of a same-name domain with another UUID. */
#include <build-config.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#define VMG_CONTEXT_PRIV_H_ALLOW
#include "context_priv.h"
#include "domain.h"
#define VMG_CONFIG_SYNC_PRIV_H_ALLOW
#include "config_sync_priv.h"
#define VMG_DOMAIN_PRIV_H_ALLOW
#include "domain_priv.h"
#include "fixture.h"
#include "log.h"
#include "ocf.h"
#include "spawn.h"
#include "start_resources.h"
#include "unit.h"
#include "virt.h"

#define NODE_URI "test://" TEST_DATA_DIR "/test-node.xml"

/* The test driver's node, shared by every case (state carries over). */
static virConnectPtr conn;

/* A context as actions.c builds it, for the domain named in file: plain
 * ACPI, no remembered identity. */
static void open_context(struct vmg_context *ctx, const char *file)
{
    fixture_context_open(ctx, conn, file, NULL, false);
    ctx->cfg.shutdown_flags = VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN;
}

/* The node file's domains, by name only (their XML is in the node file). */
static int monitor_named(const char *name)
{
    struct vmg_context ctx;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    ctx.conn = conn;
    ctx.xml.name = (char *)name;
    rc = vmg_domain_monitor(&ctx);
    return rc;
}

static void test_state_mapping(const void *data)
{
    CHECK_INT(monitor_named("vm-running"), OCF_SUCCESS);
    CHECK_INT(monitor_named("vm-paused"), OCF_SUCCESS);
    CHECK_INT(monitor_named("vm-pmsuspended"), OCF_SUCCESS);
    CHECK_INT(monitor_named("vm-crashed"), OCF_ERR_GENERIC);
    CHECK_INT(monitor_named("vm-shutoff"), OCF_NOT_RUNNING);
    CHECK_INT(monitor_named("vm-absent"), OCF_NOT_RUNNING);
}

static void test_lifecycle(const void *data)
{
    bool persistent = *(const bool *)data;
    struct vmg_context ctx;

    open_context(&ctx, TEST_DATA_DIR "/vm-new.xml");
    ctx.cfg.persistent = persistent;
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_NOT_RUNNING);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);              /* stop when absent */
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, "vm-new"), VIR_DOMAIN_RUNNING);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);             /* start when running */
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_SUCCESS);
    ctx.env.check_level = 10;
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_SUCCESS);
    ctx.env.check_level = 0;
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, "vm-new"), persistent ? VIR_DOMAIN_SHUTOFF : -1);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_NOT_RUNNING);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);              /* stop when stopped */
    fixture_context_close(&ctx);
}

static void test_force_stop(const void *data)
{
    struct vmg_context ctx;

    open_context(&ctx, TEST_DATA_DIR "/vm-new.xml");
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    ctx.cfg.force_stop = true;
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, "vm-new"), -1);
    fixture_context_close(&ctx);
}

/* A transient start over a stale persistent definition replaces it. */
static void test_stale_definition(const void *data)
{
    struct vmg_context ctx;

    open_context(&ctx, TEST_DATA_DIR "/vm-new.xml");
    virDomainFree(virDomainDefineXML(conn, ctx.xml.text));
    CHECK_INT(fixture_domain_state(conn, "vm-new"), VIR_DOMAIN_SHUTOFF);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, "vm-new"), -1);
    fixture_context_close(&ctx);
}

/* A guest still booting misses the first power-off requests.  test:///
 * knows no ACPI (it refuses the flag) and powers off at the first plain
 * request, so this stand-in takes the request, ignores the first ones and
 * then powers off.  Stop must repeat the request until one is heard, long
 * before its budget ends, instead of waiting it out and destroying. */
static int requests, ignore_requests;
static int deaf_guest_shutdown(virDomainPtr dom, unsigned int flags)
{
    if (flags != VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN)
        return -1;
    if (++requests <= ignore_requests)
        return 0;
    return virDomainShutdown(dom);
}

static void test_stop_repeats_request(const void *data)
{
    const int *ignored = data;
    struct vmg_context ctx;
    long long t0, took;

    open_context(&ctx, TEST_DATA_DIR "/vm-new.xml");
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    vmg_domain_shutdown_request = deaf_guest_shutdown;
    vmg_domain_shutdown_resend_ms = 200;
    requests = 0;
    ignore_requests = *ignored;
    t0 = vmg_now_ms();
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    took = vmg_now_ms() - t0;
    vmg_domain_shutdown_request = virDomainShutdownFlags;
    vmg_domain_shutdown_resend_ms = 3000;
    CHECK_INT(fixture_domain_state(conn, "vm-new"), -1);
    /* the request after the ignored ones powered it off: no destroy */
    CHECK_INT(requests, *ignored + 1);
    /* 200 ms apart, far from the graceful budget (10 s - 2 s kept for destroy) */
    CHECK(took < 200LL * (*ignored + 1) + 2000);
    fixture_context_close(&ctx);
}

/* A QEMU that does not answer its monitor (SIGSTOP in the lab): libvirt's
 * power-off request waits for it with no timeout of its own.  The stand-in
 * blocks for 12 s, past the quarter of the graceful window that stop gives
 * a request, then fails as libvirt would; it also ends when released, so
 * that the thread stop left behind is gone before the next case. */
static atomic_bool hung_release, hung_returned;
static int hung_qemu_shutdown(virDomainPtr dom, unsigned int flags)
{
    long long end = vmg_now_ms() + 12000;

    while (!atomic_load(&hung_release) && vmg_now_ms() < end)
        vmg_sleep_ms(10);
    atomic_store(&hung_returned, true);
    return -1;
}

static void test_stop_hung_qemu(const void *data)
{
    struct vmg_context ctx;
    long long t0, took;

    open_context(&ctx, TEST_DATA_DIR "/vm-new.xml");
    /* A 20 s stop: 10 s for the guest, 10 s kept for the destroy. */
    ctx.deadline_ms = vmg_now_ms() + 20000;
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    vmg_domain_shutdown_request = hung_qemu_shutdown;
    atomic_store(&hung_release, false);
    atomic_store(&hung_returned, false);
    t0 = vmg_now_ms();
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    took = vmg_now_ms() - t0;
    atomic_store(&hung_release, true);
    while (!atomic_load(&hung_returned))
        vmg_sleep_ms(10);
    vmg_domain_shutdown_request = virDomainShutdownFlags;
    CHECK_INT(fixture_domain_state(conn, "vm-new"), -1);
    /* destroyed once the request had its quarter of the window (2.5 s) */
    printf("# stop with a hung QEMU took %lld ms\n", took);
    CHECK(took >= 2000 && took < 5000);
    fixture_context_close(&ctx);
}

static void test_unreachable(const void *data)
{
    struct vmg_context ctx;
    char *reason = NULL;

    memset(&ctx, 0, sizeof(ctx));
    ctx.cfg.hypervisor = (char *)"qemu+unix:///system?socket=/nonexistent/libvirt-sock";
    CHECK_INT(vmg_connect(&ctx, &reason), -1);
    CHECK(ctx.conn == NULL);
    CHECK(reason && strstr(reason, "cannot connect to libvirt at qemu+unix:///system"));
    free(reason);
}

static const bool transient = false, persistent = true;
static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* snapshot: stop saves, start restores and removes; a foreign file stays. */
static void test_snapshot(const void *data)
{
    char dir[] = "/tmp/vmg-snap-XXXXXX", path[128], tmp[160];
    struct vmg_context ctx;
    virDomainPtr other;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/vm-new.state", dir);
    snprintf(tmp, sizeof(tmp), "%s.vmguard-tmp", path);
    open_context(&ctx, TEST_DATA_DIR "/vm-new.xml");
    ctx.cfg.snapshot = dir;
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);         /* no file: a fresh boot */
    CHECK_INT(fixture_domain_state(conn, "vm-new"), VIR_DOMAIN_RUNNING);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, "vm-new"), -1);
    CHECK(exists(path));
    CHECK(!exists(tmp));
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, "vm-new"), VIR_DOMAIN_RUNNING);
    CHECK(!exists(path));
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);

    /* Another domain's state under our name: refused and kept. */
    unlink(path);
    other = virDomainLookupByName(conn, "vm-running");
    CHECK(other && virDomainSave(other, path) == 0);
    if (other)
        virDomainFree(other);
    CHECK_INT(vmg_domain_start(&ctx), OCF_ERR_GENERIC);
    CHECK(exists(path));
    CHECK_INT(fixture_domain_state(conn, "vm-new"), -1);
    /* vm-running is back where it was for the other cases. */
    CHECK(virDomainRestore(conn, path) == 0);
    ctx.cfg.snapshot = NULL;
    fixture_context_close(&ctx);
    unlink(path);
    CHECK(rmdir(dir) == 0);
}

static ino_t inode_of(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* vmg_write_atomic: the whole file with its mode, or the old one and no
 * temporary file left behind (a directory in the way fails the rename). */
static void test_write_atomic(const void *data)
{
    char dir[] = "/tmp/vmg-atomic-XXXXXX", path[128], busy[128], tmp[192];
    char *text = NULL, *reason = NULL;
    struct stat st;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/file", dir);
    snprintf(tmp, sizeof(tmp), "%s.vmguard-tmp.%ld", path, (long)getpid());
    CHECK_INT(vmg_write_atomic(path, "one", 3, 0600, &reason), 0);
    CHECK(reason == NULL);
    CHECK_INT(vmg_read_small_file(path, 64, &text, &reason), 0);
    CHECK_STR(text, "one");
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
    CHECK(access(tmp, F_OK) != 0);
    free(text);

    snprintf(busy, sizeof(busy), "%s/busy", dir);
    snprintf(tmp, sizeof(tmp), "%s.vmguard-tmp.%ld", busy, (long)getpid());
    CHECK(mkdir(busy, 0700) == 0);
    CHECK_INT(vmg_write_atomic(busy, "two", 3, 0600, &reason), -1);
    CHECK(reason && strstr(reason, "cannot rename the new file over"));
    CHECK(access(tmp, F_OK) != 0);
    free(reason);
    reason = NULL;

    snprintf(busy, sizeof(busy), "%s/none/file", dir);
    CHECK_INT(vmg_write_atomic(busy, "three", 5, 0600, &reason), -1);
    CHECK(reason && strstr(reason, "cannot create"));
    free(reason);
    snprintf(busy, sizeof(busy), "%s/busy", dir);
    rmdir(busy);
    unlink(path);
    CHECK(rmdir(dir) == 0);                             /* nothing else was left */
}

/* save_config_on_stop: libvirt's definition replaces the file once. */
static void test_save_config(const void *data)
{
    char dir[] = "/tmp/vmg-cfg-XXXXXX", path[128], tmp[160];
    char *text = NULL, *reason = NULL;
    struct vmg_context ctx;
    struct stat st;
    ino_t first;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/vm-new.xml", dir);
    snprintf(tmp, sizeof(tmp), "%s.vmguard-new", path);
    vmg_read_small_file(TEST_DATA_DIR "/vm-new.xml", 65536, &text, &reason);
    CHECK(text && vmg_write_atomic(path, text, strlen(text), 0640, &reason) == 0);
    free(text);
    text = NULL;

    open_context(&ctx, path);
    ctx.cfg.save_config_on_stop = true;
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    vmg_read_small_file(path, 65536, &text, &reason);
    /* libvirt's full definition now: the test driver adds <devices>. */
    CHECK(text && strstr(text, "<uuid>22222222-2222-4222-8222-222222222222</uuid>") &&
          strstr(text, "<devices>"));
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);
    CHECK(access(tmp, F_OK) != 0);
    free(text);
    fixture_context_close(&ctx);

    /* Started from the saved file: unchanged, so not written again. */
    first = inode_of(path);
    open_context(&ctx, path);
    ctx.cfg.save_config_on_stop = true;
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK(first != 0 && inode_of(path) == first);
    fixture_context_close(&ctx);
    free(reason);
    unlink(path);
    CHECK(rmdir(dir) == 0);
}

/* Writes the original vm-new.xml to path, so that libvirt's differs. */
static void put_vm_new(const char *path)
{
    char *text = NULL, *reason = NULL;

    vmg_read_small_file(TEST_DATA_DIR "/vm-new.xml", 65536, &text, &reason);
    CHECK(text && vmg_write_atomic(path, text, strlen(text), 0640, &reason) == 0);
    free(text);
    free(reason);
}

/* One start and stop of the domain of file with save (and sync). */
static void start_stop_saving(const char *file, bool sync)
{
    struct vmg_context ctx;

    open_context(&ctx, file);
    ctx.cfg.save_config_on_stop = true;
    ctx.cfg.sync_config_on_stop = sync;
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    fixture_context_close(&ctx);
}

/* A config that is a symbolic link stays one: its target is replaced. */
static void test_save_config_symlink(const void *data)
{
    char dir[] = "/tmp/vmg-cfg-XXXXXX", real[128], link[128];
    char *text = NULL, *reason = NULL;
    struct stat st;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(real, sizeof(real), "%s/shared.xml", dir);
    snprintf(link, sizeof(link), "%s/vm-new.xml", dir);
    put_vm_new(real);
    CHECK(symlink("shared.xml", link) == 0);
    start_stop_saving(link, false);
    CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
    vmg_read_small_file(real, 65536, &text, &reason);
    CHECK(text && strstr(text, "<devices>"));
    CHECK(stat(real, &st) == 0 && (st.st_mode & 07777) == 0640);
    free(text);
    free(reason);
    unlink(link);
    unlink(real);
    CHECK(rmdir(dir) == 0);
}

/* sync_config_on_stop: csync2 -x CONFIG, without a shell, after a write
 * only; the stand-in records its arguments one a line. */
static void test_sync_config(const void *data)
{
    char dir[] = "/tmp/vmg-cfg-XXXXXX", path[128], tool[128], calls[128], script[512];
    const char *paths[] = { "/nonexistent/csync2", tool, NULL };
    const char *const *saved = vmg_csync2_paths;
    char *text = NULL, *reason = NULL, want[300];

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/vm-new.xml", dir);
    snprintf(tool, sizeof(tool), "%s/csync2", dir);
    snprintf(calls, sizeof(calls), "%s/calls", dir);
    snprintf(script, sizeof(script),
             "#!/bin/sh\nfor a; do printf '%%s\\n' \"$a\"; done >> %s\n", calls);
    CHECK(vmg_write_atomic(tool, script, strlen(script), 0755, &reason) == 0);
    vmg_csync2_paths = paths;
    CHECK_STR(vmg_csync2_path(), tool);

    put_vm_new(path);
    start_stop_saving(path, true);
    snprintf(want, sizeof(want), "-x\n%s\n", path);
    vmg_read_small_file(calls, 4096, &text, &reason);
    CHECK_STR(text, want);
    free(text);
    text = NULL;

    /* Unchanged: neither written nor synchronised again. */
    unlink(calls);
    start_stop_saving(path, true);
    CHECK(access(calls, F_OK) != 0);

    vmg_csync2_paths = saved;
    free(reason);
    unlink(tool);
    unlink(path);
    CHECK(rmdir(dir) == 0);
}

/* start_resources against test:///default's network "default" and pool
 * "default-pool", stopped first. */
static void test_start_resources(const void *data)
{
    static const char xml[] =
        "<domain type='test'><name>vm-res</name><memory>65536</memory>"
        "<devices><disk type='volume'><source pool='default-pool' volume='v'/></disk>"
        "<interface type='network'><source network='default'/></interface>"
        "<interface type='network'><source network='default'/></interface></devices>"
        "</domain>";
    virConnectPtr def = virConnectOpen("test:///default");
    virNetworkPtr net = def ? virNetworkLookupByName(def, "default") : NULL;
    virStoragePoolPtr pool = def ? virStoragePoolLookupByName(def, "default-pool") : NULL;
    char *reason = NULL;

    CHECK(net && virNetworkDestroy(net) == 0 && virNetworkIsActive(net) == 0);
    CHECK(pool && virStoragePoolDestroy(pool) == 0 && virStoragePoolIsActive(pool) == 0);
    CHECK_INT(vmg_start_resources(def, xml, &reason), 0);
    CHECK_INT(virNetworkIsActive(net), 1);
    CHECK_INT(virStoragePoolIsActive(pool), 1);
    CHECK_INT(vmg_start_resources(def, xml, &reason), 0);     /* active: refreshed */
    CHECK_STR(reason, NULL);
    CHECK_INT(vmg_start_resources(def, "<domain><devices><interface type='network'>"
                                  "<source network='nosuch'/></interface></devices></domain>",
                                  &reason), -1);
    CHECK(reason && strstr(reason, "network nosuch is not defined"));
    free(reason);
    if (net)
        virNetworkFree(net);
    if (pool)
        virStoragePoolFree(pool);
    if (def)
        virConnectClose(def);
}

static const int heard_first = 0, missed_one = 1, missed_five = 5;
static const struct unit_case cases[] = {
    { "state mapping", test_state_mapping, NULL },
    { "start_resources", test_start_resources, NULL },
    { "atomic write", test_write_atomic, NULL },
    { "save_config_on_stop", test_save_config, NULL },
    { "snapshot", test_snapshot, NULL },
    { "save_config_on_stop through a symbolic link", test_save_config_symlink, NULL },
    { "sync_config_on_stop runs csync2 -x", test_sync_config, NULL },
    { "lifecycle, transient", test_lifecycle, &transient },
    { "lifecycle, persistent", test_lifecycle, &persistent },
    { "force_stop", test_force_stop, NULL },
    { "stop: a guest that hears the first request", test_stop_repeats_request, &heard_first },
    { "stop: a guest that misses the first request", test_stop_repeats_request, &missed_one },
    { "stop: a guest that misses five requests", test_stop_repeats_request, &missed_five },
    { "stop: a QEMU that does not answer the power-off request", test_stop_hung_qemu, NULL },
    { "stale definition", test_stale_definition, NULL },
    { "unreachable libvirtd", test_unreachable, NULL },
};

int main(void)
{
    vmg_log_init("unit", "test");
    vmg_virt_quiet();
    conn = virConnectOpen(NODE_URI);
    if (conn == NULL) {
        printf("Bail out! cannot open %s: %s\n", NODE_URI, vmg_virt_error());
        return 1;
    }
    UNIT_RUN(cases);
    virConnectClose(conn);
    vmg_log_fini();
    return unit_done();
}
