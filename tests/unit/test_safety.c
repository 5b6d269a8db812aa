/* The safety contract of docs/safety.md, case by case, against libvirt's
 * test:/// driver: what start, stop and monitor answer must never let a VM
 * run twice.  Each case names the issue-12 item it proves. */
#include <build-config.h>

#include <stdlib.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "domain.h"
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
    if (vmg_domain_xml_load(file, &ctx->xml, &fault, &reason) < 0) {
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

static const struct unit_case cases[] = {
    { "0: restart, persistent, no uuid", test_restart, &restart_persistent_nouuid },
    { "0: restart, persistent, uuid", test_restart, &restart_persistent_uuid },
    { "0: restart, transient, no uuid", test_restart, &restart_transient_nouuid },
    { "0: restart, transient, uuid", test_restart, &restart_transient_uuid },
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
