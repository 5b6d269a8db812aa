/* Utilization attributes through libcib's file backend ($CIB_file, as every
 * Pacemaker tool honours it) and libvirt's test:/// driver: the values land
 * in the primitive's utilization set, an unchanged domain costs no CIB
 * access, and the CIB is not rewritten when it already agrees. */
#include <build-config.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "log.h"
#include "spawn.h"
#include "unit.h"
#include "utilization.h"
#include "virt.h"

#define NODE_URI "test://" TEST_DATA_DIR "/test-node.xml"

static char dir[] = "/tmp/vmg-util-XXXXXX";
static char cib_path[256];
static virConnectPtr conn;

static void copy_cib(void)
{
    char *data = NULL, *reason = NULL;

    if (vmg_read_small_file(TEST_DATA_DIR "/cib-utilization.xml", 65536, &data, &reason) < 0 ||
        data == NULL || vmg_write_atomic(cib_path, data, strlen(data), 0600, &reason) < 0) {
        printf("Bail out! %s\n", reason ? reason : "no test CIB");
        exit(1);
    }
    free(data);
}

/* The value of an attribute of resource in the CIB file, "" when absent. */
static char *attr(const char *resource, const char *name)
{
    char xpath[256];
    xmlDocPtr doc = xmlReadFile(cib_path, NULL, XML_PARSE_NONET);
    xmlXPathContextPtr xp = doc ? xmlXPathNewContext(doc) : NULL;
    xmlXPathObjectPtr obj;
    char *value = NULL;

    snprintf(xpath, sizeof(xpath),
             "string(//primitive[@id='%s']/utilization/nvpair[@name='%s']/@value)", resource,
             name);
    obj = xp ? xmlXPathEvalExpression(BAD_CAST xpath, xp) : NULL;
    value = strdup(obj && obj->stringval ? (const char *)obj->stringval : "?");
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(xp);
    xmlFreeDoc(doc);
    return value;
}

static int count_sets(const char *resource)
{
    char xpath[128];
    xmlDocPtr doc = xmlReadFile(cib_path, NULL, XML_PARSE_NONET);
    xmlXPathContextPtr xp = doc ? xmlXPathNewContext(doc) : NULL;
    xmlXPathObjectPtr obj;
    int n;

    snprintf(xpath, sizeof(xpath), "count(//primitive[@id='%s']/utilization)", resource);
    obj = xp ? xmlXPathEvalExpression(BAD_CAST xpath, xp) : NULL;
    n = obj ? (int)obj->floatval : -1;
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(xp);
    xmlFreeDoc(doc);
    return n;
}

#define CHECK_ATTR(resource, name, want) do { \
    char *got_attr_ = attr(resource, name); \
    CHECK_STR(got_attr_, want); \
    free(got_attr_); \
} while (0)

static void open_context(struct vmg_context *ctx, const char *resource)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->conn = conn;
    ctx->xml.name = (char *)"vm-running";
    ctx->env.resource = resource;
    ctx->env.state_dir = dir;
    ctx->deadline_ms = vmg_now_ms() + 20000;
    ctx->cfg.autoset_utilization_cpu = true;
    ctx->cfg.autoset_utilization_hv_memory = true;
    ctx->cfg.autoset_utilization_host_memory = true;
}

static enum vmg_utilization_outcome update(struct vmg_context *ctx)
{
    virDomainPtr dom = virDomainLookupByName(conn, "vm-running");
    enum vmg_utilization_outcome outcome = vmg_utilization_update(ctx, dom, false);

    virDomainFree(dom);
    return outcome;
}

static void test_written_then_cached(const void *data)
{
    struct vmg_context ctx;
    char *before = NULL, *after = NULL, *reason = NULL;

    copy_cib();
    open_context(&ctx, "vm1");
    CHECK_INT(update(&ctx), VMG_UTILIZATION_SYNCED);
    /* test-node.xml: vm-running has 65536 KiB and one vCPU. */
    CHECK_ATTR("vm1", "cpu", "1");
    CHECK_ATTR("vm1", "hv_memory", "64");
    CHECK_ATTR("vm1", "host_memory", "64");
    CHECK_INT(count_sets("vm1"), 1);

    /* Unchanged: the CIB is not even read (it is gone now). */
    unlink(cib_path);
    CHECK_INT(update(&ctx), VMG_UTILIZATION_CACHED);

    /* start forgets the cache: compared again, and a CIB that agrees is
     * not rewritten. */
    copy_cib();
    CHECK_INT(update(&ctx), VMG_UTILIZATION_CACHED);
    vmg_utilization_forget(&ctx);
    CHECK_INT(update(&ctx), VMG_UTILIZATION_SYNCED);
    vmg_read_small_file(cib_path, 65536, &before, &reason);
    vmg_utilization_forget(&ctx);
    CHECK_INT(update(&ctx), VMG_UTILIZATION_SYNCED);
    vmg_read_small_file(cib_path, 65536, &after, &reason);
    CHECK(before && after && strcmp(before, after) == 0);
    free(before);
    free(after);
    free(reason);
}

static void test_existing_set_and_unset(const void *data)
{
    struct vmg_context ctx;

    copy_cib();
    open_context(&ctx, "vm2:0");        /* a clone instance names its primitive */
    ctx.cfg.autoset_utilization_host_memory = false;
    ctx.cfg.unset_utilization_host_memory = true;
    CHECK_INT(update(&ctx), VMG_UTILIZATION_SYNCED);
    CHECK_ATTR("vm2", "cpu", "1");      /* was 8, in the administrator's set */
    CHECK_ATTR("vm2", "hv_memory", "64");
    CHECK_ATTR("vm2", "host_memory", "");
    CHECK_ATTR("vm2", "licenses", "1"); /* not ours: left alone */
    CHECK_INT(count_sets("vm2"), 1);

    /* unset_utilization_cpu removes it; autoset wins when both are true. */
    ctx.cfg.autoset_utilization_cpu = false;
    ctx.cfg.unset_utilization_cpu = true;
    CHECK_INT(update(&ctx), VMG_UTILIZATION_SYNCED);
    CHECK_ATTR("vm2", "cpu", "");
    ctx.cfg.autoset_utilization_hv_memory = false;
    ctx.cfg.unset_utilization_hv_memory = false;
    ctx.cfg.unset_utilization_cpu = false;
    ctx.cfg.unset_utilization_host_memory = false;
    CHECK_INT(update(&ctx), VMG_UTILIZATION_OFF);
}

/* A monitor without a cache takes the domain's values as the CIB's (a
 * resource VirtualDomain started) and writes only what changes later. */
static void test_seeded(const void *data)
{
    struct vmg_context ctx;
    virDomainPtr dom = virDomainLookupByName(conn, "vm-running");

    copy_cib();
    open_context(&ctx, "vm1");
    vmg_utilization_forget(&ctx);
    CHECK_INT(vmg_utilization_update(&ctx, dom, true), VMG_UTILIZATION_SEEDED);
    CHECK_ATTR("vm1", "cpu", "");               /* not written: the CIB not asked */
    CHECK_INT(vmg_utilization_update(&ctx, dom, true), VMG_UTILIZATION_CACHED);
    /* A change (here of what is asked) is written by the monitor. */
    ctx.cfg.autoset_utilization_host_memory = false;
    ctx.cfg.unset_utilization_host_memory = true;
    CHECK_INT(vmg_utilization_update(&ctx, dom, true), VMG_UTILIZATION_SYNCED);
    CHECK_ATTR("vm1", "cpu", "1");
    CHECK_ATTR("vm1", "host_memory", "");
    vmg_utilization_forget(&ctx);
    virDomainFree(dom);
}

/* Parameters turned on by a reload (no start): the next monitor writes
 * them, rather than take the domain's values as the CIB's. */
static void test_turned_on(const void *data)
{
    struct vmg_context ctx;
    virDomainPtr dom = virDomainLookupByName(conn, "vm-running");

    copy_cib();
    open_context(&ctx, "vm1");
    vmg_utilization_forget(&ctx);
    ctx.cfg.autoset_utilization_cpu = false;
    ctx.cfg.autoset_utilization_hv_memory = false;
    ctx.cfg.autoset_utilization_host_memory = false;
    CHECK_INT(vmg_utilization_update(&ctx, dom, false), VMG_UTILIZATION_OFF);   /* start */
    CHECK_INT(vmg_utilization_update(&ctx, dom, true), VMG_UTILIZATION_OFF);    /* monitor */
    CHECK_INT(count_sets("vm1"), 0);
    ctx.cfg.autoset_utilization_cpu = true;
    ctx.cfg.autoset_utilization_hv_memory = true;
    CHECK_INT(vmg_utilization_update(&ctx, dom, true), VMG_UTILIZATION_SYNCED);
    CHECK_ATTR("vm1", "cpu", "1");
    CHECK_ATTR("vm1", "hv_memory", "64");
    CHECK_INT(vmg_utilization_update(&ctx, dom, true), VMG_UTILIZATION_CACHED);
    vmg_utilization_forget(&ctx);
    virDomainFree(dom);
}

static void test_failures(const void *data)
{
    struct vmg_context ctx;
    virDomainPtr dom;

    copy_cib();
    open_context(&ctx, "not-in-cib");
    CHECK_INT(update(&ctx), VMG_UTILIZATION_FAILED);
    /* Not asked again until a start forgets it. */
    CHECK_INT(update(&ctx), VMG_UTILIZATION_CACHED);
    vmg_utilization_forget(&ctx);
    CHECK_INT(update(&ctx), VMG_UTILIZATION_FAILED);
    open_context(&ctx, "bad'name");
    CHECK_INT(update(&ctx), VMG_UTILIZATION_FAILED);
    /* A start whose write failed: the monitors try again, they do not
     * take the domain's values as written. */
    dom = virDomainLookupByName(conn, "vm-running");
    CHECK_INT(vmg_utilization_update(&ctx, dom, true), VMG_UTILIZATION_FAILED);
    CHECK_INT(vmg_utilization_update(&ctx, dom, true), VMG_UTILIZATION_FAILED);
    virDomainFree(dom);
    vmg_utilization_forget(&ctx);
    unlink(cib_path);
    open_context(&ctx, "vm1");
    vmg_utilization_forget(&ctx);
    CHECK_INT(update(&ctx), VMG_UTILIZATION_FAILED);
    /* No CIB at all: tried again by the next monitor. */
    CHECK_INT(update(&ctx), VMG_UTILIZATION_FAILED);
}

static const struct unit_case cases[] = {
    { "written, then cached", test_written_then_cached, NULL },
    { "an existing set, and unset", test_existing_set_and_unset, NULL },
    { "seeded by a monitor", test_seeded, NULL },
    { "turned on without a start", test_turned_on, NULL },
    { "failures are reported, not fatal", test_failures, NULL },
};

int main(void)
{
    char cache[300];

    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(cib_path, sizeof(cib_path), "%s/cib.xml", dir);
    setenv("CIB_file", cib_path, 1);
    vmg_log_init("unit", "test");
    vmg_virt_quiet();
    conn = virConnectOpen(NODE_URI);
    if (conn == NULL) {
        printf("Bail out! cannot open %s\n", NODE_URI);
        return 1;
    }
    UNIT_RUN(cases);
    virConnectClose(conn);
    unlink(cib_path);
    snprintf(cache, sizeof(cache), "%s/utilization-vm1", dir);
    unlink(cache);
    snprintf(cache, sizeof(cache), "%s/utilization-vm2:0", dir);
    unlink(cache);
    snprintf(cache, sizeof(cache), "%s/utilization-not-in-cib", dir);
    unlink(cache);
    CHECK(rmdir(dir) == 0);
    vmg_log_fini();
    return unit_done();
}
