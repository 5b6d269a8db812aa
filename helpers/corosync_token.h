/* Corosync's token timeout (totem.token) on this node, through libcmap.
 *
 * Measured in the lab (docs/peer-timeout.md): a value set with libcmap is
 * local to the node, arms only at the next token receipt, and deleting the
 * key reverts to the built-in 3000 ms, not to corosync.conf.  We save and
 * restore totem.token, never runtime.config.totem.token, which includes
 * token_coefficient and would grow each time it was written back.
 * libcmap reaches only the corosync of the caller's network namespace. */
#ifndef VMG_COROSYNC_TOKEN_H
#define VMG_COROSYNC_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

/* Returned instead of -1 when no corosync answers here: at restore time
 * that means the runtime value we set is gone with the daemon. */
#define VMG_COROSYNC_NOT_RUNNING (-2)

struct vmg_token_value {
    bool present;       /* false: the key is absent (corosync.conf has no token:) */
    uint32_t ms;        /* meaningful when present */
};

/* Reads totem.token and the effective runtime.config.totem.token (may be
 * NULL).  0, -1 or VMG_COROSYNC_NOT_RUNNING, with *reason on failure. */
int vmg_corosync_token_get(struct vmg_token_value *configured, uint32_t *runtime_ms,
                           char **reason);

/* Sets (present) or deletes (!present) totem.token.  With wait_ms > 0 it then
 * waits until a token has been received after the change, i.e. until the new
 * timer is armed; -1 if that does not happen within wait_ms. */
int vmg_corosync_token_apply(const struct vmg_token_value *value, unsigned wait_ms,
                             char **reason);

/* Waits until a token is received after the call (the value set before it
 * is then armed); -1 if none comes within wait_ms. */
int vmg_corosync_wait_token_round(unsigned wait_ms, char **reason);

/* Names (nodelist.node.X.name, else ring0_addr) of the other nodes in the
 * nodelist that are members now, NULL-terminated, caller frees with
 * vmg_strv_free (util.h). */
int vmg_corosync_other_nodes(char ***names, char **reason);

#endif
