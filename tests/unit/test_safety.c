/* The safety contract of docs/safety.md, case by case, against libvirt's
 * test:/// driver: what start, stop and monitor answer must never let a VM
 * run twice.  Each case names the issue-12 item it proves. */
#include <build-config.h>

#include <stdlib.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "domain.h"
#define VMG_DOMAIN_XML_PRIV_H_ALLOW
#include "domain_xml_priv.h"
#include "identity.h"
#include "log.h"
#include "ocf.h"
#include "unit.h"
#include "virt.h"

#define NODE_URI "test://" TEST_DATA_DIR "/test-node.xml"

/* The test driver's node, shared by every case (state carries over). */
static virConnectPtr conn;
/* The state directory of the helper ($HA_RSCTMP/vmguard), fresh per run. */
static char state_dir[] = "/tmp/vmg-test-safety.XXXXXX";

/* A context as actions.c builds it, for the domain named in file. */
static void open_context(struct vmg_context *ctx, const char *file, bool persistent)
{
    enum vmg_domain_xml_fault fault;
    char *reason = NULL;

    memset(ctx, 0, sizeof(*ctx));
    ctx->action = "test";
    ctx->conn = conn;
    ctx->env.resource = "res";
    ctx->env.state_dir = state_dir;
    ctx->cfg.config = strdup(file);
    ctx->cfg.shutdown_mode = strdup("acpi");
    ctx->cfg.persistent = persistent;
    ctx->deadline_ms = vmg_now_ms() + 10000;
    if (vmg_domain_xml_load(file, &ctx->xml, &fault, &reason) < 0 ||
        vmg_identity_load(state_dir, "res", &ctx->started, &reason) < 0) {
        printf("Bail out! %s\n", reason);
        exit(1);
    }
}

static void close_context(struct vmg_context *ctx)
{
    vmg_domain_xml_clear(&ctx->xml);
    free(ctx->cfg.config);
    free(ctx->cfg.shutdown_mode);
}

static int domain_state(const char *name)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);
    int state = -1, reason;

    if (dom) {
        virDomainGetState(dom, &state, &reason, 0);
        virDomainFree(dom);
    }
    return state;
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
    CHECK_INT(domain_state(c->name), c->persistent ? VIR_DOMAIN_SHUTOFF : -1);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(domain_state(c->name), VIR_DOMAIN_RUNNING);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_NOT_RUNNING);
    close_context(&ctx);
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
    close_context(&ctx);
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid-changed.xml", false);
    CHECK(ctx.started.known);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(domain_state("vm-uuid"), -1);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_NOT_RUNNING);
    /* Started again, the config's new UUID is the one that runs. */
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    close_context(&ctx);
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid-changed.xml", false);
    CHECK_STR(ctx.started.uuid, "44444444-4444-4444-8444-444444444444");
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    close_context(&ctx);
}

/* Item 1: the same, persistent: the definition with the old UUID is
 * replaced at the next start instead of refusing it. */
static void test_uuid_changed_persistent(const void *data)
{
    struct vmg_context ctx;

    remove_domain("vm-uuid");
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid.xml", true);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    close_context(&ctx);
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid-changed.xml", true);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(domain_state("vm-uuid"), VIR_DOMAIN_SHUTOFF);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(domain_state("vm-uuid"), VIR_DOMAIN_RUNNING);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    close_context(&ctx);
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
    close_context(&ctx);
    open_context(&ctx, TEST_DATA_DIR "/vm-renamed.xml", false);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(domain_state("vm-uuid"), -1);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_NOT_RUNNING);
    close_context(&ctx);
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
    CHECK_INT(domain_state("vm-running"), VIR_DOMAIN_RUNNING);
    close_context(&ctx);
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
    close_context(&ctx);
    open_context(&ctx, TEST_DATA_DIR "/vm-uuid.xml", true);
    ctx.started.known = false;
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_NOT_RUNNING);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_start(&ctx), OCF_ERR_INSTALLED);
    CHECK_INT(domain_state("vm-uuid"), VIR_DOMAIN_SHUTOFF);
    close_context(&ctx);
    if (other)
        virDomainFree(other);
    remove_domain("vm-uuid");
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
    { "1: blanks around <name>", test_name_blanks, NULL },
};

int main(void)
{
    char command[64];
    int rc;

    vmg_log_init("unit", "test");
    vmg_virt_quiet();
    if (mkdtemp(state_dir) == NULL) {
        printf("Bail out! cannot create a state directory\n");
        return 1;
    }
    conn = virConnectOpen(NODE_URI);
    if (conn == NULL) {
        printf("Bail out! cannot open %s: %s\n", NODE_URI, vmg_virt_error());
        return 1;
    }
    UNIT_RUN(cases);
    virConnectClose(conn);
    vmg_log_fini();
    rc = unit_done();
    snprintf(command, sizeof(command), "rm -rf '%s'", state_dir);
    if (system(command) != 0)
        printf("# cannot remove %s\n", state_dir);
    return rc;
}
