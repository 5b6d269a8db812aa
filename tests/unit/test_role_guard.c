/* HA-primary guard: the parameter, node attributes (permanent, transient,
 * true, false, absent), the role of a promotable clone from its operation
 * history, and the fail-safe answer when the CIB cannot be read.  The CIBs
 * in tests/data were made by crm_simulate (promoted on cl-n1, then moved to
 * cl-n2); libcib reads them through $CIB_file, as for any Pacemaker tool. */
#include <build-config.h>

#include <stdlib.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "log.h"
#define VMG_ROLE_GUARD_PRIV_H_ALLOW
#include "role_guard_priv.h"
#include "unit.h"

#define CIB_ROLE TEST_DATA_DIR "/cib-role.xml"
#define CIB_MOVED TEST_DATA_DIR "/cib-role-moved.xml"

static struct vmg_role_config config(const char *attribute, const char *resource)
{
    struct vmg_role_config cfg = {
        .ha_primary = false, .attribute = (char *)attribute, .resource = (char *)resource,
    };
    return cfg;
}

/* The decision on a CIB file, the why checked for a word when marked. */
static bool on_file(const char *file, const char *node, const char *attribute,
                    const char *resource, const char *why_has)
{
    struct vmg_role_config cfg = config(attribute, resource);
    xmlDocPtr doc = xmlReadFile(file, NULL, XML_PARSE_NONET);
    char *why = NULL;
    bool marked;

    if (doc == NULL) {
        printf("Bail out! cannot parse %s\n", file);
        exit(1);
    }
    marked = vmg_role_check_cib(&cfg, node, xmlDocGetRootElement(doc), &why) < 0;
    if (marked)
        printf("# %s: %s\n", node, why ? why : "(no why)");
    CHECK(marked ? why != NULL && (!why_has || strstr(why, why_has)) : why == NULL);
    free(why);
    xmlFreeDoc(doc);
    return marked;
}

static bool on_text(const char *xml, const char *node, const char *resource)
{
    struct vmg_role_config cfg = config(NULL, resource);
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "inline.xml", NULL, XML_PARSE_NONET);
    char *why = NULL;
    bool marked;

    if (doc == NULL) {
        printf("Bail out! cannot parse inline CIB\n");
        exit(1);
    }
    marked = vmg_role_check_cib(&cfg, node, xmlDocGetRootElement(doc), &why) < 0;
    free(why);
    xmlFreeDoc(doc);
    return marked;
}

static void test_parameters(const void *data)
{
    struct vmg_role_config cfg = config(NULL, NULL);
    struct vmg_env env = { .local_node = "cl-n1" };
    char *why = NULL, *reason = NULL;

    unsetenv("OCF_RESKEY_ha_primary");
    CHECK_INT(vmg_params_load(vmg_role_params, vmg_role_params_count, &cfg, &reason), 0);
    CHECK(!cfg.ha_primary && cfg.attribute == NULL && cfg.resource == NULL);
    CHECK_INT(vmg_role_check(&cfg, &env, &why), 0);
    CHECK(why == NULL);

    setenv("OCF_RESKEY_ha_primary", "yes", 1);
    CHECK_INT(vmg_params_load(vmg_role_params, vmg_role_params_count, &cfg, &reason), 0);
    CHECK(cfg.ha_primary);
    CHECK_INT(vmg_role_check(&cfg, &env, &why), -1);
    CHECK(why && strstr(why, "parameter ha_primary"));
    free(why);
    vmg_params_free(vmg_role_params, vmg_role_params_count, &cfg);

    setenv("OCF_RESKEY_ha_primary", "maybe", 1);
    CHECK_INT(vmg_params_load(vmg_role_params, vmg_role_params_count, &cfg, &reason), -1);
    CHECK(reason && strstr(reason, "ha_primary"));
    free(reason);
    unsetenv("OCF_RESKEY_ha_primary");
}

static void test_node_attribute(const void *data)
{
    /* Permanent: ha-primary=true on cl-n1, false on cl-n2. */
    CHECK(on_file(CIB_ROLE, "cl-n1", "ha-primary", NULL, "permanent"));
    CHECK(!on_file(CIB_ROLE, "cl-n2", "ha-primary", NULL, NULL));
    /* Transient: vm-pin=yes on cl-n2, 0 on cl-n1. */
    CHECK(on_file(CIB_ROLE, "cl-n2", "vm-pin", NULL, "transient"));
    CHECK(!on_file(CIB_ROLE, "cl-n1", "vm-pin", NULL, NULL));
    /* Absent attribute, unknown node. */
    CHECK(!on_file(CIB_ROLE, "cl-n1", "no-such-attribute", NULL, NULL));
    CHECK(!on_file(CIB_ROLE, "cl-n9", "ha-primary", NULL, NULL));
}

static void test_promoted_clone(const void *data)
{
    CHECK(on_file(CIB_ROLE, "cl-n1", NULL, "db-clone", "Promoted"));
    CHECK(!on_file(CIB_ROLE, "cl-n2", NULL, "db-clone", NULL));
    /* The primitive's own id works too. */
    CHECK(on_file(CIB_ROLE, "cl-n1", NULL, "db", "Promoted"));
    /* After the move: promote then demote on cl-n1, promote on cl-n2. */
    CHECK(!on_file(CIB_MOVED, "cl-n1", NULL, "db-clone", NULL));
    CHECK(on_file(CIB_MOVED, "cl-n2", NULL, "db-clone", "Promoted"));
    /* Either mark is enough. */
    CHECK(on_file(CIB_MOVED, "cl-n2", "ha-primary", "db-clone", "Promoted"));
    CHECK(on_file(CIB_MOVED, "cl-n1", "ha-primary", "db-clone", "attribute"));
    /* A name that is no resource is a mistake: refuse rather than migrate. */
    CHECK(on_file(CIB_ROLE, "cl-n2", NULL, "db-typo", "not a resource"));
}

#define NODE_STATE(ops) \
    "<xpath-query><primitive id='db'/><node_state uname='n1'><lrm><lrm_resources>" \
    "<lrm_resource id='db:0'>" ops "</lrm_resource></lrm_resources></lrm></node_state>" \
    "</xpath-query>"
#define OP(name, call, rc, status) \
    "<lrm_rsc_op operation='" name "' call-id='" call "' rc-code='" rc "' op-status='" status "'/>"

static void test_history(const void *data)
{
    CHECK(on_text(NODE_STATE(OP("monitor", "1", "8", "0")), "n1", "db"));     /* a probe */
    CHECK(!on_text(NODE_STATE(OP("monitor", "1", "7", "0")), "n1", "db"));
    CHECK(on_text(NODE_STATE(OP("start", "2", "0", "0") OP("promote", "3", "0", "0")), "n1",
                  "db"));
    /* Entries are not in call order in the status section. */
    CHECK(!on_text(NODE_STATE(OP("demote", "5", "0", "0") OP("promote", "3", "0", "0")), "n1",
                   "db"));
    /* A failed demote settles nothing: the instance may still be promoted. */
    CHECK(on_text(NODE_STATE(OP("promote", "3", "0", "0") OP("demote", "5", "1", "0")), "n1",
                  "db"));
    CHECK(on_text(NODE_STATE(OP("promote", "3", "0", "0") OP("demote", "5", "0", "2")), "n1",
                  "db"));
    CHECK(!on_text(NODE_STATE(OP("demote", "5", "0", "0") OP("stop", "6", "0", "0")), "n1",
                   "db"));
}

/* Doubt is primary: a promote that failed, timed out or is still pending
 * may have promoted the instance, so it counts as Promoted until an
 * operation that settles the role says otherwise. */
static void test_doubt(const void *data)
{
    /* Failed (rc 1), timed out (op-status 2), error (op-status 4). */
    CHECK(on_text(NODE_STATE(OP("start", "2", "0", "0") OP("promote", "3", "1", "0")), "n1",
                  "db"));
    CHECK(on_text(NODE_STATE(OP("start", "2", "0", "0") OP("promote", "3", "198", "2")), "n1",
                  "db"));
    CHECK(on_text(NODE_STATE(OP("start", "2", "0", "0") OP("promote", "3", "1", "4")), "n1",
                  "db"));
    /* Pending (record-pending: call-id -1, op-status -1) is the newest. */
    CHECK(on_text(NODE_STATE(OP("start", "2", "0", "0") OP("promote", "-1", "193", "-1")),
                  "n1", "db"));
    CHECK(on_text(NODE_STATE(OP("start", "2", "0", "0") OP("monitor", "4", "0", "0")
                             OP("promote", "-1", "193", "-1")), "n1", "db"));
    /* A pending demote has not demoted anything yet. */
    CHECK(on_text(NODE_STATE(OP("promote", "3", "0", "0") OP("demote", "-1", "193", "-1")),
                  "n1", "db"));
    /* A monitor that found a failed promoted instance (rc 9). */
    CHECK(on_text(NODE_STATE(OP("start", "2", "0", "0") OP("monitor", "4", "9", "0")), "n1",
                  "db"));
    /* Settled afterwards: the recovery's demote or stop wins. */
    CHECK(!on_text(NODE_STATE(OP("promote", "3", "1", "0") OP("demote", "4", "0", "0")), "n1",
                   "db"));
    CHECK(!on_text(NODE_STATE(OP("promote", "3", "198", "2") OP("stop", "5", "0", "0")), "n1",
                   "db"));
    /* A pending start or stop says nothing about the role. */
    CHECK(!on_text(NODE_STATE(OP("start", "-1", "193", "-1")), "n1", "db"));
    CHECK(!on_text(NODE_STATE(OP("promote", "3", "0", "0") OP("stop", "6", "0", "0")), "n1",
                   "db"));
    /* Another resource's history, or another node's, does not count. */
    CHECK(!on_text("<xpath-query><primitive id='db'/><node_state uname='n1'><lrm><lrm_resources>"
                   "<lrm_resource id='dbx'>" OP("promote", "3", "0", "0") "</lrm_resource>"
                   "</lrm_resources></lrm></node_state></xpath-query>", "n1", "db"));
    CHECK(!on_text(NODE_STATE(OP("promote", "3", "0", "0")), "n2", "db"));
}

/* Through libcib, on a copy of a CIB file (the file backend may rewrite it). */
static bool through_libcib(const char *file, const char *node, const char *attribute,
                           const char *resource)
{
    struct vmg_role_config cfg = config(attribute, resource);
    struct vmg_env env = { .local_node = node };
    char path[] = "/tmp/vmg-test-cib-XXXXXX";
    char command[512];
    char *why = NULL;
    bool marked;
    int fd = mkstemp(path);

    if (fd < 0) {
        printf("Bail out! mkstemp\n");
        exit(1);
    }
    close(fd);
    snprintf(command, sizeof(command), "cp '%s' '%s'", file, path);
    if (system(command) != 0) {
        printf("Bail out! %s\n", command);
        exit(1);
    }
    setenv("CIB_file", path, 1);
    marked = vmg_role_check(&cfg, &env, &why) < 0;
    printf("# libcib %s on %s: %s\n", file, node, why ? why : "not HA-primary");
    unsetenv("CIB_file");
    unlink(path);
    free(why);
    return marked;
}

static void test_libcib(const void *data)
{
    CHECK(through_libcib(CIB_ROLE, "cl-n1", "ha-primary", NULL));
    CHECK(!through_libcib(CIB_ROLE, "cl-n2", "ha-primary", NULL));
    CHECK(through_libcib(CIB_ROLE, "cl-n2", "vm-pin", NULL));
    CHECK(through_libcib(CIB_ROLE, "cl-n1", NULL, "db-clone"));
    CHECK(!through_libcib(CIB_ROLE, "cl-n2", NULL, "db-clone"));
    CHECK(through_libcib(CIB_MOVED, "cl-n2", "ha-primary", "db-clone"));
    CHECK(!through_libcib(CIB_MOVED, "cl-n1", "vm-pin", "db-clone"));
    /* Nothing about this node in the CIB: an empty answer, not a failure. */
    CHECK(!through_libcib(CIB_ROLE, "cl-n9", "ha-primary", NULL));
}

static void test_unreadable(const void *data)
{
    struct vmg_role_config cfg = config("ha-primary", NULL);
    struct vmg_env env = { .local_node = "cl-n1" };
    char *why = NULL;

    CHECK_INT(vmg_role_check_cib(&cfg, "cl-n1", NULL, &why), -1);
    CHECK(why && strstr(why, "could not be read"));
    free(why);
    why = NULL;

    setenv("CIB_file", "/nonexistent/cib.xml", 1);
    CHECK_INT(vmg_role_check(&cfg, &env, &why), -1);
    CHECK(why && strstr(why, "could not be read"));
    free(why);
    why = NULL;
    cfg = config(NULL, "db-clone");
    CHECK_INT(vmg_role_check(&cfg, &env, &why), -1);
    free(why);
    why = NULL;
    /* Not configured: the CIB is not even read. */
    cfg = config(NULL, NULL);
    CHECK_INT(vmg_role_check(&cfg, &env, &why), 0);
    CHECK(why == NULL);
    unsetenv("CIB_file");

    /* An id that cannot be a CIB id is refused without a query. */
    cfg = config(NULL, "db'] | //*[@id='x");
    CHECK_INT(vmg_role_check(&cfg, &env, &why), -1);
    CHECK(why && strstr(why, "not a usable"));
    free(why);
    why = NULL;
}

static const struct unit_case cases[] = {
    { "parameters", test_parameters, NULL },
    { "node attribute", test_node_attribute, NULL },
    { "promoted clone", test_promoted_clone, NULL },
    { "operation history", test_history, NULL },
    { "doubt is primary", test_doubt, NULL },
    { "libcib", test_libcib, NULL },
    { "unreadable CIB", test_unreadable, NULL },
};

int main(void)
{
    vmg_log_init("unit", "test");
    UNIT_RUN(cases);
    vmg_log_fini();
    return unit_done();
}
