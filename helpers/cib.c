/* The CIB through libcib: the only module that needs Pacemaker's libraries
 * (libcib, libcrmcommon), built into the cluster plugin, so an action that
 * reads no CIB runs without loading them (cluster.h). */
#include <build-config.h>

#include <errno.h>
#include <string.h>

#include <crm/cib.h>
#include <crm/common/results.h>
#include <crm/common/xml.h>

#include "cib.h"
#include "util.h"

int vmg_cib_query(const char *xpath, int timeout_s, xmlNode **result, char **reason)
{
    cib_t *cib = NULL;
    xmlNode *output = NULL;
    int rc, ret = -1;

    *result = NULL;
    *reason = NULL;
    /* Loads the CIB schemas, which the $CIB_file backend validates against. */
    crm_xml_init();
    /* cib_new() honours $CIB_file and $CIB_shadow like the command-line tools. */
    cib = cib_new();
    if (cib == NULL) {
        vmg_error_set(reason, "cannot allocate a CIB connection");
        goto cleanup;
    }
    rc = cib->cmds->signon(cib, "vmguard", cib_query);
    if (rc != pcmk_ok) {
        vmg_error_set(reason, "cannot connect to the CIB manager: %s", pcmk_strerror(rc));
        goto cleanup;
    }
    cib->call_timeout = timeout_s;
    rc = cib->cmds->query(cib, xpath, &output, cib_xpath | cib_scope_local | cib_sync_call);
    if (rc == -ENXIO) {
        ret = 0;                /* a valid CIB without what was asked for */
        goto cleanup;
    }
    if (rc != pcmk_ok) {
        vmg_error_set(reason, "CIB query failed: %s", pcmk_strerror(rc));
        goto cleanup;
    }
    *result = output;
    output = NULL;
    ret = 0;

cleanup:
    if (output)
        free_xml(output);
    if (cib)
        cib_delete(cib);        /* signs off when connected */
    return ret;
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
