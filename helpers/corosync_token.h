/* Corosync's token timeout (totem.token) on this node, through libcmap: the
 * only module that links corosync's libraries.
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

struct vmg_token_value {
    bool present;       /* false: the key is absent (corosync.conf has no token:) */
    uint32_t ms;        /* meaningful when present */
};

/* Reads totem.token and the effective runtime.config.totem.token (may be
 * NULL).  -1 with *reason on failure, and *absent (may be NULL) when no
 * corosync answers here at all: at restore time that means the runtime
 * value we set went with the daemon. */
int vmg_corosync_token_get(struct vmg_token_value *configured, uint32_t *runtime_ms,
                           bool *absent, char **reason);

/* Sets (present) or deletes (!present) totem.token.  With wait_ms > 0 it then
 * waits until a token has been received after the change, i.e. until the new
 * timer is armed; -1 if that does not happen within wait_ms. */
int vmg_corosync_token_apply(const struct vmg_token_value *value, unsigned wait_ms,
                             char **reason);

/* Waits until a token is received after the call (the value set before it
 * is then armed); -1 if none comes within wait_ms. */
int vmg_corosync_wait_token_round(unsigned wait_ms, char **reason);

/* totem.hold, the time an idle ring's representative keeps the token.
 * Without the key corosync derives it from the token in force at every
 * change of a totem.* key (exec/totemconfig.c, totem_volatile_config_read()
 * run by totem_change_notify(): token_retransmit = token / (4 + 0.2), hold =
 * token_retransmit x 0.8 - 1000/HZ, about 0.19 x token), so a raised token
 * would lengthen it; a key set in cmap is used as is, and deleting it
 * derives it again.  Reads totem.hold (configured) and the value in force,
 * runtime.config.totem.hold (may be NULL); same contract as token_get. */
int vmg_corosync_hold_get(struct vmg_token_value *configured, uint32_t *runtime_ms,
                          bool *absent, char **reason);
/* Sets (present) or deletes (!present) totem.hold; in force at once (the
 * next hold uses it). */
int vmg_corosync_hold_apply(const struct vmg_token_value *value, char **reason);

/* Names (nodelist.node.X.name, else ring0_addr) of the other nodes in the
 * nodelist that are members now, NULL-terminated, caller frees with
 * vmg_strv_free (util.h).  -1 with *reason, and *absent (may be NULL) when
 * no corosync answers here. */
int vmg_corosync_other_nodes(char ***names, bool *absent, char **reason);

#endif
