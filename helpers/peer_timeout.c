/* Peer-timeout guard: its parameters, and the guard a migration raises:
 * this node first (state recorded before anything changes), then the other
 * members, each of which keeps its own state; restore in reverse. */
#include <build-config.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "peer_timeout_int.h"
#include "util.h"

/* Lease of a raise done for a peer when its migrate_to gave no timeout. */
#define DEFAULT_LEASE_S 3600
#define LEASE_SLACK_S 120

/* ------------------------------------------------------------ parameters */

const struct vmg_param vmg_peer_params[] = {
    { "peer_timeout_clusters", VMG_PARAM_STRING, NULL,
      offsetof(struct vmg_peer_config, clusters), 0, 0, NULL },
    { "peer_timeout_members", VMG_PARAM_STRING, "cluster",
      offsetof(struct vmg_peer_config, members), 0, 0, NULL },
    { "peer_timeout_max", VMG_PARAM_UINT, "60000",
      offsetof(struct vmg_peer_config, max_ms), 1000, 300000, NULL },
    { "peer_timeout_margin", VMG_PARAM_UINT, "5000",
      offsetof(struct vmg_peer_config, margin_ms), 0, 600000, NULL },
    { "peer_timeout_llt_required", VMG_PARAM_BOOL, "false",
      offsetof(struct vmg_peer_config, llt_required), 0, 0, NULL },
    { "peer_timeout_llttab", VMG_PARAM_BOOL, "false",
      offsetof(struct vmg_peer_config, llttab), 0, 0, NULL },
    { "peer_timeout_guest_helper", VMG_PARAM_PATH, VMG_PT_DEFAULT_GUEST_HELPER,
      offsetof(struct vmg_peer_config, guest_helper), 0, 0, NULL },
};
const size_t vmg_peer_params_count = sizeof(vmg_peer_params) / sizeof(vmg_peer_params[0]);

int vmg_pt_parse_clusters(const char *text, unsigned *clusters, char **reason)
{
    char copy[256], *save = NULL, *word;

    *clusters = 0;
    if (text == NULL)
        return 0;
    if (snprintf(copy, sizeof(copy), "%s", text) >= (int)sizeof(copy))
        word = copy;                        /* too long for any list of the two */
    else
        for (word = strtok_r(copy, ", \t", &save); word; word = strtok_r(NULL, ", \t", &save)) {
            if (strcmp(word, "corosync") == 0)
                *clusters |= VMG_PT_COROSYNC;
            else if (strcmp(word, "llt") == 0)
                *clusters |= VMG_PT_LLT;
            else
                break;
        }
    if (word)
        return vmg_error_set(reason, "peer_timeout_clusters: '%s' is not a list of corosync, "
                             "llt", text);
    return 0;
}

const char *vmg_pt_clusters_text(unsigned clusters)
{
    switch (clusters & (VMG_PT_COROSYNC | VMG_PT_LLT)) {
    case VMG_PT_COROSYNC: return "corosync";
    case VMG_PT_LLT: return "llt";
    case VMG_PT_COROSYNC | VMG_PT_LLT: return "corosync,llt";
    }
    return "";
}

unsigned long long vmg_pt_wanted_ms(const struct vmg_pt_request *req, enum vmg_pt_kind kind)
{
    unsigned long long want = req->pause_ms + req->margin_ms;
    unsigned pct = vmg_pt_backend(kind)->want_pct;

    if (pct)
        want = (want * pct + 99) / 100;
    return want > req->max_ms ? req->max_ms : want;
}

/* -------------------------------------------------------------- guard */

struct vmg_peer_guard {
    char *state_dir;
    char *guest_helper;
    struct vmg_pt_holder holder;
    unsigned long long remote_expires;  /* boot-time end of the peers' lease */
    bool local;
    char **remotes;             /* members raised through a transport */
    size_t nremotes;
};

static void guard_free(struct vmg_peer_guard *g)
{
    if (g == NULL)
        return;
    free(g->state_dir);
    free(g->guest_helper);
    vmg_strv_free(g->remotes);
    free(g);
}

static int guard_members(struct vmg_peer_guard *g, const struct vmg_peer_config *cfg,
                         char **reason)
{
    char **members = NULL;
    size_t i, n = 0;

    if (vmg_pt_members_expand(cfg->members ? cfg->members : "cluster", &members, reason) < 0)
        return -1;
    /* The list minus "local", which becomes a flag. */
    for (i = 0; members[i]; i++) {
        if (strcmp(members[i], "local") == 0) {
            g->local = true;
            free(members[i]);
            continue;
        }
        members[n++] = members[i];
    }
    members[n] = NULL;
    g->remotes = members;
    g->nremotes = n;
    return 0;
}

static int request_from(const struct vmg_peer_config *cfg, unsigned long long pause_ms,
                        struct vmg_pt_request *req, char **reason)
{
    memset(req, 0, sizeof(*req));
    if (vmg_pt_parse_clusters(cfg->clusters, &req->clusters, reason) < 0)
        return -1;
    req->pause_ms = pause_ms;
    req->margin_ms = cfg->margin_ms;
    req->max_ms = cfg->max_ms ? cfg->max_ms : 60000;
    req->llt_required = cfg->llt_required;
    req->llttab = cfg->llttab;
    req->keeper = true;
    req->guest_helper = cfg->guest_helper;
    if (pause_ms + cfg->margin_ms > req->max_ms)
        qb_log(LOG_WARNING, "expected pause %llu ms + margin %llu ms exceeds peer_timeout_max "
               "%llu ms: raising to the cap only; a longer pause can still cost a member",
               pause_ms, cfg->margin_ms, req->max_ms);
    return 0;
}

static unsigned long long lease_seconds(const struct vmg_env *env)
{
    return (env->timeout_ms ? env->timeout_ms / 1000 : DEFAULT_LEASE_S) + LEASE_SLACK_S;
}

int vmg_peer_config_check(const struct vmg_peer_config *cfg, char **reason)
{
    VMG_AUTOFREE(char *) copy = NULL;
    char *save = NULL, *word;
    unsigned clusters;

    if (vmg_pt_parse_clusters(cfg->clusters, &clusters, reason) < 0)
        return -1;
    if (clusters == 0)
        return 0;
    /* Check the syntax of every word, without expanding "cluster" (no I/O). */
    if ((copy = strdup(cfg->members ? cfg->members : "cluster")) == NULL)
        return vmg_error_set(reason, "out of memory");
    for (word = strtok_r(copy, ", \t", &save); word; word = strtok_r(NULL, ", \t", &save)) {
        VMG_AUTOPTR(vmg_strv) members = NULL;

        if (strcmp(word, "cluster") != 0 && vmg_pt_members_expand(word, &members, reason) < 0)
            return -1;
    }
    return 0;
}

/* The member that is the moved domain: "guest:DOM[@URI]". */
static bool is_moved_domain(const char *member, const char *domain)
{
    size_t len = strlen(domain);

    return strncmp(member, "guest:", 6) == 0 && strncmp(member + 6, domain, len) == 0 &&
           (member[6 + len] == '\0' || member[6 + len] == '@');
}

char *vmg_pt_member_follow(const char *member, const char *domain, const char *target_uri)
{
    VMG_AUTOFREE(char *) shown = NULL;
    char *joined = NULL;

    if (domain == NULL || target_uri == NULL || !is_moved_domain(member, domain))
        return NULL;
    /* The state and the logs name members: no password, no separator. */
    shown = vmg_log_redact_uri(target_uri);
    if (shown == NULL || strcmp(shown, target_uri) != 0 ||
        strcspn(target_uri, " \t\n|") != strlen(target_uri))
        return NULL;
    if (asprintf(&joined, "%s|%s", member, target_uri) < 0)
        return NULL;
    if (strlen(joined) >= VMG_PT_MEMBER_MAX) {
        free(joined);
        return NULL;
    }
    return joined;
}

char *vmg_pt_member_moved(const char *member)
{
    VMG_AUTOFREE(char *) copy = NULL;
    char *bar, *at, *swapped = NULL;

    if (strncmp(member, "guest:", 6) != 0 || (copy = strdup(member)) == NULL ||
        (bar = strchr(copy, '|')) == NULL)
        return NULL;
    *bar = '\0';
    if ((at = strchr(copy, '@')) != NULL)
        *at = '\0';
    if (asprintf(&swapped, "%s@%s|%s", copy, bar + 1, at ? at + 1 : "qemu:///system") < 0)
        return NULL;
    return swapped;
}

/* guest:DOM[@URI] for the domain being migrated becomes guest:DOM[@URI]|TARGET:
 * it runs at URI until the switch-over and at TARGET after (the transport
 * tries the second when the domain does not run at the first), so the
 * restore, and the keeper's after a kill, reach it wherever it is. */
static void guard_follow(struct vmg_peer_guard *g, const struct vmg_peer_move *move)
{
    size_t i;

    for (i = 0; i < g->nremotes; i++) {
        char *joined = vmg_pt_member_follow(g->remotes[i], move->domain, move->target_uri);

        if (joined) {
            free(g->remotes[i]);
            g->remotes[i] = joined;
        }
    }
}

void vmg_peer_guard_moved(struct vmg_peer_guard *guard)
{
    size_t i;

    for (i = 0; guard && i < guard->nremotes; i++) {
        char *swapped = vmg_pt_member_moved(guard->remotes[i]);

        if (swapped) {
            free(guard->remotes[i]);
            guard->remotes[i] = swapped;
        }
    }
}

/* The guard of this process: its holder id, members and where its state is. */
static struct vmg_peer_guard *guard_new(const struct vmg_peer_config *cfg,
                                        const struct vmg_env *env, char **reason)
{
    struct vmg_peer_guard *g = calloc(1, sizeof(*g));

    if (g == NULL ||
        (g->state_dir = strdup(env->state_dir ? env->state_dir
                                              : VMG_PT_DEFAULT_STATE_DIR)) == NULL ||
        (g->guest_helper = strdup(cfg->guest_helper ? cfg->guest_helper
                                                    : VMG_PT_DEFAULT_GUEST_HELPER)) == NULL) {
        guard_free(g);
        vmg_error_set(reason, "out of memory");
        return NULL;
    }
    if (vmg_pt_holder_self(&g->holder, env->local_node, env->resource, reason) < 0 ||
        guard_members(g, cfg, reason) < 0) {
        guard_free(g);
        return NULL;
    }
    g->remote_expires = vmg_pt_lease_end(lease_seconds(env));
    return g;
}

/* After a failed raise: the members that raised are restored now (in
 * parallel, bounded); those that did not answer are left to this node's
 * keeper, in the background, so an unreachable member costs the raise
 * one connect timeout and not a second one for its restore. */
static void guard_rollback(struct vmg_peer_guard *g, const bool *ok)
{
    VMG_AUTOPTR(vmg_strv) failed = NULL;
    VMG_AUTOPTR(vmg_strv) later = NULL;
    VMG_AUTOFREE(char **) reached = NULL;
    VMG_AUTOFREE(char *) why = NULL;
    size_t i, n = 0, nl = 0;

    if ((reached = calloc(g->nremotes + 1, sizeof(*reached))) == NULL) {
        vmg_peer_guard_restore(g, NULL);
        return;
    }
    for (i = 0; i < g->nremotes; i++)
        if (ok[i])
            reached[n++] = g->remotes[i];
        else if (vmg_strv_push(&later, &nl, strdup(g->remotes[i])) < 0)
            qb_log(LOG_ERR, "out of memory listing the members to restore later");
    failed = vmg_pt_remote_restore(reached, n, g->holder.id, g->guest_helper);
    for (i = 0; failed && failed[i]; i++)
        if (vmg_strv_push(&later, &nl, strdup(failed[i])) < 0)
            qb_log(LOG_ERR, "out of memory listing the members to restore later");
    if (vmg_pt_release_here(g->state_dir, g->holder.id, later, g->remote_expires, &why) < 0)
        qb_log(LOG_ERR, "peer timeouts of this node not restored: %s", why);
    guard_free(g);
}

int vmg_peer_guard_raise(const struct vmg_peer_config *cfg, const struct vmg_env *env,
                         unsigned long long expected_pause_ms, const struct vmg_peer_move *move,
                         struct vmg_peer_guard **guard, char **reason)
{
    VMG_AUTOFREE(char *) summary = NULL;
    VMG_AUTOFREE(bool *) ok = NULL;
    struct vmg_pt_request req;
    struct vmg_peer_guard *g;

    *guard = NULL;
    if (cfg->clusters == NULL || strspn(cfg->clusters, ", \t") == strlen(cfg->clusters))
        return 0;
    if (request_from(cfg, expected_pause_ms, &req, reason) < 0 ||
        (g = guard_new(cfg, env, reason)) == NULL)
        return -1;
    if (move)
        guard_follow(g, move);
    /* Local state first, with the remote members listed, so a kill at any
     * point below leaves a record the next action restores from.  Without
     * "local" nothing is raised here, but the keeper is armed all the same:
     * it restores the remote members if this process is killed (found on
     * the lab: with guest:DOM alone no keeper ran, tests/e2e/guard.sh G2). */
    if (vmg_pt_raise_here(g->state_dir,
                          g->local ? &req : &(struct vmg_pt_request){
                              .keeper = true, .guest_helper = req.guest_helper },
                          &g->holder, g->remotes, g->remote_expires, &summary, reason) < 0) {
        guard_free(g);
        return -1;
    }
    if (summary && *summary)
        qb_log(LOG_INFO, "peer timeouts on this node for a pause of up to %llu ms: %s",
               expected_pause_ms, summary);
    if ((ok = calloc(g->nremotes + 1, sizeof(*ok))) == NULL) {
        vmg_error_set(reason, "out of memory");
        vmg_peer_guard_restore(g, NULL);
        return -1;
    }
    if (vmg_pt_remote_raise(g->remotes, g->nremotes, g->holder.id, &req, lease_seconds(env),
                            g->guest_helper, ok, reason) < 0) {
        guard_rollback(g, ok);
        return -1;
    }
    *guard = g;
    return 0;
}

int vmg_peer_guard_restore(struct vmg_peer_guard *guard, char **reason)
{
    VMG_AUTOPTR(vmg_strv) failed = NULL;
    VMG_AUTOFREE(char *) why = NULL;
    int rc = 0;

    if (guard == NULL)
        return 0;
    failed = vmg_pt_remote_restore(guard->remotes, guard->nremotes, guard->holder.id,
                                   guard->guest_helper);
    if (failed)
        rc = vmg_error_set(reason, "the peer timeouts at %s%s were not restored", failed[0],
                           failed[1] ? " and others" : "");
    if (vmg_pt_release_here(guard->state_dir, guard->holder.id, failed, guard->remote_expires,
                            &why) < 0) {
        qb_log(LOG_ERR, "peer timeouts of this node not restored: %s", why);
        rc = vmg_error_set(reason, "peer timeouts of this node not restored: %s", why);
    }
    guard_free(guard);
    return rc;
}

/* Off the action's critical path: a keeper does the restores (remote ones
 * included, in parallel and bounded), so this costs a stat() when nothing
 * is raised and a few ms otherwise.  Only when no keeper can be started
 * does the action restore this node itself (no transport: still quick). */
static void guard_recover(const struct vmg_peer_config *cfg, const struct vmg_env *env)
{
    const char *dir = env->state_dir ? env->state_dir : VMG_PT_DEFAULT_STATE_DIR;
    bool llttab = cfg->llttab;
    VMG_AUTOFREE(char *) why = NULL;

    if (!vmg_pt_state_exists(dir)) {
        if (!llttab || vmg_pt_restore_orphans(&why) == 0)
            return;
    } else if (vmg_pt_keeper_arm(dir, llttab, cfg->guest_helper, &why) == 0) {
        return;
    } else {
        qb_log(LOG_ERR, "cannot start the peer-timeout keeper: %s; restoring this node now",
               why);
        if (vmg_pt_recover_local(dir, &why) == 0)
            return;
    }
    qb_log(LOG_ERR, "peer-timeout recovery incomplete: %s", why);
}

void vmg_peer_guard_recover_env(const struct vmg_env *env)
{
    VMG_AUTOFREE(char *) why = NULL;
    struct vmg_peer_config cfg = { 0 };

    if (vmg_params_load(vmg_peer_params, vmg_peer_params_count, &cfg, &why) < 0)
        return;
    guard_recover(&cfg, env);
    vmg_params_free(vmg_peer_params, vmg_peer_params_count, &cfg);
}
