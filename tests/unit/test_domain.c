/* Lifecycle against libvirt's test:/// driver: state mapping, idempotent
 * start and stop, and refusal of a same-name domain with another UUID. */
#include <build-config.h>

#include <stdlib.h>

#include <libvirt/virterror.h>

#include "domain.h"
#define VMG_DOMAIN_PRIV_H_ALLOW
#include "domain_priv.h"
#include "log.h"
#include "ocf.h"
#include "unit.h"
#include "virt.h"

#define NODE_URI "test://" TEST_DATA_DIR "/test-node.xml"

/* The test driver's node, shared by every case (state carries over). */
static virConnectPtr conn;

/* A context as actions.c builds it, for the domain named in file. */
static void open_context(struct vmg_context *ctx, const char *file)
{
    enum vmg_domain_xml_fault fault;
    char *reason = NULL;

    memset(ctx, 0, sizeof(*ctx));
    ctx->action = "test";
    ctx->conn = conn;
    ctx->cfg.config = strdup(file);
    ctx->cfg.shutdown_mode = strdup("acpi");
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

static void test_lifecycle(const void *data)
{
    bool persistent = *(const bool *)data;
    struct vmg_context ctx;

    open_context(&ctx, TEST_DATA_DIR "/vm-new.xml");
    ctx.cfg.persistent = persistent;
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_NOT_RUNNING);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);              /* stop when absent */
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(domain_state("vm-new"), VIR_DOMAIN_RUNNING);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);             /* start when running */
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_SUCCESS);
    ctx.env.check_level = 10;
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_SUCCESS);
    ctx.env.check_level = 0;
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(domain_state("vm-new"), persistent ? VIR_DOMAIN_SHUTOFF : -1);
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_NOT_RUNNING);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);              /* stop when stopped */
    close_context(&ctx);
}

static void test_force_stop(const void *data)
{
    struct vmg_context ctx;

    open_context(&ctx, TEST_DATA_DIR "/vm-new.xml");
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    ctx.cfg.force_stop = true;
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(domain_state("vm-new"), -1);
    close_context(&ctx);
}

/* A transient start over a stale persistent definition replaces it. */
static void test_stale_definition(const void *data)
{
    struct vmg_context ctx;

    open_context(&ctx, TEST_DATA_DIR "/vm-new.xml");
    virDomainFree(virDomainDefineXML(conn, ctx.xml.text));
    CHECK_INT(domain_state("vm-new"), VIR_DOMAIN_SHUTOFF);
    CHECK_INT(vmg_domain_start(&ctx), OCF_SUCCESS);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_SUCCESS);
    CHECK_INT(domain_state("vm-new"), -1);
    close_context(&ctx);
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
    CHECK_INT(domain_state("vm-new"), -1);
    /* the request after the ignored ones powered it off: no destroy */
    CHECK_INT(requests, *ignored + 1);
    /* 200 ms apart, far from the graceful budget (10 s - 2 s kept for destroy) */
    CHECK(took < 200LL * (*ignored + 1) + 2000);
    close_context(&ctx);
}

/* Same name, another UUID, running: someone else's VM, never touched; and
 * nobody can say ours is not here (it may be ours, started by hand): every
 * action fails (see test_safety for the inactive case). */
static void test_foreign_uuid(const void *data)
{
    struct vmg_context ctx;

    open_context(&ctx, TEST_DATA_DIR "/vm-running-other-uuid.xml");
    CHECK_INT(vmg_domain_monitor(&ctx), OCF_ERR_GENERIC);
    CHECK_INT(vmg_domain_start(&ctx), OCF_ERR_GENERIC);
    CHECK_INT(vmg_domain_stop(&ctx), OCF_ERR_GENERIC);
    CHECK_INT(domain_state("vm-running"), VIR_DOMAIN_RUNNING);
    close_context(&ctx);
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
static const int heard_first = 0, missed_one = 1, missed_five = 5;
static const struct unit_case cases[] = {
    { "state mapping", test_state_mapping, NULL },
    { "lifecycle, transient", test_lifecycle, &transient },
    { "lifecycle, persistent", test_lifecycle, &persistent },
    { "force_stop", test_force_stop, NULL },
    { "stop: a guest that hears the first request", test_stop_repeats_request, &heard_first },
    { "stop: a guest that misses the first request", test_stop_repeats_request, &missed_one },
    { "stop: a guest that misses five requests", test_stop_repeats_request, &missed_five },
    { "stale definition", test_stale_definition, NULL },
    { "foreign uuid", test_foreign_uuid, NULL },
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
