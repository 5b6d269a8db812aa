/* HA-primary guard: a resource marked HA-primary is never live-migrated.
 *
 * migrate_to refuses such a resource with OCF_ERR_GENERIC; Pacemaker then
 * stops it on the source and starts it on the target (a cold migration),
 * with no ban and no fail-count.  The marks, any one of which is enough:
 * - the instance parameter ha_primary;
 * - the node attribute named by ha_primary_attribute, true-ish on the local
 *   node (permanent in the nodes section or transient in the status);
 * - the promotable clone named by ha_primary_resource, Promoted on the local
 *   node according to its operation history in the status section; a
 *   promote that failed, timed out or is pending counts as Promoted.
 * The last two read the CIB through libcib; when it cannot be read the
 * resource is treated as HA-primary, since a cold migration is always safe. */
#ifndef VMG_ROLE_GUARD_H
#define VMG_ROLE_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "config.h"

struct vmg_role_config {
    bool ha_primary;            /* ha_primary */
    char *attribute;            /* ha_primary_attribute, NULL = not used */
    char *resource;             /* ha_primary_resource, NULL = not used */
};

extern const struct vmg_param vmg_role_params[];
extern const size_t vmg_role_params_count;

/* 0 when the resource may be live-migrated from the local node; -1 when it
 * is HA-primary there, with *reason naming the mark that matched, for the
 * exit reason.  An unreadable CIB counts as a mark (and is logged): a cold
 * migration is always safe. */
int vmg_role_check(const struct vmg_role_config *cfg, const struct vmg_env *env, char **reason);

#endif
