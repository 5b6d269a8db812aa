/* The split-brain check's steps below the guard, apart for its unit tests.
 * Only split_brain.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_SPLIT_BRAIN_PRIV_H_ALLOW
#error "split_brain_priv.h is for split_brain.c and its unit tests only"
#endif
#ifndef VMG_SPLIT_BRAIN_PRIV_H
#define VMG_SPLIT_BRAIN_PRIV_H

#include <stddef.h>

#include "split_brain.h"

/* -1 when ctx's domain (by UUID, or by name) is active on another node
 * than the local one and skip_node (e.g. the migration source), with
 * *reason "NAME already runs on NODE"; 0 when it was not seen anywhere.
 * Each peer is reached the way a migration to it would be (migration
 * parameters mig, see vmg_migration_daemon_uri).  Returns within
 * VMG_SPLIT_BRAIN_PEER_MS and within a third of the time left before
 * ctx->deadline_ms, plus a few milliseconds. */
int vmg_split_brain_check(struct vmg_context *ctx, const struct vmg_migrate_config *mig,
                          const char *skip_node, char **reason);

/* The same check without the CIB: ask n peers (nodes[i] at uris[i]) for
 * the domain, all in parallel, for at most budget_ms.  Same result as
 * vmg_split_brain_check(). */
int vmg_split_brain_probe(const char *const *nodes, const char *const *uris, size_t n,
                          const char *uuid, const char *name, long long budget_ms,
                          char **reason);

#endif
