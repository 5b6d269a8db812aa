/* Peer-timeout guard: raise the peer-failure timeout of the clusters a live
 * migration could disturb (Corosync totem.token, Veritas LLT peerinact) on
 * every member whose timeout decides, and always put it back.
 *
 * Design and the measurements it rests on: docs/peer-timeout.md.  In short:
 * - the survivors' timeout decides, so the guard raises it on this node and
 *   on the other members (host-cluster peers through ssh running
 *   `vmguard peer-timeout raise`, guest-cluster members through the QEMU
 *   guest agent running the same command inside the guest);
 * - every node keeps its own state under the state directory: the values it
 *   saved and the holders of the raise (one per migration, with a pid or a
 *   lease), written before anything is raised, so the next action after a
 *   killed helper restores, and the last holder to go restores;
 * - a restore leaves a value that is no longer the one we set: it is the
 *   administrator's. */
#ifndef VMG_PEER_TIMEOUT_H
#define VMG_PEER_TIMEOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct vmg_peer_config {
    char *clusters;             /* peer_timeout_clusters: "corosync", "llt", both; NULL = off */
    char *members;              /* peer_timeout_members: local, cluster, ssh:HOST, guest:DOM[@URI] */
    unsigned long long max_ms;  /* peer_timeout_max */
    unsigned long long margin_ms;   /* peer_timeout_margin */
    bool llt_required;          /* peer_timeout_llt_required */
    bool llttab;                /* peer_timeout_llttab */
    char *guest_helper;         /* peer_timeout_guest_helper */
};

extern const struct vmg_param vmg_peer_params[];
extern const size_t vmg_peer_params_count;

struct vmg_peer_guard;

/* Raise every configured cluster's peer timeout on every member that
 * decides, wait until in force.  expected_pause_ms: the longest pause the
 * migration may cause.  0 with *guard NULL when nothing is configured.
 * -1 with *reason (caller frees) when it could not: then nothing stays raised. */
int vmg_peer_guard_raise(const struct vmg_peer_config *cfg, const struct vmg_env *env,
                         unsigned long long expected_pause_ms, struct vmg_peer_guard **guard,
                         char **reason);

/* Restore what raise changed (success, failure or abort alike), frees guard.
 * Logs failures; returns 0 or -1.  NULL is a no-op. */
int vmg_peer_guard_restore(struct vmg_peer_guard *guard);

/* Restore leftovers of a helper that was killed while a guard was raised;
 * called first by start/stop/monitor/migrate_*.  Cheap when there is no state. */
int vmg_peer_guard_recover(const struct vmg_peer_config *cfg, const struct vmg_env *env);

/* For validate-all: the parameters' syntax (cluster names, member words),
 * without contacting anything.  -1 with *reason naming the parameter. */
int vmg_peer_config_check(const struct vmg_peer_config *cfg, char **reason);

/* `vmguard peer-timeout ARGS...`: argv[0] is the sub-command. */
int vmg_peer_timeout_cli(int argc, char **argv);

/* ------------------------------------------------------------------------
 * This node's part, used by the above, the CLI and the unit tests. */

enum {
    VMG_PT_COROSYNC = 1,
    VMG_PT_LLT = 2,
};

#define VMG_PT_ID_MAX 160

/* What one holder asks of this node. */
struct vmg_pt_request {
    unsigned clusters;              /* VMG_PT_* bits */
    unsigned long long pause_ms, margin_ms, max_ms;
    bool llt_required, llttab;
};

/* One migration holding the raise: alive while its process (pid + start
 * time, against pid reuse) lives, or, for a raise requested by a peer
 * (pid 0), until its lease expires (CLOCK_BOOTTIME seconds). */
struct vmg_pt_holder {
    char id[VMG_PT_ID_MAX];
    long pid;
    unsigned long long start;
    unsigned long long expires;
};

/* Parses "corosync,llt" into VMG_PT_* bits; -1 on an unknown name. */
int vmg_pt_parse_clusters(const char *text, unsigned *clusters);

/* Value to set: pause + margin, for Corosync divided by 0.8 because an idle
 * ring holds the token for ~0.19 x token (measured), capped at max_ms. */
unsigned long long vmg_pt_wanted_ms(const struct vmg_pt_request *req, unsigned cluster);

/* Fills holder for the calling process. */
int vmg_pt_holder_self(struct vmg_pt_holder *holder, const char *node, const char *resource);

/* Raises this node's timeouts for holder and records it (state first).
 * *summary (may be NULL) says what was done. */
int vmg_pt_local_raise(const char *state_dir, const struct vmg_pt_request *req,
                       const struct vmg_pt_holder *holder, char **summary, char **reason);

/* Drops holder; when no live holder remains, restores what was saved,
 * leaving any value that is no longer ours.  0 also when holder is unknown. */
int vmg_pt_local_release(const char *state_dir, const char *holder_id, char **reason);

/* Drops dead holders (restoring at their remote members first) and restores
 * when none is left.  llttab: also look for our marker in llttab. */
int vmg_pt_local_recover(const char *state_dir, bool llttab, char **reason);

#endif
