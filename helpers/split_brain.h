/* Split-brain guard: before start and migrate_from, look at the other
 * cluster nodes' hypervisors for the same domain already running there.
 *
 * "As far as can be seen": the peers come from the CIB's nodes section, and
 * each is asked through libvirt in a child process of its own, all at once,
 * within a bounded time.  A peer that cannot be reached in time counts as
 * not running it (fencing, not this check, covers a dead peer); the check
 * is skipped when there is no CIB to read (a run outside a cluster). */
#ifndef VMG_SPLIT_BRAIN_H
#define VMG_SPLIT_BRAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "context.h"
#include "migrate_uri.h"

/* Time one peer gets to answer (all peers are asked in parallel). */
#define VMG_SPLIT_BRAIN_PEER_MS 3000

struct vmg_split_brain_config {
    bool check;                 /* split_brain_check */
};

extern const struct vmg_param vmg_split_brain_params[];
extern const size_t vmg_split_brain_params_count;

/* The step of start and migrate_from that decides them (action layer):
 * OCF_ERR_GENERIC with an exit reason when the domain runs on another node
 * (but skip_node), else OCF_SUCCESS; loads split_brain_check and the
 * migration parameters itself (OCF_ERR_CONFIGURED when one is bad). */
int vmg_split_brain_guard(struct vmg_context *ctx, const char *skip_node);

#endif
