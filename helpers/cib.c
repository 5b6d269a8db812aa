/* The CIB through libcib: the only module that needs Pacemaker's libraries
 * (libcib, libcrmcommon), built into the cluster plugin, so an action that
 * reads no CIB runs without loading them (cluster.h). */
#include <build-config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <crm/cib.h>
#include <crm/common/results.h>
#include <crm/common/xml.h>

#include "cib.h"
#include "util.h"

/* Pacemaker's types in scoped variables (util.h): the connection signs off
 * when deleted. */
typedef cib_t *vmg_cib_conn;
typedef xmlNode *vmg_cib_xml;
VMG_DEFINE_AUTOPTR(vmg_cib_conn, cib_delete)
VMG_DEFINE_AUTOPTR(vmg_cib_xml, free_xml)

int vmg_cib_query(const char *xpath, int timeout_s, xmlNode **result, char **reason)
{
    VMG_AUTOPTR(vmg_cib_conn) cib = NULL;
    VMG_AUTOPTR(vmg_cib_xml) output = NULL;
    int rc;

    *result = NULL;
    *reason = NULL;
    /* Loads the CIB schemas, which the $CIB_file backend validates against. */
    crm_xml_init();
    /* cib_new() honours $CIB_file and $CIB_shadow like the command-line tools. */
    cib = cib_new();
    if (cib == NULL)
        return vmg_error_set(reason, "cannot allocate a CIB connection");
    rc = cib->cmds->signon(cib, "vmguard", cib_query);
    if (rc != pcmk_ok)
        return vmg_error_set(reason, "cannot connect to the CIB manager: %s", pcmk_strerror(rc));
    cib->call_timeout = timeout_s;
    rc = cib->cmds->query(cib, xpath, &output, cib_xpath | cib_scope_local | cib_sync_call);
    if (rc == -ENXIO)
        return 0;               /* a valid CIB without what was asked for */
    if (rc != pcmk_ok)
        return vmg_error_set(reason, "CIB query failed: %s", pcmk_strerror(rc));
    *result = vmg_steal(&output);
    return 0;
}

void vmg_cib_free(xmlNode *result)
{
    if (result)
        free_xml(result);
}

xmlNode *vmg_cib_empty_answer(void)
{
    return create_xml_node(NULL, "xpath-query");
}

/* --- utilization -------------------------------------------------------- */

static bool same_text(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The nvpair of the first <utilization> of primitive, or NULL. */
static xmlNode *find_nvpair(xmlNode *utilization, const char *name)
{
    xmlNode *pair;

    for (pair = utilization ? utilization->children : NULL; pair; pair = pair->next)
        if (pair->type == XML_ELEMENT_NODE && strcmp((const char *)pair->name, "nvpair") == 0 &&
            same_text(crm_element_value(pair, "name"), name))
            return pair;
    return NULL;
}

static xmlNode *first_child(xmlNode *parent, const char *tag)
{
    xmlNode *child;

    for (child = parent ? parent->children : NULL; child; child = child->next)
        if (child->type == XML_ELEMENT_NODE && strcmp((const char *)child->name, tag) == 0)
            return child;
    return NULL;
}

/* The primitive itself from the answer of an XPath query. */
static xmlNode *answer_primitive(xmlNode *answer)
{
    if (answer && strcmp((const char *)answer->name, "primitive") == 0)
        return answer;
    return first_child(answer, "primitive");
}

/* <primitive id=R><utilization id=U><nvpair .../>...</utilization></primitive>
 * with the values that differ; *count of them. */
static xmlNode *build_update(const char *resource, xmlNode *utilization,
                             const struct vmg_cib_attr *want, size_t n, unsigned *count)
{
    char set_id[VMG_CIB_NAME_MAX + 16];
    xmlNode *top = create_xml_node(NULL, "primitive"), *set;
    size_t i;

    *count = 0;
    if (top == NULL)
        return NULL;
    snprintf(set_id, sizeof(set_id), "%s-utilization", resource);
    crm_xml_add(top, "id", resource);
    set = create_xml_node(top, "utilization");
    crm_xml_add(set, "id", utilization ? crm_element_value(utilization, "id") : set_id);
    for (i = 0; i < n; i++) {
        xmlNode *have = find_nvpair(utilization, want[i].name), *pair;
        char pair_id[sizeof(set_id) + 64];

        if (want[i].value == NULL ||
            (have && same_text(crm_element_value(have, "value"), want[i].value)))
            continue;
        snprintf(pair_id, sizeof(pair_id), "%s-%s", crm_element_value(set, "id"),
                 want[i].name);
        pair = create_xml_node(set, "nvpair");
        crm_xml_add(pair, "id", have ? crm_element_value(have, "id") : pair_id);
        crm_xml_add(pair, "name", want[i].name);
        crm_xml_add(pair, "value", want[i].value);
        (*count)++;
    }
    return top;
}

/* Removes the attributes want asks to remove that are there. */
static int remove_attrs(cib_t *cib, xmlNode *utilization, const struct vmg_cib_attr *want,
                        size_t n, unsigned *written, char **reason)
{
    size_t i;

    for (i = 0; i < n; i++) {
        xmlNode *have = want[i].value ? NULL : find_nvpair(utilization, want[i].name), *pair;
        int rc;

        if (have == NULL)
            continue;
        pair = create_xml_node(NULL, "nvpair");
        crm_xml_add(pair, "id", crm_element_value(have, "id"));
        rc = cib->cmds->remove(cib, "resources", pair, cib_sync_call);
        free_xml(pair);
        if (rc != pcmk_ok)
            return vmg_error_set(reason, "cannot remove utilization attribute %s: %s",
                                 want[i].name, pcmk_strerror(rc));
        (*written)++;
    }
    return 0;
}

static int write_utilization(cib_t *cib, const char *resource, xmlNode *primitive,
                             const struct vmg_cib_attr *want, size_t n, unsigned *written,
                             char **reason)
{
    xmlNode *utilization = first_child(primitive, "utilization");
    xmlNode *update = NULL;
    unsigned count = 0;
    int rc = pcmk_ok;

    update = build_update(resource, utilization, want, n, &count);
    if (update == NULL)
        return vmg_error_set(reason, "out of memory");
    if (count > 0)
        rc = cib->cmds->modify(cib, "resources", update, cib_sync_call);
    free_xml(update);
    if (rc != pcmk_ok)
        return vmg_error_set(reason, "cannot write the utilization of %s: %s", resource,
                             pcmk_strerror(rc));
    *written = count;
    return remove_attrs(cib, utilization, want, n, written, reason);
}

int vmg_cib_set_utilization(const char *resource, const struct vmg_cib_attr *want, size_t n,
                            int timeout_s, unsigned *written, enum vmg_cib_fault *fault,
                            char **reason)
{
    char xpath[VMG_CIB_NAME_MAX + 64];
    VMG_AUTOPTR(vmg_cib_conn) cib = NULL;   /* deleted last: writes $CIB_file */
    VMG_AUTOPTR(vmg_cib_xml) answer = NULL;
    xmlNode *primitive;
    int rc;

    *written = 0;
    *fault = VMG_CIB_FAILED;
    /* Checked by the caller (vmg_cluster_cib_set_utilization): the
     * plugin cannot call vmg_cib_name_ok back. */
    snprintf(xpath, sizeof(xpath), "//resources//primitive[@id='%s']", resource);
    crm_xml_init();
    if ((cib = cib_new()) == NULL)
        return vmg_error_set(reason, "cannot allocate a CIB connection");
    rc = cib->cmds->signon(cib, "vmguard", cib_command);
    if (rc != pcmk_ok) {
        *fault = VMG_CIB_UNREACHABLE;
        return vmg_error_set(reason, "cannot connect to the CIB manager: %s", pcmk_strerror(rc));
    }
    cib->call_timeout = timeout_s;
    rc = cib->cmds->query(cib, xpath, &answer, cib_xpath | cib_sync_call);
    primitive = rc == pcmk_ok ? answer_primitive(answer) : NULL;
    if (primitive == NULL && (rc == pcmk_ok || rc == -ENXIO)) {
        *fault = VMG_CIB_NO_RESOURCE;
        return vmg_error_set(reason, "resource %s is not a primitive in the CIB", resource);
    }
    if (primitive == NULL)
        return vmg_error_set(reason, "CIB query for %s failed: %s", resource, pcmk_strerror(rc));
    return write_utilization(cib, resource, primitive, want, n, written, reason);
}
