/* HA-primary guard: which resources must move cold (see role_guard.h). */
#include <build-config.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "cluster.h"
#include "log.h"
#include "role_guard.h"
#define VMG_ROLE_GUARD_PRIV_H_ALLOW
#include "role_guard_priv.h"
#include "util.h"
#include "virt.h"

/* The CIB manager is local; an answer slower than this means it is stuck. */
#define ROLE_CIB_TIMEOUT_S 5

#define ROLE(field) offsetof(struct vmg_role_config, field)

const struct vmg_param vmg_role_params[] = {
    { "ha_primary", VMG_PARAM_BOOL, "false", ROLE(ha_primary), 0, 0, NULL },
    { "ha_primary_attribute", VMG_PARAM_STRING, NULL, ROLE(attribute), 0, 0, NULL },
    { "ha_primary_resource", VMG_PARAM_STRING, NULL, ROLE(resource), 0, 0, NULL },
};
const size_t vmg_role_params_count = sizeof(vmg_role_params) / sizeof(vmg_role_params[0]);

/* OCF exit codes a monitor reports for a promoted instance. */
#define OCF_RUNNING_PROMOTED 8
#define OCF_NOT_RUNNING_RC 7
#define OCF_FAILED_PROMOTED 9
/* op-status of an operation recorded while it runs (record-pending). */
#define OCF_PENDING_STATUS (-1)

/* ------------------------------------------------------- CIB evaluation */

/* Evaluates expr with $node, $attr and $rsc bound; NULL when nothing matched. */
static xmlXPathObjectPtr select_nodes(xmlXPathContextPtr xp, const char *expr)
{
    xmlXPathObjectPtr found = xmlXPathEvalExpression(BAD_CAST expr, xp);

    if (found && (found->type != XPATH_NODESET || xmlXPathNodeSetIsEmpty(found->nodesetval))) {
        xmlXPathFreeObject(found);
        return NULL;
    }
    return found;
}

static char *prop(xmlNode *node, const char *name)
{
    return (char *)xmlGetProp(node, BAD_CAST name);
}

/* One value of the attribute: -1 with *reason when it marks the resource. */
static int check_value(const struct vmg_role_config *cfg, const char *node, const char *kind,
                       const char *value, char **reason)
{
    bool truth = false;

    if (value == NULL || *value == '\0')
        return 0;               /* an attribute being deleted: no value, no mark */
    if (!vmg_parse_bool(value, &truth))
        /* Someone meant something by it: the cautious reading wins. */
        return vmg_error_set(reason, "the %s node attribute %s on %s has the non-boolean value "
                             "'%.40s', taken as marking it HA-primary", kind, cfg->attribute,
                             node, value);
    if (truth)
        return vmg_error_set(reason, "the %s node attribute %s=%s on %s marks it HA-primary",
                             kind, cfg->attribute, value, node);
    return 0;
}

/* Every value the attribute has on the node, permanent then transient. */
static int check_attribute(const struct vmg_role_config *cfg, const char *node,
                           xmlXPathContextPtr xp, char **reason)
{
    static const struct { const char *kind, *expr; } places[] = {
        { "permanent", "descendant-or-self::node[@uname=$node]/instance_attributes"
                       "/nvpair[@name=$attr]" },
        { "transient", "descendant-or-self::node_state[@uname=$node]/transient_attributes"
                       "/instance_attributes/nvpair[@name=$attr]" },
    };
    size_t p;
    int i, rc = 0;

    for (p = 0; p < sizeof(places) / sizeof(places[0]) && rc == 0; p++) {
        VMG_AUTOPTR(xmlXPathObjectPtr) found = NULL;

        found = select_nodes(xp, places[p].expr);
        for (i = 0; found && i < found->nodesetval->nodeNr && rc == 0; i++) {
            char *value = prop(found->nodesetval->nodeTab[i], "value");

            rc = check_value(cfg, node, places[p].kind, value, reason);
            xmlFree(value);
        }
    }
    return rc;
}

/* What one recorded operation says about the role. */
struct role_op {
    bool decisive;              /* it settles the role (else: ignored) */
    bool promoted;              /* ... as promoted (or possibly promoted) */
    bool pending;               /* still running: newer than any call-id */
};

/* Doubt is primary: a promote that failed, timed out or is pending may have
 * promoted the instance (an agent can fail after the application took the
 * role), and so may a monitor that found a failed promoted instance (rc 9).
 * A failed or pending demote settles nothing: the instance may well still
 * be promoted, so the operation that settled the role before it stands. */
static struct role_op classify(const char *operation, long rc_code, long status)
{
    struct role_op r = { false, false, status == OCF_PENDING_STATUS };
    bool done = status == 0;

    if (strcmp(operation, "promote") == 0) {
        r.decisive = true;
        r.promoted = true;
    } else if (strcmp(operation, "monitor") == 0 && !r.pending) {
        r.decisive = rc_code == OCF_FAILED_PROMOTED ||
                     (done && (rc_code == 0 || rc_code == OCF_NOT_RUNNING_RC ||
                               rc_code == OCF_RUNNING_PROMOTED));
        r.promoted = rc_code == OCF_RUNNING_PROMOTED || rc_code == OCF_FAILED_PROMOTED;
    } else if (strcmp(operation, "demote") == 0 || strcmp(operation, "start") == 0 ||
               strcmp(operation, "stop") == 0) {
        r.decisive = done && rc_code == 0;
    }
    return r;
}

/* Whether the instance's last operation that settled its role left it
 * promoted, or possibly promoted. */
static bool history_promoted(xmlNode *lrm_resource)
{
    long best_call = -1;
    bool promoted = false, pending_promote = false;
    xmlNode *op;

    for (op = lrm_resource->children; op; op = op->next) {
        char *operation, *call, *rc, *status;

        if (op->type != XML_ELEMENT_NODE || xmlStrcmp(op->name, BAD_CAST "lrm_rsc_op"))
            continue;
        operation = prop(op, "operation");
        call = prop(op, "call-id");
        rc = prop(op, "rc-code");
        status = prop(op, "op-status");
        if (operation && call && rc && status) {
            long call_id = strtol(call, NULL, 10);
            struct role_op r = classify(operation, strtol(rc, NULL, 10),
                                        strtol(status, NULL, 10));

            if (r.pending && r.promoted)
                pending_promote = true;
            else if (r.decisive && call_id >= 0 && call_id > best_call) {
                best_call = call_id;
                promoted = r.promoted;
            }
        }
        xmlFree(operation);
        xmlFree(call);
        xmlFree(rc);
        xmlFree(status);
    }
    return promoted || pending_promote;
}

/* lrm_resource ids are the primitive's id, with ":N" for unique clones. */
static bool is_instance_of(const char *lrm_id, const char *primitive)
{
    size_t len = strlen(primitive);

    return strncmp(lrm_id, primitive, len) == 0 && (lrm_id[len] == '\0' || lrm_id[len] == ':');
}

static bool any_instance_promoted(xmlXPathObjectPtr primitives, xmlXPathContextPtr xp)
{
    VMG_AUTOPTR(xmlXPathObjectPtr) history = NULL;
    bool promoted = false;
    int i, j;

    history = select_nodes(xp, "descendant-or-self::node_state[@uname=$node]"
                               "/lrm/lrm_resources/lrm_resource");
    for (i = 0; history && i < history->nodesetval->nodeNr && !promoted; i++) {
        char *lrm_id = prop(history->nodesetval->nodeTab[i], "id");

        for (j = 0; lrm_id && j < primitives->nodesetval->nodeNr && !promoted; j++) {
            char *primitive = prop(primitives->nodesetval->nodeTab[j], "id");

            promoted = primitive && is_instance_of(lrm_id, primitive) &&
                       history_promoted(history->nodesetval->nodeTab[i]);
            xmlFree(primitive);
        }
        xmlFree(lrm_id);
    }
    return promoted;
}

/* The clone (or the primitive) named by ha_primary_resource: promoted here? */
static int check_resource(const struct vmg_role_config *cfg, const char *node,
                          xmlXPathContextPtr xp, char **reason)
{
    VMG_AUTOPTR(xmlXPathObjectPtr) primitives = NULL;

    primitives = select_nodes(xp, "descendant-or-self::*[self::clone or self::master or "
                                  "self::group or self::primitive][@id=$rsc]"
                                  "/descendant-or-self::primitive");
    if (primitives == NULL)
        /* A typo would silently allow live migration: refuse instead. */
        return vmg_error_set(reason, "ha_primary_resource names %s, which is not a resource in "
                             "the CIB, so the resource is treated as HA-primary", cfg->resource);
    if (any_instance_promoted(primitives, xp))
        return vmg_error_set(reason, "%s is Promoted on %s, or its promotion there "
                             "failed, timed out or is pending, which marks it HA-primary "
                             "(ha_primary_resource)", cfg->resource, node);
    return 0;
}

static int bind_variables(xmlXPathContextPtr xp, const struct vmg_role_config *cfg,
                          const char *node)
{
    /* Bound values need no quoting: a name can hold any character. */
    if (xmlXPathRegisterVariable(xp, BAD_CAST "node", xmlXPathNewCString(node)) < 0 ||
        xmlXPathRegisterVariable(xp, BAD_CAST "attr",
                                 xmlXPathNewCString(cfg->attribute ? cfg->attribute : "")) < 0 ||
        xmlXPathRegisterVariable(xp, BAD_CAST "rsc",
                                 xmlXPathNewCString(cfg->resource ? cfg->resource : "")) < 0)
        return -1;
    return 0;
}

int vmg_role_check_cib(const struct vmg_role_config *cfg, const char *node, xmlNode *cib,
                       char **reason)
{
    VMG_AUTOPTR(xmlXPathContextPtr) xp = NULL;

    if (cib == NULL || cib->doc == NULL || node == NULL)
        return vmg_error_set(reason, "the CIB could not be read to check ha_primary_attribute "
                             "and ha_primary_resource, so the resource is treated as "
                             "HA-primary");
    xp = xmlXPathNewContext(cib->doc);
    if (xp == NULL || bind_variables(xp, cfg, node) < 0)
        return vmg_error_set(reason, "out of memory reading the CIB, so the resource is "
                             "treated as HA-primary");
    xp->node = cib;
    if (cfg->attribute && check_attribute(cfg, node, xp, reason) < 0)
        return -1;
    if (cfg->resource && check_resource(cfg, node, xp, reason) < 0)
        return -1;
    return 0;
}

/* ------------------------------------------------------------- the guard */

/* Only the local node's entries and the named resource: not the whole CIB. */
static char *role_xpath(const struct vmg_role_config *cfg, const char *node)
{
    char *xpath = NULL;
    int len;

    if (cfg->resource)
        len = asprintf(&xpath, "/cib/configuration/nodes/node[@uname='%s']"
                       " | /cib/status/node_state[@uname='%s']"
                       " | /cib/configuration/resources//*[@id='%s']", node, node,
                       cfg->resource);
    else
        len = asprintf(&xpath, "/cib/configuration/nodes/node[@uname='%s']"
                       " | /cib/status/node_state[@uname='%s']", node, node);
    return len < 0 ? NULL : xpath;
}

/* Reads what the marks need from the CIB into *answer (an empty answer when
 * nothing matched, which is not an unreadable CIB). */
static int read_cib(const struct vmg_role_config *cfg, const char *node, xmlNode **answer,
                    char **reason)
{
    VMG_AUTOFREE(char *) xpath = NULL;

    *answer = NULL;
    if (node == NULL || !vmg_cib_name_ok(node))
        return vmg_error_set(reason, "the local node name is unknown or unusable");
    if ((xpath = role_xpath(cfg, node)) == NULL)
        return vmg_error_set(reason, "out of memory");
    if (vmg_cluster_cib_query(xpath, ROLE_CIB_TIMEOUT_S, answer, reason) < 0)
        return -1;
    if (*answer == NULL && (*answer = vmg_cluster_cib_empty_answer(reason)) == NULL)
        return -1;
    return 0;
}

int vmg_role_check(const struct vmg_role_config *cfg, const struct vmg_env *env, char **reason)
{
    VMG_AUTOFREE(char *) why = NULL;
    char buf[VMG_CIB_NAME_MAX + 1];
    xmlNode *cib = NULL;
    const char *node;
    int rc;

    if (cfg->ha_primary)
        return vmg_error_set(reason, "it is marked HA-primary by its parameter ha_primary");
    if (cfg->resource && !vmg_cib_name_ok(cfg->resource))
        return vmg_error_set(reason, "ha_primary_resource is not a usable resource id, so the "
                             "resource is treated as HA-primary");
    if (cfg->attribute == NULL && cfg->resource == NULL)
        return 0;

    node = vmg_local_node_name(env, buf, sizeof(buf));
    if (read_cib(cfg, node, &cib, &why) < 0)
        qb_log(LOG_WARNING, "HA-primary check: %s", why);
    rc = vmg_role_check_cib(cfg, node, cib, reason);
    if (cib == NULL)
        qb_log(LOG_WARNING, "HA-primary check: treating the resource as HA-primary, "
               "since a cold migration is safe and a live one might not be");
    else if (rc < 0)
        qb_log(LOG_DEBUG, "HA-primary check: %s", *reason);
    vmg_cluster_cib_free(cib);
    return rc;
}
