/* Reading the CIB: the only module that links Pacemaker's libraries, part
 * of the cluster plugin (cluster.h), which the helper calls it through.
 *
 * A leaf of its own: the HA-primary guard and the split-brain check both
 * read the CIB, and the split-brain check took this from role_guard.c
 * before.  The answers are libxml2 trees (Pacemaker's xmlNode is libxml2's),
 * so the callers evaluate them with libxml2 alone. */
#ifndef VMG_CIB_H
#define VMG_CIB_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

/* Sends an XPath query to the local CIB manager (or to $CIB_file, as every
 * Pacemaker tool does).  0 with *result (free with vmg_cib_free) on a
 * match, 0 with *result NULL when nothing matched, -1 with *reason (caller
 * frees) when the CIB could not be read. */
int vmg_cib_query(const char *xpath, int timeout_s, xmlNode **result, char **reason);
void vmg_cib_free(xmlNode *result);

/* An empty answer (<xpath-query/>), to evaluate when nothing matched;
 * NULL out of memory.  Free with vmg_cib_free. */
xmlNode *vmg_cib_empty_answer(void);

/* Longest node or resource name looked up; real ones are host names and ids. */
#define VMG_CIB_NAME_MAX 255

/* One utilization attribute of a resource: value NULL removes it. */
struct vmg_cib_attr {
    const char *name;
    const char *value;
};

/* Why vmg_cib_set_utilization failed. */
enum vmg_cib_fault {
    VMG_CIB_FAILED,             /* the CIB refused or timed out */
    VMG_CIB_UNREACHABLE,        /* no CIB manager answered: outside a cluster */
    VMG_CIB_NO_RESOURCE,        /* no such primitive (a run by ocf-tester) */
};

/* Brings the utilization attributes of primitive resource to want (an
 * attribute not listed is left alone), as crm_resource --utilization does:
 * one query of the primitive, then one modify for the values that differ
 * and one remove per attribute to delete; nothing is written when the CIB
 * already agrees.  *written counts the attributes changed.  -1 with
 * *reason and *fault. */
int vmg_cib_set_utilization(const char *resource, const struct vmg_cib_attr *want, size_t n,
                            int timeout_s, unsigned *written, enum vmg_cib_fault *fault,
                            char **reason);

#endif
