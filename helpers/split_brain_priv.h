/* The split-brain check without the CIB: ask n peers (nodes[i] at
 * uris[i]) for the domain, all in parallel, for at most budget_ms.  Same
 * result as vmg_split_brain_check().
 * Only split_brain.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_SPLIT_BRAIN_PRIV_H_ALLOW
#error "split_brain_priv.h is for split_brain.c and its unit tests only"
#endif
#ifndef VMG_SPLIT_BRAIN_PRIV_H
#define VMG_SPLIT_BRAIN_PRIV_H

#include <stddef.h>

#include "split_brain.h"

int vmg_split_brain_probe(const char *const *nodes, const char *const *uris, size_t n,
                          const char *uuid, const char *name, long long budget_ms,
                          char **reason);

#endif
