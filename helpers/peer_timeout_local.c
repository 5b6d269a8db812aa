/* Peer-timeout guard: this node's part.  A raise records its holder (and
 * the remote members it is about to raise) in the state before any value
 * changes, so a helper killed at any point leaves a record; a release
 * drops its holder and restores when no live holder is left; recover, run
 * first by every action, does the same for holders that died. */
#include <build-config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "peer_timeout_int.h"
#include "util.h"

/* Only this node's part of a failed raise: the caller restores the remote
 * members. */
static void undo_raise(const char *dir, struct vmg_pt_state *st,
                       const struct vmg_pt_target before[VMG_PT_T_COUNT],
                       const bool apply[VMG_PT_T_COUNT], const char *holder_id)
{
    VMG_AUTOFREE(char *) why = NULL;

    vmg_pt_forget_unapplied(st, before, apply);
    vmg_pt_remove_holder(st, holder_id);
    vmg_pt_restore_if_unheld(st, &why);
    if (vmg_pt_state_save(dir, st, &why) < 0)
        qb_log(LOG_ERR, "peer-timeout state not saved after a failed raise: %s", why);
}

/* Records holder and its remote members, plans and writes this node's
 * values; the caller holds the lock. */
static int raise_locked(const char *dir, struct vmg_pt_state *st,
                        const struct vmg_pt_request *req, const struct vmg_pt_holder *holder,
                        char *const *remotes, unsigned long long remote_expires,
                        bool apply[VMG_PT_T_COUNT], char **summary, char **reason)
{
    struct vmg_pt_target before[VMG_PT_T_COUNT];

    if (vmg_pt_state_load(dir, st, reason) < 0 || vmg_pt_add_holder(st, holder, reason) < 0 ||
        vmg_pt_add_remotes(st, holder->id, remotes, remote_expires, reason) < 0)
        return -1;
    memcpy(before, st->t, sizeof(before));
    /* Persist first: a helper killed from here on is restored by the next action. */
    if (vmg_pt_plan(st, req, apply, summary, reason) < 0 ||
        vmg_pt_state_save(dir, st, reason) < 0 || vmg_pt_apply(st, apply, reason) < 0) {
        undo_raise(dir, st, before, apply, holder->id);
        return -1;
    }
    return 0;
}

int vmg_pt_raise_here(const char *dir, const struct vmg_pt_request *req,
                      const struct vmg_pt_holder *holder, char *const *remotes,
                      unsigned long long remote_expires, char **summary, char **reason)
{
    VMG_AUTOFREE(struct vmg_pt_state *) st = NULL;
    VMG_AUTOFREE(char *) done = NULL;
    VMG_AUTOFREE(char *) why = NULL;
    VMG_AUTOCLOSE int fd = -1;
    bool apply[VMG_PT_T_COUNT] = { false };
    int rc;

    if (summary)
        *summary = NULL;
    if ((st = calloc(1, sizeof(*st))) == NULL)
        return vmg_error_set(reason, "out of memory");
    if (vmg_pt_lock(dir, &fd, VMG_PT_LOCK_WAIT_MS, NULL, reason) < 0)
        return -1;
    rc = raise_locked(dir, st, req, holder, remotes, remote_expires, apply, &done, reason);
    vmg_close(&fd);
    if (rc < 0)
        return -1;
    /* Recorded: from now on the keeper ends the raise even if this process
     * is killed.  A keeper that cannot start leaves the next action to it. */
    if (req->keeper && vmg_pt_keeper_arm(dir, req->llttab, req->guest_helper, &why) < 0) {
        qb_log(LOG_ERR, "no keeper for the peer-timeout state: %s (the next vmguard action "
               "here restores)", why);
        free(why);
        why = NULL;
    }
    /* Outside the lock, so a monitor's recover or another migration is not
     * held up by Corosync's token round. */
    if (vmg_pt_settle(st, apply, reason) < 0) {
        if (vmg_pt_release_here(dir, holder->id, NULL, 0, &why) < 0)
            qb_log(LOG_ERR, "after the failed raise, restoring failed too: %s", why);
        return -1;
    }
    if (summary)
        *summary = vmg_steal(&done);
    return 0;
}

int vmg_pt_local_raise(const char *state_dir, const struct vmg_pt_request *req,
                       const struct vmg_pt_holder *holder, char **summary, char **reason)
{
    return vmg_pt_raise_here(state_dir, req, holder, NULL, 0, summary, reason);
}

int vmg_pt_release_here(const char *dir, const char *holder_id, char *const *keep,
                        unsigned long long keep_until, char **reason)
{
    VMG_AUTOFREE(struct vmg_pt_state *) st = NULL;
    VMG_AUTOFREE(char *) why = NULL;
    VMG_AUTOCLOSE int fd = -1;
    int rc;

    if ((st = calloc(1, sizeof(*st))) == NULL)
        return vmg_error_set(reason, "out of memory");
    if (vmg_pt_lock(dir, &fd, VMG_PT_LOCK_WAIT_MS, NULL, reason) < 0 ||
        vmg_pt_state_load(dir, st, reason) < 0)
        return -1;
    vmg_pt_remove_remotes(st, holder_id, NULL);
    vmg_pt_remove_holder(st, holder_id);
    if (keep && keep[0]) {
        /* A released holder: alive for nobody, kept for its remote lines
         * (as many as the state holds). */
        struct vmg_pt_holder gone = { .pid = 0, .start = 0, .expires = 0 };

        snprintf(gone.id, sizeof(gone.id), "%s", holder_id);
        if (vmg_pt_add_holder(st, &gone, &why) < 0 ||
            vmg_pt_add_remotes(st, holder_id, keep, keep_until, &why) < 0)
            qb_log(LOG_WARNING, "peer-timeout state: %s", why);
    }
    rc = vmg_pt_restore_if_unheld(st, reason);
    if (vmg_pt_state_save(dir, st, reason) < 0)
        rc = -1;
    return rc;
}

int vmg_pt_local_release(const char *state_dir, const char *holder_id, char **reason)
{
    return vmg_pt_release_here(state_dir, holder_id, NULL, 0, reason);
}

/* --------------------------------------------------------------- recover */

/* Remote lines of dead holders, still within their lease. */
static int collect_dead_remotes(const struct vmg_pt_state *st, struct vmg_pt_remote **out,
                                size_t *n, char **reason)
{
    unsigned long long now = vmg_pt_boot_seconds();
    size_t i, j;

    *n = 0;
    if ((*out = calloc(st->nr + 1, sizeof(**out))) == NULL)
        return vmg_error_set(reason, "out of memory");
    for (i = 0; i < st->nr; i++) {
        bool dead = true;

        for (j = 0; j < st->nh; j++)
            if (strcmp(st->h[j].id, st->r[i].holder) == 0 && vmg_pt_holder_alive(&st->h[j]))
                dead = false;
        if (dead && st->r[i].expires > now)
            (*out)[(*n)++] = st->r[i];
    }
    return 0;
}

/* Dead holders are dropped once nothing of theirs is left to restore. */
static void prune(struct vmg_pt_state *st, const struct vmg_pt_remote *done, size_t ndone)
{
    unsigned long long now = vmg_pt_boot_seconds();
    size_t i, j;

    for (i = 0; i < ndone; i++)
        vmg_pt_remove_remotes(st, done[i].holder, done[i].member);
    for (i = j = 0; i < st->nr; i++)
        if (st->r[i].expires > now)
            st->r[j++] = st->r[i];
    st->nr = j;
    for (i = j = 0; i < st->nh; i++) {
        if (vmg_pt_holder_alive(&st->h[i]) || vmg_pt_has_remotes(st, st->h[i].id))
            st->h[j++] = st->h[i];
        else
            qb_log(LOG_NOTICE, "dropping peer-timeout holder %s: its migration is over "
                   "(process gone or lease expired)", st->h[i].id);
    }
    st->nh = j;
}

/* Restores the remote members of dead holders; *done lists those restored. */
static int recover_remotes(const char *dir, const char *guest_helper,
                           struct vmg_pt_remote **done, size_t *ndone, char **reason)
{
    VMG_AUTOFREE(struct vmg_pt_state *) st = NULL;
    VMG_AUTOFREE(struct vmg_pt_remote *) dead = NULL;
    VMG_AUTOFREE(char **) members = NULL;
    VMG_AUTOFREE(char **) ids = NULL;
    VMG_AUTOFREE(bool *) ok = NULL;
    VMG_AUTOFREE(char *) why = NULL;
    VMG_AUTOCLOSE int fd = -1;
    bool busy = false;
    size_t n = 0, i;

    *done = NULL;
    *ndone = 0;
    if ((st = calloc(1, sizeof(*st))) == NULL)
        return vmg_error_set(reason, "out of memory");
    /* A live raise or restore holds the lock: look again next time. */
    if (vmg_pt_lock(dir, &fd, VMG_PT_RECOVER_LOCK_WAIT_MS, &busy, &why) < 0)
        return busy ? 0 : vmg_error_set(reason, "%s", why);
    if (vmg_pt_state_load(dir, st, reason) < 0 ||
        collect_dead_remotes(st, &dead, &n, reason) < 0)
        return -1;
    vmg_close(&fd);
    if (n == 0)
        return 0;
    /* Outside the lock: ssh may take seconds and other migrations go on;
     * every member at once, each bounded. */
    if ((members = calloc(n, sizeof(*members))) == NULL ||
        (ids = calloc(n, sizeof(*ids))) == NULL || (ok = calloc(n, sizeof(*ok))) == NULL)
        return vmg_error_set(reason, "out of memory");
    for (i = 0; i < n; i++) {
        members[i] = dead[i].member;
        ids[i] = dead[i].holder;
    }
    vmg_pt_remote_restore_each(members, ids, n, guest_helper, ok);
    for (i = 0; i < n; i++)
        if (ok[i])
            dead[(*ndone)++] = dead[i];
    *done = vmg_steal(&dead);
    return 0;
}

/* Drops what recover_remotes restored and dead holders, restores this
 * node's values when no live holder is left. */
static int recover_here(const char *dir, const struct vmg_pt_remote *done, size_t ndone,
                        char **reason)
{
    VMG_AUTOFREE(struct vmg_pt_state *) st = NULL;
    VMG_AUTOFREE(char *) why = NULL;
    VMG_AUTOCLOSE int fd = -1;
    bool busy = false;
    int rc;

    if ((st = calloc(2, sizeof(*st))) == NULL)
        return vmg_error_set(reason, "out of memory");
    if (vmg_pt_lock(dir, &fd, VMG_PT_RECOVER_LOCK_WAIT_MS, &busy, &why) < 0) {
        if (!busy)
            return vmg_error_set(reason, "%s", why);
        qb_log(LOG_DEBUG, "peer-timeout state busy, not recovering now: %s", why);
        return 0;
    }
    if (vmg_pt_state_load(dir, st, reason) < 0)
        return -1;
    st[1] = st[0];
    prune(st, done, ndone);
    rc = vmg_pt_restore_if_unheld(st, reason);
    /* Rewrite only on a change: monitors run this every few seconds. */
    if (vmg_pt_state_changed(&st[1], &st[0]) && vmg_pt_state_save(dir, st, reason) < 0)
        rc = -1;
    return rc;
}

int vmg_pt_recover_dir(const char *dir, bool llttab, const char *guest_helper, char **reason)
{
    VMG_AUTOFREE(struct vmg_pt_remote *) done = NULL;
    size_t ndone = 0;

    if (!vmg_pt_state_exists(dir))
        return llttab ? vmg_pt_restore_orphans(reason) : 0;
    if (recover_remotes(dir, guest_helper, &done, &ndone, reason) < 0)
        return -1;
    return recover_here(dir, done, ndone, reason);
}

int vmg_pt_recover_local(const char *dir, char **reason)
{
    return recover_here(dir, NULL, 0, reason);
}

int vmg_pt_recover_remotes(const char *dir, const char *guest_helper, char **reason)
{
    VMG_AUTOFREE(struct vmg_pt_remote *) done = NULL;
    size_t ndone = 0;

    if (recover_remotes(dir, guest_helper, &done, &ndone, reason) < 0)
        return -1;
    return recover_here(dir, done, ndone, reason);
}

int vmg_pt_local_recover(const char *state_dir, bool llttab, char **reason)
{
    return vmg_pt_recover_dir(state_dir, llttab, VMG_PT_DEFAULT_GUEST_HELPER, reason);
}
