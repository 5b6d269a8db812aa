/* The safety contract of docs/safety.md, case by case, against libvirt's
 * test:/// driver: what start, stop and monitor answer must never let a VM
 * run twice.  Each case names the issue-12 item it proves. */
#include <build-config.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "actions.h"
#include "domain.h"
#define VMG_DOMAIN_PRIV_H_ALLOW
#include "domain_priv.h"
#define VMG_DOMAIN_XML_PRIV_H_ALLOW
#include "domain_xml_priv.h"
#include "fixture.h"
#include "identity.h"
#include "log.h"
#include "migrate.h"
#include "ocf.h"
#include "stop_budget.h"
#include "unit.h"
#include "virt.h"

#define NODE_URI "test://" TEST_DATA_DIR "/test-node.xml"

/* The test driver's node, shared by every case (state carries over). */
static virConnectPtr conn;
/* $HA_RSCTMP, fresh per run, and the helper's state directory in it. */
static char rsctmp[] = "/tmp/vmg-test-safety.XXXXXX";
static char state_dir[sizeof(rsctmp) + 16];

/* A context as actions.c builds it, for the domain named in file, with
 * the identity remembered in state_dir. */
static void open_context(struct vmg_context *ctx, const char *file, bool persistent)
{
    fixture_context_open(ctx, conn, file, state_dir, persistent);
}

/* Removes what a case left on the node, whatever state it is in. */
static void remove_domain(const char *name)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);

    if (dom == NULL)
        return;
    if (virDomainIsActive(dom) == 1)
        virDomainDestroy(dom);
    if (virDomainIsPersistent(dom) == 1)
        virDomainUndefine(dom);
    virDomainFree(dom);
}

/* Item 0: start, stop, start on one node, for persistent true and false,
 * with and without <uuid> (libvirt refused to define a config without one
 * over its own earlier definition). */
struct restart_case {
    const char *file, *name;
    bool persistent;
};

static void test_restart(const void *data)
{
    const struct restart_case *c = data;
    struct vmg_context ctx;

    remove_domain(c->name);
    open_context(&ctx, c->file, c->persistent);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, c->name), c->persistent ? VIR_DOMAIN_SHUTOFF : -1);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, c->name), VIR_DOMAIN_RUNNING);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_NOT_RUNNING);
    fixture_context_close(&ctx);
    remove_domain(c->name);
}

static const struct restart_case restart_persistent_nouuid = {
    TEST_DATA_DIR "/vm-nouuid.xml", "vm-nouuid", true };
static const struct restart_case restart_persistent_uuid = {
    TEST_DATA_DIR "/vm-uuid.xml", "vm-uuid", true };
static const struct restart_case restart_transient_nouuid = {
    TEST_DATA_DIR "/vm-nouuid.xml", "vm-nouuid", false };
static const struct restart_case restart_transient_uuid = {
    TEST_DATA_DIR "/vm-uuid.xml", "vm-uuid", false };

/* Item 1: a <uuid> added or changed in the config under a running VM: the
 * domain this node started is still ours, running, and stop stops it. */
static void test_uuid_changed(const void *data)
{
    struct vmg_context ctx;

    remove_domain("vm-uuid");
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid.xml", false);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    fixture_context_close(&ctx);
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid-changed.xml", false);
    CHECK(ctx.started.known);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, "vm-uuid"), -1);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_NOT_RUNNING);
    /* Started again, the config's new UUID is the one that runs. */
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    fixture_context_close(&ctx);
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid-changed.xml", false);
    CHECK_STR(ctx.started.uuid, "44444444-4444-4444-8444-444444444444");
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    fixture_context_close(&ctx);
}

/* Item 1: the same, persistent: the definition with the old UUID is
 * replaced at the next start instead of refusing it. */
static void test_uuid_changed_persistent(const void *data)
{
    struct vmg_context ctx;

    remove_domain("vm-uuid");
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid.xml", true);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    fixture_context_close(&ctx);
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid-changed.xml", true);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, "vm-uuid"), VIR_DOMAIN_SHUTOFF);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, "vm-uuid"), VIR_DOMAIN_RUNNING);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    fixture_context_close(&ctx);
    remove_domain("vm-uuid");
}

/* Item 1: the config renamed the domain while the old one runs: that one
 * is still ours until it stops. */
static void test_renamed(const void *data)
{
    struct vmg_context ctx;

    remove_domain("vm-uuid");
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid.xml", false);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    fixture_context_close(&ctx);
    open_context(&ctx, TEST_DATA_DIR "/vm-renamed.xml", false);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, "vm-uuid"), -1);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_NOT_RUNNING);
    fixture_context_close(&ctx);
}

/* Item 1: a running domain of our name with another UUID: never "not
 * running" nor "stopped", and never touched. */
static void test_foreign_running(const void *data)
{
    struct vmg_context ctx;

    open_context(&ctx, TEST_DATA_DIR "/vm-running-other-uuid.xml", false);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_ERR_GENERIC);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_ERR_GENERIC);
    CHECK_INT(vmg_domain_start(&ctx), OCF_ERR_GENERIC);
    CHECK_INT(fixture_domain_state(conn, "vm-running"), VIR_DOMAIN_RUNNING);
    fixture_context_close(&ctx);
}

/* Item 1: an inactive domain of our name with another UUID: ours is not
 * here, and cannot start on this node while the name is taken. */
static void test_foreign_defined(const void *data)
{
    struct vmg_context ctx;
    virDomainPtr other;

    remove_domain("vm-uuid");
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid-changed.xml", true);
    other = virDomainDefineXML(conn, ctx.xml.text);
    CHECK(other != NULL);
    fixture_context_close(&ctx);
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid.xml", true);
    ctx.started.known = false;
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_NOT_RUNNING);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_start(&ctx), OCF_ERR_INSTALLED);
    CHECK_INT(fixture_domain_state(conn, "vm-uuid"), VIR_DOMAIN_SHUTOFF);
    fixture_context_close(&ctx);
    if (other)
        virDomainFree(other);
    remove_domain("vm-uuid");
}

/* Item 1: a config without <uuid>, the domain started from it gone
 * (transient, stopped): its UUID says nothing about a domain of that name
 * defined since (by hand, for a managed save): the name decides again. */
static void test_started_gone(const void *data)
{
    struct vmg_context ctx;
    virDomainPtr dom;

    remove_domain("vm-nouuid");
    open_context(&ctx, TEST_DATA_DIR "/vm-nouuid.xml", false);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, "vm-nouuid"), -1);
    dom = virDomainDefineXML(conn, ctx.xml.text);      /* a new random UUID */
    CHECK(dom != NULL && virDomainCreate(dom) == 0);
    fixture_context_close(&ctx);
    open_context(&ctx, TEST_DATA_DIR "/vm-nouuid.xml", true);
    CHECK(ctx.started.known);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    fixture_context_close(&ctx);
    if (dom)
        virDomainFree(dom);
    remove_domain("vm-nouuid");
}

/* Item 1: <name> is used as libvirt stores it, so blanks around it are
 * refused, not trimmed (a trimmed name never finds the domain). */
static void test_name_blanks(const void *data)
{
    static const char *const texts[] = {
        "<domain><name> vm</name></domain>",
        "<domain><name>vm </name></domain>",
        "<domain><name> vm </name></domain>",
    };
    struct vmg_domain_xml xml;
    size_t i;

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char *reason = NULL;

        CHECK_INT(vmg_domain_xml_parse(texts[i], strlen(texts[i]), &xml, &reason), -1);
        CHECK(reason && strstr(reason, "blanks around the domain <name>"));
        free(reason);
    }
    CHECK_INT(vmg_domain_xml_parse("<domain><name>v m</name></domain>", 33, &xml, NULL), 0);
    CHECK_STR(xml.name, "v m");
    vmg_domain_xml_clear(&xml);
}

/* Item 2: the context of an action as Pacemaker runs it, config from the
 * environment; interval 0 is a probe. */
static int open_env(struct vmg_context *ctx, const char *action, const char *resource,
                    const char *config, const char *interval)
{
    int rc;

    setenv("OCF_RESOURCE_INSTANCE", resource, 1);
    setenv("OCF_RESKEY_config", config, 1);
    setenv("OCF_RESKEY_CRM_meta_interval", interval, 1);
    rc = vmg_context_open(ctx, action, VMG_NEEDS_PARAMS);
    ctx->conn = conn;
    return rc;
}

static void close_env(struct vmg_context *ctx)
{
    ctx->conn = NULL;           /* the shared test node stays open */
    vmg_context_close(ctx);
}

/* Item 2: no config and nothing started here: a probe is 7 and a stop 0,
 * as VirtualDomain answers (5 would ban the node until a cleanup, though
 * the file may be on storage that comes later); start stays 5. */
static void test_config_missing_none_started(const void *data)
{
    char missing[128];
    struct vmg_context ctx;

    snprintf(missing, sizeof(missing), "%s/missing.xml", rsctmp);
    CHECK_INT(open_env(&ctx, "monitor", "res-none", missing, "0"), OCF_NOT_RUNNING);
    CHECK(ctx.decided);
    close_env(&ctx);
    CHECK_INT(open_env(&ctx, "stop", "res-none", missing, "0"), OCF_SUCCESS);
    CHECK(ctx.decided);
    close_env(&ctx);
    CHECK_INT(open_env(&ctx, "start", "res-none", missing, "0"), OCF_ERR_INSTALLED);
    close_env(&ctx);
    CHECK_INT(open_env(&ctx, "monitor", "res-none", missing, "10000"), OCF_ERR_INSTALLED);
    close_env(&ctx);
}

/* Item 2: the config is gone under a running VM: monitor (probe or not)
 * and stop go by the identity this node started; 7 only once it stopped. */
static void test_config_missing_started(const void *data)
{
    char missing[128];
    struct vmg_context ctx;

    snprintf(missing, sizeof(missing), "%s/missing.xml", rsctmp);
    remove_domain("vm-uuid");
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid.xml", false);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    fixture_context_close(&ctx);
    CHECK_INT(open_env(&ctx, "monitor", "res", missing, "0"), OCF_SUCCESS);
    CHECK(!ctx.decided);
    CHECK_STR(ctx.xml.name, "vm-uuid");
    CHECK_INT(ctx.xml.name ? vmg_domain_monitor(&ctx) : -1, OCF_SUCCESS);
    close_env(&ctx);
    CHECK_INT(open_env(&ctx, "stop", "res", missing, "0"), OCF_SUCCESS);
    CHECK(!ctx.decided);
    CHECK_INT(ctx.xml.name ? vmg_domain_stop(&ctx) : -1, OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, "vm-uuid"), -1);
    close_env(&ctx);
    CHECK_INT(open_env(&ctx, "monitor", "res", missing, "0"), OCF_SUCCESS);
    CHECK_INT(ctx.xml.name ? vmg_domain_monitor(&ctx) : -1, OCF_NOT_RUNNING);
    close_env(&ctx);
}

/* Item 2: a config that is there but cannot be read (here ELOOP; EACCES,
 * EIO, ESTALE alike) is never OCF_ERR_INSTALLED: with a started identity
 * the VM is monitored and stopped, without one nobody can tell. */
static void test_config_unreadable(const void *data)
{
    char loop[128];
    struct vmg_context ctx;

    snprintf(loop, sizeof(loop), "%s/loop.xml", rsctmp);
    CHECK_INT(symlink(loop, loop), 0);
    remove_domain("vm-uuid");
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid.xml", false);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    fixture_context_close(&ctx);
    CHECK_INT(open_env(&ctx, "monitor", "res", loop, "10000"), OCF_SUCCESS);
    CHECK_INT(ctx.xml.name ? vmg_domain_monitor(&ctx) : -1, OCF_SUCCESS);
    close_env(&ctx);
    CHECK_INT(open_env(&ctx, "monitor", "res", loop, "0"), OCF_SUCCESS);
    CHECK_INT(ctx.xml.name ? vmg_domain_monitor(&ctx) : -1, OCF_SUCCESS);
    close_env(&ctx);
    CHECK_INT(open_env(&ctx, "stop", "res", loop, "0"), OCF_SUCCESS);
    CHECK_INT(ctx.xml.name ? vmg_domain_stop(&ctx) : -1, OCF_SUCCESS);
    CHECK_INT(fixture_domain_state(conn, "vm-uuid"), -1);
    close_env(&ctx);
    CHECK_INT(open_env(&ctx, "monitor", "res-none", loop, "0"), OCF_ERR_GENERIC);
    close_env(&ctx);
    CHECK_INT(open_env(&ctx, "stop", "res-none", loop, "0"), OCF_ERR_GENERIC);
    close_env(&ctx);
    CHECK_INT(open_env(&ctx, "start", "res", loop, "0"), OCF_ERR_GENERIC);
    close_env(&ctx);
}

/* Item 7: paused for migration or in post-copy is health only while the
 * migration job runs; left behind, it is a failure, never "running". */
static void test_migration_leftovers(const void *data)
{
    static const struct {
        int state, reason;
        bool job;
        enum vmg_health want;
    } table[] = {
        { VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION, true, VMG_HEALTH_RUNNING },
        { VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION, false, VMG_HEALTH_FAILED },
        { VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY, true, VMG_HEALTH_RUNNING },
        { VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY, false, VMG_HEALTH_FAILED },
        { VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY_FAILED, false, VMG_HEALTH_FAILED },
        { VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER, false, VMG_HEALTH_RUNNING },
        { VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED, false, VMG_HEALTH_RUNNING },
        { VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY, true, VMG_HEALTH_RUNNING },
        { VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY_FAILED, false, VMG_HEALTH_FAILED },
    };
    const char *detail;
    size_t i;

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        detail = NULL;
        CHECK_INT(vmg_domain_health_of(table[i].state, table[i].reason, table[i].job, &detail),
                  table[i].want);
        CHECK(detail != NULL);
    }
}

/* Item 5: a managed-save image is never restored over disks that moved
 * on: start boots afresh; autostart of a persistent domain is cleared. */
static void test_managed_save(const void *data)
{
    bool persistent = *(const bool *)data;
    struct vmg_context ctx;
    virDomainPtr dom;
    int state = -1, reason = -1, autostart = -1;

    remove_domain("vm-uuid");
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid.xml", persistent);
    dom = virDomainDefineXML(conn, ctx.xml.text);
    CHECK(dom != NULL && virDomainCreate(dom) == 0);
    CHECK_INT(dom ? virDomainManagedSave(dom, 0) : -1, 0);
    CHECK_INT(dom ? virDomainHasManagedSaveImage(dom, 0) : -1, 1);
    CHECK_INT(dom ? virDomainSetAutostart(dom, 1) : -1, 0);
    if (dom)
        virDomainFree(dom);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    dom = virDomainLookupByName(conn, "vm-uuid");
    CHECK(dom != NULL);
    if (dom) {
        virDomainGetState(dom, &state, &reason, 0);
        CHECK_INT(state, VIR_DOMAIN_RUNNING);
        CHECK_INT(reason, VIR_DOMAIN_RUNNING_BOOTED);
        CHECK_INT(virDomainHasManagedSaveImage(dom, 0), 0);
        if (persistent) {
            virDomainGetAutostart(dom, &autostart);
            CHECK_INT(autostart, 0);
        }
        virDomainFree(dom);
    }
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    fixture_context_close(&ctx);
    remove_domain("vm-uuid");
}

/* Item 3: an action as Pacemaker runs it, on test:///default (where the
 * domain "test" runs), with extra NAME=VALUE parameters; all unset after. */
static int run_action(const char *action, const char *const *extra)
{
    static const char *const base[] = {
        "OCF_RESOURCE_INSTANCE=res-action", "OCF_RESKEY_hypervisor=test:///default",
        "OCF_RESKEY_CRM_meta_timeout=20000", "OCF_RESKEY_CRM_meta_migrate_target=node2",
        "OCF_RESKEY_CRM_meta_interval=0", "OCF_RESKEY_migration_checks=false",
        "OCF_RESKEY_split_brain_check=false", NULL,
    };
    const char *const *lists[] = { base, extra };
    char config[128], key[128];
    FILE *f;
    size_t l, i;
    int rc;

    snprintf(config, sizeof(config), "%s/test.xml", rsctmp);
    if ((f = fopen(config, "w")) != NULL) {
        fputs("<domain type='test'><name>test</name><memory>65536</memory>"
              "<os><type>hvm</type></os></domain>\n", f);
        fclose(f);
    }
    setenv("OCF_RESKEY_config", config, 1);
    for (l = 0; l < 2; l++)
        for (i = 0; lists[l] && lists[l][i]; i++)
            putenv((char *)lists[l][i]);
    rc = vmg_run_action(action);
    for (l = 0; l < 2; l++)
        for (i = 0; lists[l] && lists[l][i]; i++) {
            snprintf(key, sizeof(key), "%.*s", (int)strcspn(lists[l][i], "="), lists[l][i]);
            unsetenv(key);
        }
    unsetenv("OCF_RESKEY_config");
    return rc;
}

/* Item 3: migrate_to and migrate_from never answer 5 or 6 (fatal on every
 * node) for a problem of one node or of the migration alone. */
static void test_migrate_exit_codes(const void *data)
{
    static const char *const bad_port[] = { "OCF_RESKEY_migration_port=80", NULL };
    static const char *const no_entry[] = { "OCF_RESKEY_migration_network=node3=10.0.0.3",
                                            NULL };
    static const char *const bad_value[] = { "OCF_RESKEY_migration_bandwidth=lots", NULL };
    static const char *const bad_peer[] = { "OCF_RESKEY_remoteuri=test:///default",
                                            "OCF_RESKEY_peer_timeout_max=1", NULL };

    CHECK_INT(run_action("migrate_to", bad_port), OCF_ERR_GENERIC);
    CHECK_INT(run_action("migrate_to", no_entry), OCF_ERR_GENERIC);
    CHECK_INT(run_action("migrate_to", bad_value), OCF_ERR_GENERIC);
    CHECK_INT(run_action("migrate_to", bad_peer), OCF_ERR_GENERIC);
    CHECK_INT(run_action("migrate_from", bad_value), OCF_ERR_GENERIC);
    CHECK_INT(run_action("monitor", NULL), OCF_SUCCESS);      /* the setup itself works */
}

/* Item 3: validate-all checks every parameter, and reload-agent refuses
 * what validate-all refuses. */
static void test_validate_all(const void *data)
{
    static const char *const bad_port[] = { "OCF_RESKEY_migration_port=80", NULL };
    static const char *const bad_range[] = { "OCF_RESKEY_migration_port=2000-1999", NULL };
    static const char *const bad_map[] = { "OCF_RESKEY_migration_network=n1=10.0.0.1 n2",
                                           NULL };
    static const char *const bad_suffix[] = { "OCF_RESKEY_migration_network=/x", NULL };
    static const char *const bad_clusters[] = { "OCF_RESKEY_peer_timeout_clusters=heartbeat",
                                                NULL };
    static const char *const bad_members[] = { "OCF_RESKEY_peer_timeout_clusters=corosync",
                                               "OCF_RESKEY_peer_timeout_members=-x", NULL };
    static const char *const bad_pc_word[] = { "OCF_RESKEY_migration_postcopy_bandwidth=fast",
                                               NULL };
    static const char *const bad_pc_neg[] = { "OCF_RESKEY_migration_postcopy_bandwidth=-5",
                                              NULL };
    static const char *const good[] = { "OCF_RESKEY_migration_port=49152-49215",
                                        "OCF_RESKEY_migration_network=n1=10.0.0.1,n2=fd00::2",
                                        "OCF_RESKEY_peer_timeout_clusters=corosync",
                                        "OCF_RESKEY_migration_postcopy_bandwidth=100", NULL };
    const char *const *bad[] = { bad_port, bad_range, bad_map, bad_suffix, bad_clusters,
                                 bad_members, bad_pc_word, bad_pc_neg };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        printf("# %s\n", bad[i][0]);
        CHECK_INT(run_action("validate-all", bad[i]), OCF_ERR_CONFIGURED);
        CHECK_INT(run_action("reload-agent", bad[i]), OCF_ERR_CONFIGURED);
    }
    CHECK_INT(run_action("validate-all", good), OCF_SUCCESS);
    CHECK_INT(run_action("reload-agent", good), OCF_SUCCESS);
}

/* Item 6: the watchdog switches to post-copy only when what is left can
 * be pulled in the time left (post-copy cannot be aborted). */
static void test_postcopy_fits(const void *data)
{
    const unsigned long long gib = 1ULL << 30, mibps = 1ULL << 20;

    CHECK(vmg_postcopy_fits(gib, 100 * mibps, 60000));      /* ~10 s, doubled: 22 s */
    CHECK(!vmg_postcopy_fits(gib, 100 * mibps, 15000));
    CHECK(!vmg_postcopy_fits(gib, 100 * mibps, 0));
    CHECK(!vmg_postcopy_fits(gib, 0, 600000));              /* rate unknown */
    CHECK(vmg_postcopy_fits(0, 100 * mibps, 3000));
}

/* Item 6: the post-copy's own rate.  The bench's guest (dirty 32 MiB, the
 * pre-copy capped at 5 MiB/s, 30 s timeout): about 40 MiB left with 15 s
 * to go is 18 s at the cap, 2.8 s at a stated 100 MiB/s. */
static void test_postcopy_rate(const void *data)
{
    const unsigned long long mibps = 1ULL << 20;

    CHECK_INT(vmg_postcopy_rate(5 * mibps, 5, 0), 5 * mibps);      /* unset: as measured */
    CHECK_INT(vmg_postcopy_rate(5 * mibps, 5, 100), 100 * mibps);  /* cap-bound */
    CHECK_INT(vmg_postcopy_rate(4 * mibps, 5, 100), 100 * mibps);  /* near the cap */
    CHECK_INT(vmg_postcopy_rate(2 * mibps, 100, 100), 2 * mibps);  /* below it: the link */
    CHECK_INT(vmg_postcopy_rate(60 * mibps, 0, 100), 60 * mibps);  /* uncapped: the link */
    CHECK_INT(vmg_postcopy_rate(200 * mibps, 0, 100), 100 * mibps);
    CHECK_INT(vmg_postcopy_rate(0, 5, 100), 0);                     /* rate unknown */
    CHECK(!vmg_postcopy_fits(40 * mibps, vmg_postcopy_rate(5 * mibps, 5, 0), 15000));
    CHECK(vmg_postcopy_fits(40 * mibps, vmg_postcopy_rate(5 * mibps, 5, 100), 15000));
    CHECK(!vmg_postcopy_fits(40 * mibps, vmg_postcopy_rate(2 * mibps, 0, 100), 15000));
}

/* Item 6: a stop never destroys a domain in post-copy, on either side. */
static void test_postcopy_states(const void *data)
{
    CHECK(vmg_domain_in_postcopy(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY));
    CHECK(vmg_domain_in_postcopy(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY_FAILED));
    CHECK(vmg_domain_in_postcopy(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY));
    CHECK(vmg_domain_in_postcopy(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY_FAILED));
    CHECK(!vmg_domain_in_postcopy(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION));
    CHECK(!vmg_domain_in_postcopy(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATED));
}

/* Item 4: migrate_to reaches the target's libvirtd within a bounded time
 * (a quarter of its timeout, at most 10 s) and fails, the VM still here. */
static void test_target_unreachable(const void *data)
{
    static char hole[128] = "OCF_RESKEY_remoteuri=";
    const char *const extra[] = { hole, NULL };
    size_t prefix = strlen(hole);
    long long start, took;
    int fd = fixture_black_hole(hole + prefix, sizeof(hole) - prefix);

    printf("# %s\n", hole);
    start = vmg_now_ms();
    CHECK_INT(run_action("migrate_to", extra), OCF_ERR_GENERIC);
    took = vmg_now_ms() - start;
    printf("# migrate_to returned after %lld ms (timeout 20000 ms)\n", took);
    CHECK(took >= 4500 && took < 7000);
    CHECK_INT(run_action("monitor", NULL), OCF_SUCCESS);
    close(fd);
}

/* Item 4: stop keeps what a forced destroy took at worst in the lab
 * (11.5 s) and more, never more than half its time; the old reserve was a
 * tenth, 2 to 10 s. */
static void test_destroy_reserve(const void *data)
{
    CHECK_INT(vmg_destroy_reserve_ms(90000), 15000);
    CHECK_INT(vmg_destroy_reserve_ms(60000), 15000);
    CHECK_INT(vmg_destroy_reserve_ms(20000), 10000);
    CHECK(vmg_destroy_reserve_ms(90000) > 11500);
    CHECK_INT(vmg_parse_duration_ms("90s"), 90000);
    CHECK_INT(vmg_parse_duration_ms("90"), 90000);
    CHECK_INT(vmg_parse_duration_ms("1500ms"), 1500);
    CHECK_INT(vmg_parse_duration_ms("2min"), 120000);
    CHECK_INT(vmg_parse_duration_ms("1h"), 3600000);
    CHECK_INT(vmg_parse_duration_ms("soon"), -1);
    CHECK_INT(vmg_parse_duration_ms("5 weeks"), -1);
}

/* Item 4: the stop timeout validate-all checks, from a CIB file. */
static long long stop_timeout_in(const char *ops, const char *defaults)
{
    char path[128], *reason = NULL;
    long long ms = -2;
    FILE *f;

    snprintf(path, sizeof(path), "%s/cib.xml", rsctmp);
    if ((f = fopen(path, "w")) == NULL)
        return -3;
    fprintf(f, "<cib crm_feature_set='3.16.1' validate-with='pacemaker-3.9' epoch='1' "
            "num_updates='0' admin_epoch='0'><configuration><crm_config/><nodes/>"
            "<resources><primitive id='vm1' class='ocf' provider='vmguard' "
            "type='VirtualMachine'><operations>%s</operations></primitive></resources>"
            "<constraints/>%s</configuration><status/></cib>\n", ops, defaults);
    fclose(f);
    setenv("CIB_file", path, 1);
    if (vmg_stop_timeout_ms("vm1", &ms, &reason) < 0)
        printf("# %s\n", reason);
    if (vmg_stop_timeout_ms("vm2", &(long long){ 0 }, &reason) == 0)
        ms = -4;                /* a resource that is not there has none */
    unsetenv("CIB_file");
    free(reason);
    return ms;
}

static void test_stop_timeout(const void *data)
{
    const char *stop20 = "<op id='s' name='stop' interval='0' timeout='20s'/>"
                         "<op id='m' name='monitor' interval='10s' timeout='200s'/>";
    const char *defaults = "<op_defaults><meta_attributes id='od'>"
                           "<nvpair id='od-t' name='timeout' value='45s'/>"
                           "</meta_attributes></op_defaults>";

    CHECK_INT(stop_timeout_in(stop20, ""), 20000);
    CHECK_INT(stop_timeout_in("<op id='s' name='stop' interval='0s' timeout='2min'/>", defaults), 120000);
    CHECK_INT(stop_timeout_in("", defaults), 45000);
    CHECK_INT(stop_timeout_in("", ""), VMG_PACEMAKER_DEFAULT_TIMEOUT_MS);
}

static const bool persistent_true = true, persistent_false = false;

static const struct unit_case cases[] = {
    { "0: restart, persistent, no uuid", test_restart, &restart_persistent_nouuid },
    { "0: restart, persistent, uuid", test_restart, &restart_persistent_uuid },
    { "0: restart, transient, no uuid", test_restart, &restart_transient_nouuid },
    { "0: restart, transient, uuid", test_restart, &restart_transient_uuid },
    { "1: uuid changed under a running VM", test_uuid_changed, NULL },
    { "1: uuid changed, persistent", test_uuid_changed_persistent, NULL },
    { "1: renamed under a running VM", test_renamed, NULL },
    { "1: foreign domain running", test_foreign_running, NULL },
    { "1: foreign domain defined", test_foreign_defined, NULL },
    { "1: started domain gone, config without uuid", test_started_gone, NULL },
    { "1: blanks around <name>", test_name_blanks, NULL },
    { "2: config missing, nothing started", test_config_missing_none_started, NULL },
    { "2: config missing under a running VM", test_config_missing_started, NULL },
    { "2: config unreadable", test_config_unreadable, NULL },
    { "3: migrate_to, migrate_from exit codes", test_migrate_exit_codes, NULL },
    { "3: validate-all, reload-agent", test_validate_all, NULL },
    { "4: migration target unreachable", test_target_unreachable, NULL },
    { "4: destroy reserve", test_destroy_reserve, NULL },
    { "4: stop timeout from the CIB", test_stop_timeout, NULL },
    { "5: managed save, persistent", test_managed_save, &persistent_true },
    { "5: managed save, transient", test_managed_save, &persistent_false },
    { "6: post-copy only when it fits", test_postcopy_fits, NULL },
    { "6: post-copy at its own rate", test_postcopy_rate, NULL },
    { "6: post-copy states", test_postcopy_states, NULL },
    { "7: migration leftovers", test_migration_leftovers, NULL },
};

int main(void)
{
    char command[64];
    int rc;

    vmg_log_init("unit", "test");
    vmg_virt_quiet();
    if (mkdtemp(rsctmp) == NULL) {
        printf("Bail out! cannot create a state directory\n");
        return 1;
    }
    snprintf(state_dir, sizeof(state_dir), "%s/vmguard", rsctmp);
    setenv("HA_RSCTMP", rsctmp, 1);
    conn = virConnectOpen(NODE_URI);
    if (conn == NULL) {
        printf("Bail out! cannot open %s: %s\n", NODE_URI, vmg_virt_error());
        return 1;
    }
    UNIT_RUN(cases);
    virConnectClose(conn);
    vmg_log_fini();
    rc = unit_done();
    snprintf(command, sizeof(command), "rm -rf '%s'", rsctmp);
    if (system(command) != 0)
        printf("# cannot remove %s\n", rsctmp);
    return rc;
}
