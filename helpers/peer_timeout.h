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
 *   administrator's.
 * The guard is a family of files sharing peer_timeout_int.h (see there);
 * this header is all the rest of the helper sees of it. */
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

/* The migration a guard is raised for, when its domain may itself be a
 * member (guest:DOMAIN): the libvirt URI of the hypervisor it moves to. */
struct vmg_peer_move {
    const char *domain;
    const char *target_uri;
};

/* Raise every configured cluster's peer timeout on every member that
 * decides, wait until in force.  expected_pause_ms: the longest pause the
 * migration may cause; move (may be NULL): where the domain goes.  0 with
 * *guard NULL when nothing is configured.  -1 with *reason (caller frees)
 * when it could not: then nothing stays raised (members that did not
 * answer are left to this node's keeper). */
int vmg_peer_guard_raise(const struct vmg_peer_config *cfg, const struct vmg_env *env,
                         unsigned long long expected_pause_ms, const struct vmg_peer_move *move,
                         struct vmg_peer_guard **guard, char **reason);

/* The migration succeeded: the moved domain's restore goes to the target
 * first (without it, the source is tried first and found empty). */
void vmg_peer_guard_moved(struct vmg_peer_guard *guard);

/* Restore what raise changed (success, failure or abort alike), frees guard.
 * Logs every failure (what is left is restored by the next action); -1 with
 * *reason (reason may be NULL) when something was not put back.  NULL is a
 * no-op. */
int vmg_peer_guard_restore(struct vmg_peer_guard *guard, char **reason);

/* Restores leftovers of a helper that was killed while a guard was raised:
 * the first step of an action (start, stop, monitor, migrate_*, the
 * guardian), so whatever a killed migrate_to left raised is restored by the
 * next action that touches the domain.  Cheap when there is no state; logs
 * a failure.  Loads the peer_timeout_* parameters itself; an invalid one
 * skips it (validate-all and migrate_to report it). */
void vmg_peer_guard_recover_env(const struct vmg_env *env);

/* For validate-all: the parameters' syntax (cluster names, member words),
 * without contacting anything.  -1 with *reason naming the parameter. */
int vmg_peer_config_check(const struct vmg_peer_config *cfg, char **reason);

/* `vmguard peer-timeout ARGS...`: argv[0] is the sub-command.  An entry
 * point of main.c: an OCF code, after an exit reason. */
int vmg_peer_timeout_cli(int argc, char **argv);

#endif
