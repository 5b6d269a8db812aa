/* The HA-primary decision on a CIB the unit tests hand in.
 * Only role_guard.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_ROLE_GUARD_PRIV_H_ALLOW
#error "role_guard_priv.h is for role_guard.c and its unit tests only"
#endif
#ifndef VMG_ROLE_GUARD_PRIV_H
#define VMG_ROLE_GUARD_PRIV_H

#include <libxml/tree.h>

#include "role_guard.h"

/* The CIB part of the decision, on an XML tree that holds (at any depth)
 * the local node's <node> and <node_state> and the configured resource's
 * element: the whole CIB, or the answer of the query that vmg_role_check()
 * sends.  cib NULL means "unreadable".  Same result as vmg_role_check(). */
int vmg_role_check_cib(const struct vmg_role_config *cfg, const char *node, xmlNode *cib,
                       char **reason);

#endif
