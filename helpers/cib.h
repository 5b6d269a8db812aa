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

#endif
