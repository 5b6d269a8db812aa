/* Migration URIs and the XML the pre-checks read. */
#include <build-config.h>

#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain_xml.h"
#include "log.h"
#include "migrate.h"
#define VMG_MIGRATE_GUARDIAN_PRIV_H_ALLOW
#include "migrate_guardian_priv.h"
#include "ocf.h"
#include "spawn.h"
#define VMG_MIGRATE_URI_PRIV_H_ALLOW
#include "migrate_uri_priv.h"
#define VMG_MIGRATE_WATCH_PRIV_H_ALLOW
#include "migrate_watch_priv.h"
#include "unit.h"
#include "virt.h"

#define NODE_URI "test://" TEST_DATA_DIR "/test-node.xml"

static struct vmg_migrate_config config(const char *transport)
{
    struct vmg_migrate_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.transport = (char *)transport;
    cfg.postcopy = (char *)"off";
    cfg.persistent = (char *)"auto";
    return cfg;
}

/* The daemon URI, or its reason when it cannot be built. */
static void expect_daemon_uri(const struct vmg_migrate_config *cfg, const char *hypervisor,
                              const char *want)
{
    char *got = NULL, *reason = NULL;
    int rc = vmg_migration_daemon_uri(cfg, hypervisor, "node2", &got, &reason);

    CHECK_INT(rc, want ? 0 : -1);
    CHECK_STR(rc == 0 ? got : reason, want ? want : "malformed hypervisor URI");
    free(got);
    free(reason);
}

static void test_daemon_uri(const void *data)
{
    struct vmg_migrate_config cfg = config("");

    expect_daemon_uri(&cfg, "qemu:///system", "qemu://node2/system");
    expect_daemon_uri(&cfg, "qemu+unix:///system?socket=/run/x", "qemu://node2/system");
    cfg.transport = (char *)"tcp";
    expect_daemon_uri(&cfg, "qemu:///system", "qemu+tcp://node2/system");
    cfg.transport = (char *)"tls";
    expect_daemon_uri(&cfg, "qemu:///session", "qemu+tls://node2/session");
    cfg.transport = (char *)"ssh";
    cfg.migration_user = (char *)"migrator";
    expect_daemon_uri(&cfg, "qemu:///system", "qemu+ssh://migrator@node2/system");
    cfg.remoteuri = (char *)"qemu+tls://%n.example.com/system";
    expect_daemon_uri(&cfg, "qemu:///system", "qemu+tls://node2.example.com/system");
    cfg.remoteuri = NULL;
    expect_daemon_uri(&cfg, "not a uri", NULL);
}

static void expect_data_uri(const struct vmg_migrate_config *cfg, const char *target,
                            const char *want)
{
    char *reason = NULL, *got = NULL;

    CHECK_INT(vmg_migration_data_uri(cfg, target, "vm1", &got, &reason), 0);
    CHECK_STR(got, want);
    CHECK(reason == NULL);
    free(got);
    free(reason);
}

/* A data URI that cannot be built: -1, no URI, a reason naming fragment. */
static void expect_data_uri_refused(const struct vmg_migrate_config *cfg, const char *fragment)
{
    char *reason = NULL, *got = NULL;

    CHECK_INT(vmg_migration_data_uri(cfg, "node2", "vm1", &got, &reason), -1);
    CHECK(got == NULL && reason && strstr(reason, fragment));
    free(reason);
}

static void test_data_uri(const void *data)
{
    struct vmg_migrate_config cfg = config("tcp");
    char *reason = NULL, *uri = NULL;
    unsigned port;

    expect_data_uri(&cfg, "node2", NULL);
    cfg.network = (char *)"-fast";
    expect_data_uri(&cfg, "node2", "tcp://node2-fast");
    expect_data_uri(&cfg, "node2.example.com", "tcp://node2-fast.example.com");
    cfg.network = (char *)"node1=10.0.0.1 node2=10.0.0.2";
    expect_data_uri(&cfg, "node2", "tcp://10.0.0.2");
    cfg.network = (char *)"node1=fd00::1,node2=fd00::2";
    expect_data_uri(&cfg, "node2", "tcp://[fd00::2]");
    cfg.network = (char *)"node1=10.0.0.1";
    expect_data_uri_refused(&cfg, "node2");
    cfg.network = NULL;
    cfg.network_suffix = (char *)"-mig";
    cfg.port = (char *)"49200";
    expect_data_uri(&cfg, "node2", "tcp://node2-mig:49200");

    /* A range gives each resource its own port, the same every time. */
    cfg.port = (char *)"49152-49215";
    CHECK_INT(vmg_migration_data_uri(&cfg, "node2", "vm1", &uri, &reason), 0);
    CHECK(uri && sscanf(uri, "tcp://node2-mig:%u", &port) == 1 && port >= 49152 && port <= 49215);
    free(uri);
    static const char *const bad_ports[] = { "80", "5-4", "49152-x", "70000" };
    for (size_t i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
        cfg.port = (char *)bad_ports[i];
        expect_data_uri_refused(&cfg, "migration_port");
    }
    cfg.port = NULL;
    cfg.migrateuri = (char *)"tcp://%n-mig:49300";
    expect_data_uri(&cfg, "node2", "tcp://node2-mig:49300");
}

static void test_expand(const void *data)
{
    char *got = vmg_expand_node("%n/%n%", "a");

    CHECK_STR(got, "a/a%");
    free(got);
}

static void test_live_xml(const void *data)
{
    const char *xml =
        "<domain type='kvm'><name>x</name>"
        "<cpu mode='host-model' check='partial'><model fallback='allow'>Skylake</model></cpu>"
        "<devices>"
        "<disk type='file' device='disk'><source file='/var/lib/x.qcow2'/><target dev='vda'/></disk>"
        "<disk type='network' device='disk'><source protocol='rbd' name='pool/img'/>"
        "<target dev='vdb'/></disk>"
        "<disk type='file' device='cdrom'><target dev='sda'/><readonly/></disk>"
        "</devices></domain>";
    struct vmg_disk *disks;
    size_t n;
    char *mode, *cpu = vmg_domain_xml_cpu(xml, &mode), *reason = NULL;

    CHECK(cpu && strstr(cpu, "<cpu") && strstr(cpu, "Skylake"));
    CHECK_STR(mode, "host-model");
    free(cpu);
    free(mode);
    CHECK_INT(vmg_domain_xml_disks(xml, &disks, &n, &reason), 0);
    CHECK(reason == NULL);
    CHECK_INT(n, 3);
    CHECK_STR(disks[0].source, "/var/lib/x.qcow2");
    CHECK_STR(disks[0].type, "file");
    CHECK_STR(disks[1].source, "pool/img");
    CHECK(disks[2].source == NULL && disks[2].readonly);
    vmg_disks_free(disks, n);
    CHECK(vmg_domain_xml_cpu("<domain/>", &mode) == NULL && mode == NULL);
    CHECK_INT(vmg_domain_xml_disks("<<", &disks, &n, &reason), -1);
    CHECK(reason && strstr(reason, "does not parse"));
    free(reason);
}

/* migrate_to with nothing listening where the target's libvirtd should be:
 * the exit reason names libvirt's error, not whatever the calls after the
 * failed open left in the thread's last error ("no error"). */
static void test_unreachable_target(const void *data)
{
    char path[] = "/tmp/vmg-test-stderr-XXXXXX";
    int fd = mkstemp(path), saved = dup(STDERR_FILENO), rc;
    char *text = NULL, *why = NULL;
    struct vmg_context ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.conn = virConnectOpen(NODE_URI);
    ctx.cfg.hypervisor = (char *)"qemu+tcp://127.0.0.1:1/system";
    ctx.xml.name = (char *)"vm-running";
    ctx.env.migrate_target = "127.0.0.1";
    ctx.env.resource = "vm1";
    ctx.deadline_ms = vmg_now_ms() + 10000;
    if (fd < 0 || saved < 0 || ctx.conn == NULL) {
        printf("Bail out! cannot set up migrate_to\n");
        exit(1);
    }
    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    rc = vmg_migrate_to(&ctx);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    CHECK_INT(rc, OCF_ERR_GENERIC);
    CHECK_INT(vmg_read_small_file(path, 1 << 20, &text, &why), 0);
    printf("# %s", text && strstr(text, "ocf-exit-reason:") ? strstr(text, "ocf-exit-reason:")
                                                              : "no exit reason\n");
    CHECK(text && strstr(text, "ocf-exit-reason:cannot reach libvirt on 127.0.0.1 at "
                               "qemu+tcp://127.0.0.1:1/system: "));
    CHECK(text && strstr(text, "refused") && !strstr(text, ": no error"));
    free(text);
    free(why);
    unlink(path);
    virConnectClose(ctx.conn);
}

/* migrate_options as an administrator writes it, loaded as migrate_to does. */
static int load_options(const char *options, struct vmg_migrate_config *cfg, char **reason)
{
    setenv("OCF_RESKEY_migrate_options", options, 1);
    memset(cfg, 0, sizeof(*cfg));
    if (vmg_params_load(vmg_migrate_params, vmg_migrate_params_count, cfg, reason) < 0)
        return -1;
    return vmg_migrate_options_apply(cfg, reason);
}

static void release_options(struct vmg_migrate_config *cfg)
{
    vmg_params_free(vmg_migrate_params, vmg_migrate_params_count, cfg);
    unsetenv("OCF_RESKEY_migrate_options");
}

static void test_options_mapped(const void *data)
{
    struct vmg_migrate_config cfg;
    char *reason = NULL;

    CHECK_INT(load_options("--live --p2p --compressed --auto-converge --postcopy "
                           "--parallel-connections 4 --bandwidth=100 --timeout 30 "
                           "--postcopy-bandwidth 200 "
                           "--migrateuri tcp://%n-mig:49200 --persistent --undefinesource",
                           &cfg, &reason), 0);
    CHECK_STR(reason, NULL);
    CHECK_STR(cfg.compression, "xbzrle");
    CHECK(cfg.auto_converge);
    CHECK_STR(cfg.postcopy, "auto");
    CHECK_INT(cfg.parallel, 4);
    CHECK_INT(cfg.bandwidth, 100);
    CHECK_INT(cfg.postcopy_bandwidth, 200);
    CHECK_INT(cfg.timeout_s, 30);
    CHECK(!cfg.timeout_postcopy);
    CHECK_STR(cfg.migrateuri, "tcp://%n-mig:49200");
    CHECK_STR(cfg.persistent, "true");
    CHECK(!cfg.tunnelled);
    release_options(&cfg);

    /* A typed parameter that is set wins over the option. */
    setenv("OCF_RESKEY_migration_compression", "zstd", 1);
    setenv("OCF_RESKEY_migration_parallel", "8", 1);
    setenv("OCF_RESKEY_migration_postcopy_bandwidth", "50", 1);
    CHECK_INT(load_options("--comp-methods=mt --parallel-connections 2 --postcopy-bandwidth=9 "
                           "--postcopy-after-precopy --timeout 5 --timeout-postcopy",
                           &cfg, &reason), 0);
    CHECK_STR(cfg.compression, "zstd");
    CHECK_INT(cfg.parallel, 8);
    CHECK_INT(cfg.postcopy_bandwidth, 50);
    CHECK_STR(cfg.postcopy, "always");
    CHECK(cfg.timeout_postcopy);
    release_options(&cfg);
    unsetenv("OCF_RESKEY_migration_compression");
    unsetenv("OCF_RESKEY_migration_parallel");
    unsetenv("OCF_RESKEY_migration_postcopy_bandwidth");

    /* migrateport is migration_port's alias. */
    setenv("OCF_RESKEY_migrateport", "49300", 1);
    CHECK_INT(load_options("", &cfg, &reason), 0);
    CHECK_STR(cfg.port, "49300");
    release_options(&cfg);
    setenv("OCF_RESKEY_migration_port", "49400-49410", 1);
    CHECK_INT(load_options("", &cfg, &reason), 0);
    CHECK_STR(cfg.port, "49400-49410");
    release_options(&cfg);
    unsetenv("OCF_RESKEY_migration_port");
    unsetenv("OCF_RESKEY_migrateport");

    CHECK_INT(load_options("--tunnelled --p2p", &cfg, &reason), 0);
    CHECK(cfg.tunnelled);
    release_options(&cfg);
    free(reason);
}

struct refused_case {
    const char *options;
    const char *env;            /* NAME=VALUE set for the case, or NULL */
    const char *fragment;       /* expected in the reason */
};

static const struct refused_case refused[] = {
    { "--live --unsafe", NULL, "'--unsafe' is not an option" },
    { "--desturi qemu+ssh://x/system", NULL, "'--desturi' is not an option" },
    { "; touch /tmp/pwned", NULL, "';' is not an option" },
    { "--timeout", NULL, "--timeout needs a value" },
    { "--timeout 0", NULL, "--timeout needs a whole number from 1" },
    { "--timeout 10s", NULL, "not '10s'" },
    { "--parallel-connections 1000", NULL, "--parallel-connections needs a whole number" },
    { "--postcopy-bandwidth -5", NULL, "--postcopy-bandwidth needs a whole number" },
    { "--live=yes", NULL, "--live takes no value" },
    { "--timeout 5 --timeout-postcopy", NULL, "--timeout-postcopy needs --postcopy" },
    { "--tunnelled", "OCF_RESKEY_migrateuri=tcp://%n:49152", "migrateuri cannot be used" },
    { "--tunnelled", "OCF_RESKEY_migrateport=49152", "migration_port cannot be used" },
    { "--tunnelled --parallel", NULL, "migration_parallel cannot be used" },
    { "--tunnelled", "OCF_RESKEY_migration_network=-mig", "migration_network cannot" },
};

static void test_options_refused(const void *data)
{
    size_t i;

    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        struct vmg_migrate_config cfg;
        char *reason = NULL, *env = refused[i].env ? strdup(refused[i].env) : NULL;
        char *eq = env ? strchr(env, '=') : NULL;

        if (eq) {
            *eq = '\0';
            setenv(env, eq + 1, 1);
        }
        printf("# migrate_options=\"%s\" %s\n", refused[i].options, eq ? refused[i].env : "");
        CHECK_INT(load_options(refused[i].options, &cfg, &reason), -1);
        CHECK(reason && strstr(reason, refused[i].fragment));
        if (reason)
            printf("# reason: %s\n", reason);
        release_options(&cfg);
        if (eq)
            unsetenv(env);
        free(env);
        free(reason);
    }
}

/* migrate_from's exit reason, run on the test driver's running domain. */
static int migrate_from_reason(char **text)
{
    char path[] = "/tmp/vmg-test-stderr-XXXXXX";
    int fd = mkstemp(path), saved = dup(STDERR_FILENO), rc;
    char *why = NULL;
    struct vmg_context ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.conn = virConnectOpen(NODE_URI);
    ctx.xml.name = (char *)"vm-running";
    ctx.env.migrate_source = "node1";
    ctx.env.resource = "vm1";
    ctx.deadline_ms = vmg_now_ms() + 10000;
    if (fd < 0 || saved < 0 || ctx.conn == NULL) {
        printf("Bail out! cannot set up migrate_from\n");
        exit(1);
    }
    setenv("OCF_RESKEY_split_brain_check", "false", 1);
    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    rc = vmg_migrate_from(&ctx);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    *text = NULL;
    if (vmg_read_small_file(path, 1 << 20, text, &why) < 0 || *text == NULL)
        *text = strdup("");
    free(why);
    unlink(path);
    unsetenv("OCF_RESKEY_split_brain_check");
    virConnectClose(ctx.conn);
    return rc;
}

/* migration_post_command on the target: its failure fails migrate_from with
 * its exit code and first output line (here through a stand-in ssh that
 * runs the command on this host). */
static void test_post_command(const void *data)
{
    char ssh[] = "/tmp/vmg-test-ssh-XXXXXX";
    int fd = mkstemp(ssh);
    char *text = NULL;
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

    if (f == NULL) {
        printf("Bail out! cannot write a stand-in ssh\n");
        exit(1);
    }
    fprintf(f, "#!/bin/sh\nshift 7\nexec \"$@\"\n");
    fclose(f);
    chmod(ssh, 0700);
    setenv("VMGUARD_SSH", ssh, 1);

    setenv("OCF_RESKEY_migration_post_command", "ssh:db2:/bin/ls /nonexistent-vmg-post", 1);
    CHECK_INT(migrate_from_reason(&text), OCF_ERR_GENERIC);
    printf("# %s", strstr(text, "ocf-exit-reason:") ? strstr(text, "ocf-exit-reason:") : "-\n");
    CHECK(strstr(text, "ocf-exit-reason:vm-running runs here, but migration_post_command "
                       "failed (exit code 2: ") && strstr(text, "nonexistent-vmg-post"));
    free(text);
    setenv("OCF_RESKEY_migration_post_command", "ssh:db2:/bin/true", 1);
    CHECK_INT(migrate_from_reason(&text), OCF_SUCCESS);
    free(text);
    /* Not even a valid command: a failure of this migration only (not 6). */
    setenv("OCF_RESKEY_migration_post_command", "/bin/true", 1);
    CHECK_INT(migrate_from_reason(&text), OCF_ERR_GENERIC);
    free(text);
    unsetenv("OCF_RESKEY_migration_post_command");
    CHECK_INT(migrate_from_reason(&text), OCF_SUCCESS);
    free(text);
    unsetenv("VMGUARD_SSH");
    unlink(ssh);
}

/* The guardian aborts only an outgoing migration (issue 12.9): a backup, a
 * dump, a snapshot or an incoming migration of the same domain that runs
 * when migrate_to dies is not its job to cancel. */
struct job_case {
    const char *name;
    int type;
    int operation;          /* -1: libvirt names none */
    bool ours;
};

static void test_job_is_outgoing(const void *data)
{
    static const struct job_case jobs[] = {
        { "no job", VIR_DOMAIN_JOB_NONE, -1, false },
        { "outgoing migration", VIR_DOMAIN_JOB_UNBOUNDED, VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT,
          true },
        { "backup", VIR_DOMAIN_JOB_UNBOUNDED, VIR_DOMAIN_JOB_OPERATION_BACKUP, false },
        { "dump", VIR_DOMAIN_JOB_UNBOUNDED, VIR_DOMAIN_JOB_OPERATION_DUMP, false },
        { "save", VIR_DOMAIN_JOB_BOUNDED, VIR_DOMAIN_JOB_OPERATION_SAVE, false },
        { "snapshot", VIR_DOMAIN_JOB_UNBOUNDED, VIR_DOMAIN_JOB_OPERATION_SNAPSHOT, false },
        { "incoming migration", VIR_DOMAIN_JOB_UNBOUNDED, VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN,
          false },
        { "job of unknown operation", VIR_DOMAIN_JOB_UNBOUNDED, -1, false },
    };
    size_t i;

    /* virTypedParams* use libvirt's error state, set up by virInitialize. */
    CHECK_INT(virInitialize(), 0);
    for (i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
        virTypedParameterPtr params = NULL;
        int n = 0, max = 0;

        if (jobs[i].operation >= 0)
            virTypedParamsAddInt(&params, &n, &max, VIR_DOMAIN_JOB_OPERATION, jobs[i].operation);
        virTypedParamsAddULLong(&params, &n, &max, VIR_DOMAIN_JOB_TIME_ELAPSED, 1234);
        unit_case_name = jobs[i].name;
        CHECK(vmg_migration_job_is_outgoing(jobs[i].type, params, n) == jobs[i].ours);
        virTypedParamsFree(params, n);
    }
}

/* libvirtd while it connects the migration stream (seen in the lab with the
 * fast link cut): it holds the job, so the watchdog's job statistics wait
 * for it; the migration ends once aborted.  Each stand-in also ends when
 * released, or after 20 s. */
static atomic_bool released, aborted;
static atomic_int stats_waiting;

static void wait_released(void)
{
    long long end = vmg_now_ms() + 20000;

    while (!atomic_load(&released) && !atomic_load(&aborted) && vmg_now_ms() < end)
        vmg_sleep_ms(10);
}

static int perform_until_aborted(virDomainPtr dom, const char *uri, virTypedParameterPtr params,
                                 unsigned int nparams, unsigned int flags)
{
    wait_released();
    return -1;
}

static int stats_of_held_job(virDomainPtr dom, int *type, virTypedParameterPtr *params,
                             int *nparams, unsigned int flags)
{
    long long end = vmg_now_ms() + 20000;

    atomic_fetch_add(&stats_waiting, 1);
    while (!atomic_load(&released) && vmg_now_ms() < end)
        vmg_sleep_ms(10);
    atomic_fetch_sub(&stats_waiting, 1);
    *type = VIR_DOMAIN_JOB_NONE;
    *params = NULL;
    *nparams = 0;
    return -1;
}

static int abort_recorded(virDomainPtr dom)
{
    atomic_store(&aborted, true);
    return 0;
}

/* The domain vm-running of NODE_URI, and a context whose timeout of
 * timeout_ms starts now. */
static virDomainPtr watched_domain(virConnectPtr *conn, struct vmg_context *ctx,
                                   long long timeout_ms)
{
    virDomainPtr dom;

    *conn = virConnectOpen(NODE_URI);
    dom = *conn ? virDomainLookupByName(*conn, "vm-running") : NULL;
    if (dom == NULL) {
        printf("Bail out! no domain vm-running in %s\n", NODE_URI);
        exit(1);
    }
    memset(ctx, 0, sizeof(*ctx));
    ctx->xml.name = (char *)"vm-running";
    ctx->env.timeout_ms = timeout_ms;
    ctx->deadline_ms = vmg_now_ms() + timeout_ms;
    return dom;
}

/* libvirt's own calls back in place of the stand-ins. */
static void real_libvirt_calls(void)
{
    vmg_migration_perform = virDomainMigrateToURI3;
    vmg_migration_job_stats = virDomainGetJobStats;
    vmg_migration_start_postcopy = virDomainMigrateStartPostCopy;
    vmg_migration_abort = virDomainAbortJob;
}

/* The watchdog's calls wait for libvirt: the migration is aborted all the
 * same at the watchdog's limit, not given up 2 s before the timeout (8 s:
 * the margin is 5 s, the abort comes two polls after 3 s, the give-up at
 * 6 s). */
static void test_watchdog_waiting(const void *data)
{
    struct vmg_migrate_config cfg = config("tcp");
    struct vmg_migration_result result;
    virConnectPtr conn;
    struct vmg_context ctx;
    virDomainPtr dom = watched_domain(&conn, &ctx, 8000);
    long long t0, took;

    vmg_migration_perform = perform_until_aborted;
    vmg_migration_job_stats = stats_of_held_job;
    vmg_migration_abort = abort_recorded;
    t0 = vmg_now_ms();
    vmg_migration_run(&ctx, &cfg, dom, NULL, "qemu+tcp://node2/system", NULL, 0, 0, 0, &result);
    took = vmg_now_ms() - t0;
    /* The threads left behind finish before the real calls are back. */
    atomic_store(&released, true);
    while (atomic_load(&stats_waiting) > 0)
        vmg_sleep_ms(10);
    vmg_sleep_ms(1000);
    real_libvirt_calls();
    printf("# migration with the watchdog waiting ended after %lld ms: %s\n", took,
           result.error ? result.error : "no error");
    CHECK(!result.succeeded);
    CHECK(atomic_load(&aborted));
    CHECK(result.aborted_by_watchdog);
    CHECK(took >= 3000 && took < 5000);
    vmg_migration_result_clear(&result);
    virDomainFree(dom);
    virConnectClose(conn);
}

/* libvirt slow to return from the switch to post-copy (seen under ASan in
 * the lab: the switch issued 31 s into a 40 s migrate_to came back 4 s
 * later, after the waiting thread had aborted at its limit; the post-copy
 * the watchdog chose was lost and the guest moved cold).  A post-copy
 * claimed by the watchdog is never aborted: the migration ends. */
static atomic_bool switched;
static long long switch_returns_at;

static int stats_stalled(virDomainPtr dom, int *type, virTypedParameterPtr *params,
                         int *nparams, unsigned int flags)
{
    int max = 0;

    *type = VIR_DOMAIN_JOB_UNBOUNDED;
    *params = NULL;
    *nparams = 0;
    virTypedParamsAddULLong(params, nparams, &max, VIR_DOMAIN_JOB_TIME_ELAPSED, 1000);
    virTypedParamsAddULLong(params, nparams, &max, VIR_DOMAIN_JOB_MEMORY_ITERATION, 2);
    virTypedParamsAddULLong(params, nparams, &max, VIR_DOMAIN_JOB_DATA_REMAINING, 1 << 20);
    virTypedParamsAddULLong(params, nparams, &max, VIR_DOMAIN_JOB_MEMORY_BPS, 100 << 20);
    return 0;
}

static int switch_slowly(virDomainPtr dom, unsigned int flags)
{
    while (vmg_now_ms() < switch_returns_at)
        vmg_sleep_ms(10);
    atomic_store(&switched, true);
    return 0;
}

static int perform_until_switched(virDomainPtr dom, const char *uri,
                                  virTypedParameterPtr params, unsigned int nparams,
                                  unsigned int flags)
{
    long long end = vmg_now_ms() + 20000;

    while (!atomic_load(&switched) && !atomic_load(&aborted) && vmg_now_ms() < end)
        vmg_sleep_ms(10);
    vmg_sleep_ms(200);
    return atomic_load(&switched) && !atomic_load(&aborted) ? 0 : -1;
}

/* 8 s: margin 5 s; the switch is decided at the first poll (0.5 s, 2.5 s
 * left for a post-copy of 1 MiB at 100 MiB/s) and returns at 4.5 s, past
 * the waiting thread's abort time (4 s) and before its give-up (6 s). */
static void test_postcopy_not_aborted(const void *data)
{
    struct vmg_migrate_config cfg = config("tcp");
    struct vmg_migration_result result;
    virConnectPtr conn;
    struct vmg_context ctx;
    virDomainPtr dom = watched_domain(&conn, &ctx, 8000);
    long long t0 = vmg_now_ms(), took;

    cfg.postcopy = (char *)"always";
    atomic_store(&aborted, false);
    atomic_store(&switched, false);
    switch_returns_at = t0 + 4500;
    vmg_migration_perform = perform_until_switched;
    vmg_migration_job_stats = stats_stalled;
    vmg_migration_start_postcopy = switch_slowly;
    vmg_migration_abort = abort_recorded;
    vmg_migration_run(&ctx, &cfg, dom, NULL, "qemu+tcp://node2/system", NULL, 0, 0, 0, &result);
    took = vmg_now_ms() - t0;
    real_libvirt_calls();
    printf("# migration with a slow switch to post-copy ended after %lld ms: %s\n", took,
           result.error ? result.error : "no error");
    CHECK(atomic_load(&switched));
    CHECK(!atomic_load(&aborted));
    CHECK(result.succeeded);
    CHECK(result.switched_to_postcopy);
    CHECK(!result.aborted_by_watchdog);
    CHECK(took >= 4500 && took < 6000);
    vmg_migration_result_clear(&result);
    virDomainFree(dom);
    virConnectClose(conn);
}

static const struct unit_case cases[] = {
    { "migrate_options mapped", test_options_mapped, NULL },
    { "migrate_options refused", test_options_refused, NULL },
    { "job the guardian may abort", test_job_is_outgoing, NULL },
    { "daemon URI", test_daemon_uri, NULL },
    { "data URI", test_data_uri, NULL },
    { "%n expansion", test_expand, NULL },
    { "live XML", test_live_xml, NULL },
    { "unreachable target", test_unreachable_target, NULL },
    { "post command", test_post_command, NULL },
    { "watchdog waiting for libvirt", test_watchdog_waiting, NULL },
    { "post-copy switch not aborted", test_postcopy_not_aborted, NULL },
};

int main(void)
{
    vmg_log_init("unit", "test");
    vmg_virt_quiet();
    UNIT_RUN(cases);
    vmg_log_fini();
    return unit_done();
}
