/* The peer-timeout guard is one concern split by sub-concern, as libqb
 * splits its logging (log.c, log_file.c, log_int.h):
 *   peer_timeout.c          parameters; the guard: raise, restore, recover
 *   peer_timeout_state.c    the state file, its lock, the holders
 *   peer_timeout_targets.c  what is raised: one backend per kind of value,
 *                           and the generic plan, apply and restore
 *   peer_timeout_local.c    this node's raise, release and recover
 *   peer_timeout_remote.c   the other members: words, ssh, guest agent
 *   peer_timeout_keeper.c   the detached keeper that restores at a holder's end
 *   peer_timeout_cli.c      `vmguard peer-timeout`
 * This header is theirs alone; the rest of the helper sees peer_timeout.h,
 * the unit tests peer_timeout_priv.h as well.
 *
 * State file (STATE_DIR/peer-timeout.state, 0600, replaced atomically, only
 * changed under the flock of STATE_DIR/peer-timeout.lock):
 *   vmguard-peer-timeout 1
 *   target corosync|corosync-hold|llt|llttab SAVED_PRESENT SAVED RAISED
 *   holder ID PID START EXPIRES
 *   remote ID EXPIRES MEMBER
 * A target line exists while we have a raised value to put back (for
 * corosync-hold, a pin: "0 V V", totem.hold set to the V in force, to be
 * deleted after totem.token is restored); holders
 * are the migrations (local, or a peer's by lease) that need it; remote
 * lines are the other members a local holder raised, to be restored there. */
#ifndef VMG_PEER_TIMEOUT_INT_H
#define VMG_PEER_TIMEOUT_INT_H

#include <stdbool.h>
#include <stddef.h>

#define VMG_PEER_TIMEOUT_PRIV_H_ALLOW
#include "peer_timeout_priv.h"

#define VMG_PT_LOCK_WAIT_MS 90000
/* A monitor must not wait for a raise in progress: that one is alive and
 * will restore; the next action looks again. */
#define VMG_PT_RECOVER_LOCK_WAIT_MS 3000
#define VMG_PT_DEFAULT_GUEST_HELPER "/usr/libexec/vmguard/vmguard"
#define VMG_PT_DEFAULT_STATE_DIR "/run/resource-agents/vmguard"
#define VMG_PT_MAX_HOLDERS 64
#define VMG_PT_MAX_REMOTES 256

struct vmg_pt_target {
    bool active;                    /* we have a raised value to put back */
    bool saved_present;
    unsigned long long saved, raised;
    /* Not in the file: an overlapping raise found our value high enough
     * and must still see it in force before its migration (0: no). */
    unsigned long long confirm;
};

struct vmg_pt_remote {
    char holder[VMG_PT_ID_MAX];
    char member[VMG_PT_MEMBER_MAX];
    unsigned long long expires;
};

struct vmg_pt_state {
    struct vmg_pt_target t[VMG_PT_T_COUNT];
    struct vmg_pt_holder h[VMG_PT_MAX_HOLDERS];
    size_t nh;
    struct vmg_pt_remote r[VMG_PT_MAX_REMOTES];
    size_t nr;
};

/* --- peer_timeout.c ----------------------------------------------------- */

/* VMG_PT_* bits as the CLI's --clusters spells them. */
const char *vmg_pt_clusters_text(unsigned clusters);

/* --- peer_timeout_state.c ----------------------------------------------- */

/* CLOCK_BOOTTIME seconds: leases survive a suspended host, not a reboot. */
unsigned long long vmg_pt_boot_seconds(void);
unsigned long long vmg_pt_boot_ms(void);
/* The boot-time second at which a lease of lease_s from now ends. */
unsigned long long vmg_pt_lease_end(unsigned long long lease_s);

/* False only when dir has no state file (a stat that fails otherwise, or
 * no memory, counts as one: then loading it says what is wrong). */
bool vmg_pt_state_exists(const char *dir);
/* An absent file loads as an empty state (nothing raised). */
int vmg_pt_state_load(const char *dir, struct vmg_pt_state *st, char **reason);
/* An empty state removes the file. */
int vmg_pt_state_save(const char *dir, const struct vmg_pt_state *st, char **reason);
/* Compared as written: the structs hold padding and unused slots. */
bool vmg_pt_state_changed(const struct vmg_pt_state *before, const struct vmg_pt_state *after);

/* Exclusive lock of dir's state against a concurrent migration of another
 * resource, within wait_ms; *fd is closed to unlock.  Sets *busy (may be
 * NULL) when it gave up because someone holds it. */
int vmg_pt_lock(const char *dir, int *fd, unsigned wait_ms, bool *busy, char **reason);

bool vmg_pt_holder_alive(const struct vmg_pt_holder *h);
bool vmg_pt_any_alive(const struct vmg_pt_state *st);
int vmg_pt_add_holder(struct vmg_pt_state *st, const struct vmg_pt_holder *holder,
                      char **reason);
void vmg_pt_remove_holder(struct vmg_pt_state *st, const char *id);
/* Records members (NULL-terminated, may be NULL) as raised by holder id. */
int vmg_pt_add_remotes(struct vmg_pt_state *st, const char *id, char *const *members,
                       unsigned long long expires, char **reason);
/* Drops holder id's remote lines, or only its line for member (not NULL). */
void vmg_pt_remove_remotes(struct vmg_pt_state *st, const char *id, const char *member);
bool vmg_pt_has_remotes(const struct vmg_pt_state *st, const char *id);

/* --- peer_timeout_targets.c --------------------------------------------- */

/* The kind a state file's word names; -1 for none. */
int vmg_pt_kind_by_name(const char *name);

/* Decides the new value of every target the request asks for; apply[k]
 * says which to write.  Never lowers a higher value, and adopts a value
 * someone else set over ours as the one to restore. */
int vmg_pt_plan(struct vmg_pt_state *st, const struct vmg_pt_request *req,
                bool apply[VMG_PT_T_COUNT], char **summary, char **reason);
/* The generic plan step for one target, wanting want (backend's unit). */
int vmg_pt_plan_value(enum vmg_pt_kind kind, struct vmg_pt_state *st, unsigned long long want,
                      bool apply[VMG_PT_T_COUNT], char **summary, char **reason);
/* Writes the planned values (under the state lock). */
int vmg_pt_apply(const struct vmg_pt_state *st, const bool apply[VMG_PT_T_COUNT],
                 char **reason);
/* Waits until the written values are in force (outside the lock). */
int vmg_pt_settle(const struct vmg_pt_state *st, const bool apply[VMG_PT_T_COUNT],
                  char **reason);
/* After a failed raise: a planned value that did not reach the cluster
 * must not stay recorded as ours, or the restore would take the older value
 * for an administrator's change and leave it raised. */
void vmg_pt_forget_unapplied(struct vmg_pt_state *st,
                             const struct vmg_pt_target before[VMG_PT_T_COUNT],
                             const bool apply[VMG_PT_T_COUNT]);
/* With no live holder left, puts every target back; failures stay in the
 * state for the next recover. */
int vmg_pt_restore_if_unheld(struct vmg_pt_state *st, char **reason);
/* Raises that outlived their state (llttab's line after a reboot). */
int vmg_pt_restore_orphans(char **reason);

/* --- peer_timeout_local.c ----------------------------------------------- */

/* vmg_pt_local_raise() that also records the remote members the holder is
 * about to raise, so a kill at any later point leaves them to recover. */
int vmg_pt_raise_here(const char *dir, const struct vmg_pt_request *req,
                      const struct vmg_pt_holder *holder, char *const *remotes,
                      unsigned long long remote_expires, char **summary, char **reason);
/* vmg_pt_local_release() that keeps, for a later recover, the remote
 * members in keep (NULL: none) that could not be restored. */
int vmg_pt_release_here(const char *dir, const char *holder_id, char *const *keep,
                        unsigned long long keep_until, char **reason);
int vmg_pt_recover_dir(const char *dir, bool llttab, const char *guest_helper, char **reason);
/* recover's two halves: this node's values only (quick: no transport), and
 * dead holders' remote members (all in parallel, bounded) then this node. */
int vmg_pt_recover_local(const char *dir, char **reason);
int vmg_pt_recover_remotes(const char *dir, const char *guest_helper, char **reason);

/* --- peer_timeout_keeper.c ---------------------------------------------- */

/* Makes sure a keeper watches dir's state: starts one, detached (double
 * fork, setsid, every descriptor closed; it outlives a SIGKILL of this
 * process), unless one runs already.  Costs a few ms. */
int vmg_pt_keeper_arm(const char *dir, bool llttab, const char *guest_helper, char **reason);

/* --- peer_timeout_remote.c ---------------------------------------------- */

/* Raises the peer timeouts for holder id at members, all within one
 * timeout: -1 with *reason naming the first member that failed; ok[i]
 * (n of them) says which answered that they raised. */
int vmg_pt_remote_raise(char *const *members, size_t n, const char *id,
                        const struct vmg_pt_request *req, unsigned long long lease_s,
                        const char *guest_helper, bool *ok, char **reason);
/* Restores holder id at members; returns the members that failed (NULL-
 * terminated, caller frees with vmg_strv_free; NULL if none), each logged. */
char **vmg_pt_remote_restore(char *const *members, size_t n, const char *id,
                             const char *guest_helper);
/* Restores holders ids[i] at members[i], all in parallel within one bound;
 * ok[i] tells which succeeded (each failure logged). */
void vmg_pt_remote_restore_each(char *const *members, char *const *ids, size_t n,
                                const char *guest_helper, bool *ok);

#endif
