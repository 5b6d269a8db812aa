/* Peer-timeout guard: what is raised.  One backend per kind of value, in
 * the order of enum vmg_pt_kind, and the generic steps that plan, apply,
 * check and restore through the backends' read and write.
 *
 * Corosync and LLT's run-time value follow the generic steps; LLT may be
 * absent (plan), and llttab, a file that records what it replaced in a
 * marker line, plans after LLT and restores itself.  Corosync's totem.hold
 * is a pin (peer_timeout_priv.h): kept at its value in force while the
 * token is raised.  A unit test replaces
 * a backend (vmg_pt_backend_override) to drive the generic steps without a
 * ring. */
#include <build-config.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "llt_peerinact.h"
#include "log.h"
#include "peer_timeout_int.h"
#include "util.h"

/* Corosync's totem.token when the key is absent. */
#define COROSYNC_BUILTIN_TOKEN_MS 3000

/* ------------------------------------------------------------ corosync */

/* A corosync key as read: its configured value, or the one in force
 * (runtime.config.totem.*) when the key is absent. */
static void corosync_reading(struct vmg_pt_reading *now, const struct vmg_token_value *key,
                             uint32_t runtime)
{
    now->present = key->present;
    now->value = key->present ? key->ms : runtime;
}

static int corosync_read(struct vmg_pt_reading *now, bool *gone, char **reason)
{
    struct vmg_token_value token = { 0 };
    uint32_t runtime = 0;
    int rc = vmg_cluster_token_get(&token, &runtime, gone, reason);

    corosync_reading(now, &token, runtime);
    return rc;
}

static int corosync_write(bool present, unsigned long long value, char **reason)
{
    struct vmg_token_value token = { present, (uint32_t)value };

    return vmg_cluster_token_apply(&token, 0, reason);
}

/* How long a token round may take after a change: an idle ring's
 * representative holds the token for totem.hold, ~0.19 x its own token
 * timeout when derived; pinned (below) it stays short, but a configured hold
 * may scale with the token, so a round may take up to a fifth of the raised
 * value (measured before the pin: 4 s per round with 21250 ms), plus the old
 * timeout for a round already under way.  Beyond that the ring is re-forming
 * and "in force" would be a lie. */
static unsigned token_wait_ms(unsigned long long raised)
{
    VMG_AUTOFREE(char *) why = NULL;
    struct vmg_token_value token;
    uint32_t runtime = COROSYNC_BUILTIN_TOKEN_MS;

    if (vmg_cluster_token_get(&token, &runtime, NULL, &why) < 0)
        runtime = COROSYNC_BUILTIN_TOKEN_MS;
    return (unsigned)(runtime + raised / 4 + 1000);
}

static int corosync_settle(unsigned long long value, char **reason)
{
    return vmg_cluster_wait_token_round(token_wait_ms(value), reason);
}

/* The runtime value is the one in force once a token came round after the
 * set: wait for rounds until it reads at least want, within the bound of a
 * settle (an earlier holder's set may still be waiting for its round). */
static int corosync_confirm(unsigned long long want, char **reason)
{
    long long deadline = vmg_now_ms() + token_wait_ms(want);
    struct vmg_token_value token;
    uint32_t runtime = 0;

    for (;;) {
        long long left = deadline - vmg_now_ms();

        if (left <= 0)
            return vmg_error_set(reason, "corosync totem.token in force is %" PRIu32 " ms, "
                                 "below the %llu ms this migration needs", runtime, want);
        if (vmg_cluster_wait_token_round((unsigned)left, reason) < 0 ||
            vmg_cluster_token_get(&token, &runtime, NULL, reason) < 0)
            return -1;
        if (runtime >= want)
            return 0;
    }
}

static void corosync_describe(void)
{
    VMG_AUTOFREE(char *) why = NULL;
    struct vmg_token_value token;
    uint32_t runtime = 0;

    if (vmg_cluster_token_get(&token, &runtime, NULL, &why) < 0)
        printf("corosync unavailable: %s\n", why);
    else if (token.present)
        printf("corosync totem.token=%" PRIu32 " runtime=%" PRIu32 "\n", token.ms, runtime);
    else
        printf("corosync totem.token=absent runtime=%" PRIu32 "\n", runtime);
}

static const struct vmg_pt_backend corosync_backend = {
    .name = "corosync", .label = "corosync totem.token", .unit = "ms",
    .cluster = VMG_PT_COROSYNC, .ms_per_unit = 1, .builtin = COROSYNC_BUILTIN_TOKEN_MS,
    .want_pct = 125,
    .read = corosync_read, .write = corosync_write, .settle = corosync_settle,
    .confirm = corosync_confirm, .describe = corosync_describe,
};

/* ------------------------------------------------------- corosync hold */

/* totem.hold, pinned while totem.token is raised.  Without the key corosync
 * derives it from the token at every change of a totem.* key: cmap's
 * tracker totem_change_notify() (exec/totemconfig.c) reruns
 * totem_volatile_config_read(), where token_retransmit = token / (4 + 0.2)
 * and hold = token_retransmit x 0.8 - 1000/HZ (180 ms for a 1000 ms token,
 * 2608 ms for 13750); a key present in cmap is taken as it is, and a deleted
 * one is derived again; the value in force is runtime.config.totem.hold.
 * The ring's representative keeps an idle token for that long
 * (totemsrp.c, start_token_hold_retransmit_timeout()), so on a ring with a
 * 1000 ms token the first member raised to 13750 held it 2.6 s and the
 * members not raised yet declared it lost (measured, case M of
 * tests/e2e/guard.sh).  Pinned before the token goes up, the hold stays what
 * it was; unpinned only after the token is back. */
static int hold_read(struct vmg_pt_reading *now, bool *gone, char **reason)
{
    struct vmg_token_value hold = { 0 };
    uint32_t runtime = 0;
    int rc = vmg_cluster_hold_get(&hold, &runtime, gone, reason);

    corosync_reading(now, &hold, runtime);
    return rc;
}

static int hold_write(bool present, unsigned long long value, char **reason)
{
    struct vmg_token_value hold = { present, (uint32_t)value };

    return vmg_cluster_hold_apply(&hold, reason);
}

static void hold_describe(void)
{
    VMG_AUTOFREE(char *) why = NULL;
    struct vmg_token_value hold;
    uint32_t runtime = 0;

    if (vmg_cluster_hold_get(&hold, &runtime, NULL, &why) < 0)
        return;                             /* corosync_describe said why */
    if (hold.present)
        printf("corosync totem.hold=%" PRIu32 " runtime=%" PRIu32 "\n", hold.ms, runtime);
    else
        printf("corosync totem.hold=absent runtime=%" PRIu32 "\n", runtime);
}

static const struct vmg_pt_backend corosync_hold_backend = {
    .name = "corosync-hold", .label = "corosync totem.hold", .unit = "ms",
    .cluster = VMG_PT_COROSYNC, .ms_per_unit = 1,
    .pin = true, .pin_of = VMG_PT_T_COROSYNC,
    .read = hold_read, .write = hold_write, .describe = hold_describe,
};

/* ----------------------------------------------------------------- LLT */

static int llt_read(struct vmg_pt_reading *now, bool *gone, char **reason)
{
    unsigned cs = 0;
    int rc;

    *gone = !vmg_llt_available();
    if (*gone)
        return vmg_error_set(reason, "%s is not installed", vmg_llt_lltconfig_path());
    rc = vmg_llt_peerinact_get(&cs, reason);
    now->present = true;
    now->value = cs;
    return rc;
}

/* lltconfig sets it at once and the value read back proves it. */
static int llt_write(bool present, unsigned long long value, char **reason)
{
    return vmg_llt_peerinact_set((unsigned)value, reason);
}

static void llt_describe(void)
{
    VMG_AUTOFREE(char *) why = NULL;
    unsigned cs;

    if (!vmg_llt_available())
        printf("llt unavailable: %s not installed\n", vmg_llt_lltconfig_path());
    else if (vmg_llt_peerinact_get(&cs, &why) == 0)
        printf("llt peerinact=%u\n", cs);
    else
        printf("llt unavailable: %s\n", why);
}

static int llt_plan(enum vmg_pt_kind kind, struct vmg_pt_state *st,
                    const struct vmg_pt_request *req, unsigned long long want,
                    bool apply[VMG_PT_T_COUNT], char **summary, char **reason)
{
    if (!vmg_llt_available()) {
        if (req->llt_required)
            return vmg_error_set(reason, "LLT is to be guarded (peer_timeout_llt_required) but "
                                 "%s is not installed", vmg_llt_lltconfig_path());
        qb_log(LOG_INFO, "%s is not installed: no LLT here, skipping its peerinact",
               vmg_llt_lltconfig_path());
        return 0;
    }
    return vmg_pt_plan_value(kind, st, want, apply, summary, reason);
}

static const struct vmg_pt_backend llt_backend = {
    .name = "llt", .label = "LLT peerinact", .unit = "x 0.01 s",
    .cluster = VMG_PT_LLT, .ms_per_unit = 10,
    .read = llt_read, .write = llt_write, .describe = llt_describe, .plan = llt_plan,
};

/* -------------------------------------------------------------- llttab */

static int llttab_read(struct vmg_pt_reading *now, bool *gone, char **reason)
{
    struct vmg_llttab tab;

    *gone = false;
    if (vmg_llttab_read(vmg_llt_llttab_path(), &tab, reason) < 0)
        return -1;
    now->present = tab.present;
    now->value = tab.centisec;
    return 0;
}

/* Only raises (llttab restores itself): the marker written with the value
 * records what to put back. */
static int llttab_write(bool present, unsigned long long value, char **reason)
{
    return vmg_llttab_raise(vmg_llt_llttab_path(), (unsigned)value, reason);
}

/* Follows LLT's run-time value, when the administrator asked for it. */
static int llttab_plan(enum vmg_pt_kind kind, struct vmg_pt_state *st,
                       const struct vmg_pt_request *req, unsigned long long want,
                       bool apply[VMG_PT_T_COUNT], char **summary, char **reason)
{
    if (req->llttab && apply[VMG_PT_T_LLT]) {
        st->t[kind] = (struct vmg_pt_target){ true, false, 0, st->t[VMG_PT_T_LLT].raised, 0 };
        apply[kind] = true;
    }
    return 0;
}

static int llttab_restore(enum vmg_pt_kind kind, struct vmg_pt_state *st, char **reason)
{
    bool stale = false;

    if (vmg_llttab_restore(vmg_llt_llttab_path(), &stale, reason) < 0)
        return -1;
    if (stale)
        qb_log(LOG_WARNING, "%s: the set-timer peerinact line is no longer the %llu we wrote: "
               "someone changed it, leaving it as it is", vmg_llt_llttab_path(),
               st->t[kind].raised);
    else
        qb_log(LOG_INFO, "%s: set-timer peerinact line restored", vmg_llt_llttab_path());
    st->t[kind].active = false;
    return 0;
}

/* The marker says it: the line is ours when the marker is there. */
static bool llttab_in_force(enum vmg_pt_kind kind, struct vmg_pt_state *st)
{
    VMG_AUTOFREE(char *) why = NULL;
    struct vmg_llttab tab;

    if (vmg_llttab_read(vmg_llt_llttab_path(), &tab, &why) < 0 || !tab.marked)
        return false;
    st->t[kind].raised = tab.raised;
    return true;
}

/* No state but our marker: a reboot lost the state, the file kept the raise. */
static int llttab_orphan(char **reason)
{
    struct vmg_llttab tab;
    bool stale;

    if (vmg_llttab_read(vmg_llt_llttab_path(), &tab, reason) < 0)
        return -1;
    if (!tab.marked)
        return 0;
    qb_log(LOG_NOTICE, "%s still has our raised peerinact with no migration running: "
           "restoring it", vmg_llt_llttab_path());
    return vmg_llttab_restore(vmg_llt_llttab_path(), &stale, reason);
}

static const struct vmg_pt_backend llttab_backend = {
    .name = "llttab", .label = "llttab", .unit = "x 0.01 s",
    .cluster = VMG_PT_LLT, .ms_per_unit = 10,
    .read = llttab_read, .write = llttab_write, .plan = llttab_plan,
    .restore = llttab_restore, .in_force = llttab_in_force, .orphan = llttab_orphan,
};

/* --------------------------------------------------------------- table */

static const struct vmg_pt_backend *const real_backends[VMG_PT_T_COUNT] = {
    [VMG_PT_T_COROSYNC] = &corosync_backend,
    [VMG_PT_T_COROSYNC_HOLD] = &corosync_hold_backend,
    [VMG_PT_T_LLT] = &llt_backend,
    [VMG_PT_T_LLTTAB] = &llttab_backend,
};
static const struct vmg_pt_backend *backends[VMG_PT_T_COUNT] = {
    [VMG_PT_T_COROSYNC] = &corosync_backend,
    [VMG_PT_T_COROSYNC_HOLD] = &corosync_hold_backend,
    [VMG_PT_T_LLT] = &llt_backend,
    [VMG_PT_T_LLTTAB] = &llttab_backend,
};

/* Values are written LLT first and Corosync last: a failing lltconfig
 * leaves the ring untouched, and Corosync's token round is then waited for
 * outside the lock.  A pin is written before the value it is pinned for. */
static const enum vmg_pt_kind apply_order[VMG_PT_T_COUNT] = {
    VMG_PT_T_LLT, VMG_PT_T_LLTTAB, VMG_PT_T_COROSYNC_HOLD, VMG_PT_T_COROSYNC,
};

const struct vmg_pt_backend *vmg_pt_backend(enum vmg_pt_kind kind)
{
    return backends[kind];
}

void vmg_pt_backend_override(enum vmg_pt_kind kind, const struct vmg_pt_backend *backend)
{
    backends[kind] = backend ? backend : real_backends[kind];
}

int vmg_pt_kind_by_name(const char *name)
{
    int k;

    for (k = 0; k < VMG_PT_T_COUNT; k++)
        if (strcmp(name, backends[k]->name) == 0)
            return k;
    return -1;
}

/* ------------------------------------------------------- generic steps */

static void summary_add(char **summary, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void summary_add(char **summary, const char *fmt, ...)
{
    VMG_AUTOFREE(char *) line = NULL;
    char *joined;
    va_list ap;
    int len;

    va_start(ap, fmt);
    len = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (len < 0) {
        line = NULL;
        return;
    }
    if (asprintf(&joined, "%s%s\n", *summary ? *summary : "", line) >= 0) {
        free(*summary);
        *summary = joined;
    }
}

int vmg_pt_plan_value(enum vmg_pt_kind kind, struct vmg_pt_state *st, unsigned long long want,
                      bool apply[VMG_PT_T_COUNT], char **summary, char **reason)
{
    const struct vmg_pt_backend *b = backends[kind];
    struct vmg_pt_target *t = &st->t[kind];
    struct vmg_pt_reading now = { false, 0 };
    bool gone;

    apply[kind] = false;
    if (b->read(&now, &gone, reason) < 0)
        return -1;
    if (t->active && !(now.present && now.value == t->raised)) {
        qb_log(LOG_WARNING, "%s is %llu %s, not the %llu we set: someone changed it meanwhile; "
               "that value is the one to restore now", b->label, now.value, b->unit, t->raised);
        t->active = false;
    }
    if (now.value >= want) {
        qb_log(LOG_INFO, "%s is already %llu %s (>= %llu needed): leaving it", b->label,
               now.value, b->unit, want);
        summary_add(summary, "%s %llu (kept)", b->label, now.value);
        /* Ours: another migration's raise, which may not be in force yet. */
        if (t->active)
            t->confirm = want;
        return 0;
    }
    if (!t->active)
        *t = (struct vmg_pt_target){ true, now.present, now.value, want, 0 };
    t->raised = want;
    apply[kind] = true;
    summary_add(summary, "%s %llu -> %llu %s", b->label, now.value, want, b->unit);
    return 0;
}

/* A pin's plan, after its pin_of's (enum order): where pin_of is about to
 * be written, sets the pin to the value in force, unless it is configured
 * (the administrator's: left alone) or already ours. */
static int plan_pin(enum vmg_pt_kind kind, struct vmg_pt_state *st, bool apply[VMG_PT_T_COUNT],
                    char **summary, char **reason)
{
    const struct vmg_pt_backend *b = backends[kind];
    struct vmg_pt_target *t = &st->t[kind];
    struct vmg_pt_reading now = { false, 0 };
    bool gone;

    apply[kind] = false;
    if (!apply[b->pin_of])
        return 0;
    if (b->read(&now, &gone, reason) < 0)
        return -1;
    if (t->active && now.present && now.value != t->raised) {
        qb_log(LOG_WARNING, "%s is %llu %s, not the %llu we pinned: someone set it meanwhile; "
               "leaving it as it is", b->label, now.value, b->unit, t->raised);
        t->active = false;
    }
    if (t->active) {
        /* Ours from an earlier raise; set again if someone deleted it. */
        apply[kind] = !now.present;
        return 0;
    }
    if (now.present) {
        qb_log(LOG_INFO, "%s is configured (%llu %s): not pinning it", b->label, now.value,
               b->unit);
        return 0;
    }
    *t = (struct vmg_pt_target){ true, false, now.value, now.value, 0 };
    apply[kind] = true;
    summary_add(summary, "%s %llu %s (pinned)", b->label, now.value, b->unit);
    return 0;
}

int vmg_pt_plan(struct vmg_pt_state *st, const struct vmg_pt_request *req,
                bool apply[VMG_PT_T_COUNT], char **summary, char **reason)
{
    int k;

    memset(apply, 0, VMG_PT_T_COUNT * sizeof(bool));
    for (k = 0; k < VMG_PT_T_COUNT; k++) {
        const struct vmg_pt_backend *b = backends[k];
        unsigned long long want;

        if (!(req->clusters & b->cluster))
            continue;
        if (b->pin) {
            if (plan_pin(k, st, apply, summary, reason) < 0)
                return -1;
            continue;
        }
        want = (vmg_pt_wanted_ms(req, k) + b->ms_per_unit - 1) / b->ms_per_unit;
        if ((b->plan ? b->plan(k, st, req, want, apply, summary, reason)
                     : vmg_pt_plan_value(k, st, want, apply, summary, reason)) < 0)
            return -1;
    }
    return 0;
}

int vmg_pt_apply(const struct vmg_pt_state *st, const bool apply[VMG_PT_T_COUNT],
                 char **reason)
{
    size_t i;

    for (i = 0; i < VMG_PT_T_COUNT; i++) {
        enum vmg_pt_kind k = apply_order[i];

        if (apply[k] && backends[k]->write(true, st->t[k].raised, reason) < 0)
            return -1;
    }
    return 0;
}

int vmg_pt_settle(const struct vmg_pt_state *st, const bool apply[VMG_PT_T_COUNT],
                  char **reason)
{
    int k;

    for (k = 0; k < VMG_PT_T_COUNT; k++) {
        const struct vmg_pt_backend *b = backends[k];

        if (apply[k] && b->settle && b->settle(st->t[k].raised, reason) < 0)
            return -1;
        if (!apply[k] && st->t[k].confirm && b->confirm &&
            b->confirm(st->t[k].confirm, reason) < 0)
            return -1;
    }
    return 0;
}

static bool value_in_force(enum vmg_pt_kind kind, const struct vmg_pt_state *st)
{
    VMG_AUTOFREE(char *) why = NULL;
    struct vmg_pt_reading now;
    bool gone;

    return backends[kind]->read(&now, &gone, &why) == 0 && now.present &&
           now.value == st->t[kind].raised;
}

void vmg_pt_forget_unapplied(struct vmg_pt_state *st,
                             const struct vmg_pt_target before[VMG_PT_T_COUNT],
                             const bool apply[VMG_PT_T_COUNT])
{
    int k;

    for (k = 0; k < VMG_PT_T_COUNT; k++) {
        const struct vmg_pt_backend *b = backends[k];

        if (apply[k] && !(b->in_force ? b->in_force(k, st) : value_in_force(k, st)))
            st->t[k] = before[k];
    }
}

/* Restores one value if it still holds ours.  0 when nothing of ours is
 * left (restored, changed by someone else, or gone with its daemon). */
static int restore_value(enum vmg_pt_kind kind, struct vmg_pt_state *st, char **reason)
{
    const struct vmg_pt_backend *b = backends[kind];
    struct vmg_pt_target *t = &st->t[kind];
    struct vmg_pt_reading now;
    bool gone = false;

    if (b->read(&now, &gone, reason) < 0) {
        if (!gone)
            return -1;
        qb_log(LOG_NOTICE, "%s: not running any more (%s): the raised value went with it",
               b->label, *reason);
        free(*reason);
        *reason = NULL;
    } else if (!now.present || now.value != t->raised) {
        qb_log(LOG_WARNING, "%s is now %llu %s, not the %llu we set: someone changed it "
               "meanwhile, so it is kept (not restoring %s%llu)", b->label, now.value, b->unit,
               t->raised, t->saved_present ? "" : "the absent key, default ",
               t->saved_present ? t->saved : b->builtin);
    } else if (b->write(t->saved_present, t->saved, reason) < 0) {
        return -1;
    } else if (t->saved_present) {
        qb_log(LOG_INFO, "%s restored: %llu -> %llu %s", b->label, t->raised, t->saved, b->unit);
    } else {
        qb_log(LOG_INFO, "%s restored: %llu %s -> key deleted (%s)", b->label, t->raised,
               b->unit, b->pin ? "unpinned: derived again" : "built-in default");
    }
    t->active = false;
    return 0;
}

int vmg_pt_restore_if_unheld(struct vmg_pt_state *st, char **reason)
{
    int k, rc = 0;

    if (vmg_pt_any_alive(st))
        return 0;
    for (k = 0; k < VMG_PT_T_COUNT; k++) {
        const struct vmg_pt_backend *b = backends[k];
        VMG_AUTOFREE(char *) why = NULL;

        if (!st->t[k].active)
            continue;
        /* Unpinned only once the value it is pinned for is back (enum order
         * restores that one first). */
        if (b->pin && st->t[b->pin_of].active)
            vmg_error_set(&why, "kept pinned: %s is still raised", backends[b->pin_of]->label);
        else if ((b->restore ? b->restore(k, st, &why) : restore_value(k, st, &why)) == 0)
            continue;
        qb_log(LOG_ERR, "cannot restore %s: %s (kept in the state: the next action retries)",
               b->label, why);
        if (rc == 0)
            vmg_error_set(reason, "%s", why);
        rc = -1;
    }
    return rc;
}

int vmg_pt_restore_orphans(char **reason)
{
    int k;

    for (k = 0; k < VMG_PT_T_COUNT; k++)
        if (backends[k]->orphan && backends[k]->orphan(reason) < 0)
            return -1;
    return 0;
}
