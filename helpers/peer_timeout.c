/* Peer-timeout guard: parameters, per-node state, raise/restore/recover.
 *
 * State file (STATE_DIR/peer-timeout.state, 0600, replaced atomically, only
 * changed under the flock of STATE_DIR/peer-timeout.lock):
 *   vmguard-peer-timeout 1
 *   target corosync|llt|llttab SAVED_PRESENT SAVED RAISED
 *   holder ID PID START EXPIRES
 *   remote ID EXPIRES MEMBER
 * A target line exists while we have a raised value to put back; holders
 * are the migrations (local, or a peer's by lease) that need it; remote
 * lines are the other members a local holder raised, to be restored there. */
#include <build-config.h>

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "corosync_token.h"
#include "llt_peerinact.h"
#include "log.h"
#include "ocf.h"
#include "peer_timeout.h"
#include "peer_timeout_remote.h"
#include "spawn.h"
#include "util.h"

#define STATE_FILE "peer-timeout.state"
#define LOCK_FILE "peer-timeout.lock"
#define STATE_HEADER "vmguard-peer-timeout 1"
#define STATE_MAX ((size_t)256 * 1024)
#define MAX_HOLDERS 64
#define MAX_REMOTES 256
#define LOCK_WAIT_MS 90000
#define RECOVER_LOCK_WAIT_MS 3000
/* A peer's raise waits for one token round there (see token_wait_ms);
 * restores do not wait. */
#define REMOTE_RAISE_BASE_MS 30000
#define REMOTE_RESTORE_MS 20000
/* Lease of a raise done for a peer when its migrate_to gave no timeout. */
#define DEFAULT_LEASE_S 3600
#define LEASE_SLACK_S 120
#define DEFAULT_GUEST_HELPER "/usr/libexec/vmguard/vmguard"
#define DEFAULT_STATE_DIR "/run/resource-agents/vmguard"

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
    { "peer_timeout_guest_helper", VMG_PARAM_PATH, DEFAULT_GUEST_HELPER,
      offsetof(struct vmg_peer_config, guest_helper), 0, 0, NULL },
};
const size_t vmg_peer_params_count = sizeof(vmg_peer_params) / sizeof(vmg_peer_params[0]);

int vmg_pt_parse_clusters(const char *text, unsigned *clusters)
{
    char copy[256], *save = NULL, *word;

    *clusters = 0;
    if (text == NULL)
        return 0;
    if (snprintf(copy, sizeof(copy), "%s", text) >= (int)sizeof(copy))
        return -1;
    for (word = strtok_r(copy, ", \t", &save); word; word = strtok_r(NULL, ", \t", &save)) {
        if (strcmp(word, "corosync") == 0)
            *clusters |= VMG_PT_COROSYNC;
        else if (strcmp(word, "llt") == 0)
            *clusters |= VMG_PT_LLT;
        else
            return -1;
    }
    return 0;
}

static const char *clusters_text(unsigned clusters)
{
    switch (clusters & (VMG_PT_COROSYNC | VMG_PT_LLT)) {
    case VMG_PT_COROSYNC: return "corosync";
    case VMG_PT_LLT: return "llt";
    case VMG_PT_COROSYNC | VMG_PT_LLT: return "corosync,llt";
    }
    return "";
}

unsigned long long vmg_pt_wanted_ms(const struct vmg_pt_request *req, unsigned cluster)
{
    unsigned long long want = req->pause_ms + req->margin_ms;

    if (cluster == VMG_PT_COROSYNC)
        want = (want * 5 + 3) / 4;
    return want > req->max_ms ? req->max_ms : want;
}

/* ----------------------------------------------------------------- state */

enum target_kind { T_COROSYNC, T_LLT, T_LLTTAB, T_COUNT };
static const char *const target_names[T_COUNT] = { "corosync", "llt", "llttab" };

struct target {
    bool active;
    bool saved_present;
    unsigned long long saved, raised;
};

struct remote {
    char holder[VMG_PT_ID_MAX];
    char member[VMG_PT_MEMBER_MAX];
    unsigned long long expires;
};

struct state {
    struct target t[T_COUNT];
    struct vmg_pt_holder h[MAX_HOLDERS];
    size_t nh;
    struct remote r[MAX_REMOTES];
    size_t nr;
};

static unsigned long long boot_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (unsigned long long)ts.tv_sec;
}

static char *path_in(const char *dir, const char *name)
{
    char *path;

    return asprintf(&path, "%s/%s", dir, name) < 0 ? NULL : path;
}

static int parse_line(struct state *st, const char *line)
{
    char word[16], id[VMG_PT_ID_MAX], member[VMG_PT_MEMBER_MAX];
    unsigned long long a, b, c;
    int present, k;
    long pid;

    if (sscanf(line, "target %15s %d %llu %llu", word, &present, &a, &b) == 4) {
        for (k = 0; k < T_COUNT; k++) {
            if (strcmp(word, target_names[k]) == 0) {
                st->t[k] = (struct target){ true, present != 0, a, b };
                return 0;
            }
        }
        return -1;
    }
    if (sscanf(line, "holder %159s %ld %llu %llu", id, &pid, &a, &b) == 4 && st->nh < MAX_HOLDERS) {
        struct vmg_pt_holder *h = &st->h[st->nh++];

        snprintf(h->id, sizeof(h->id), "%s", id);
        h->pid = pid;
        h->start = a;
        h->expires = b;
        return 0;
    }
    if (sscanf(line, "remote %159s %llu %511s", id, &c, member) == 3 && st->nr < MAX_REMOTES) {
        struct remote *r = &st->r[st->nr++];

        snprintf(r->holder, sizeof(r->holder), "%s", id);
        snprintf(r->member, sizeof(r->member), "%s", member);
        r->expires = c;
        return 0;
    }
    return -1;
}

static int state_load(const char *dir, struct state *st, char **reason)
{
    char *path = path_in(dir, STATE_FILE), *text = NULL, *line, *save = NULL;
    int rc = -1;

    memset(st, 0, sizeof(*st));
    if (path == NULL)
        return vmg_error_set(reason, "out of memory");
    if (vmg_read_small_file(path, STATE_MAX, &text, reason) < 0)
        goto cleanup;
    if (text == NULL) {
        rc = 0;                             /* none: nothing raised */
        goto cleanup;
    }
    line = strtok_r(text, "\n", &save);
    if (line == NULL || strcmp(line, STATE_HEADER) != 0) {
        vmg_error_set(reason, "%s is not a vmguard peer-timeout state file: leaving it for "
                    "inspection; check and restore the cluster timeouts by hand, then delete it",
                    path);
        goto cleanup;
    }
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        if (parse_line(st, line) < 0) {
            vmg_error_set(reason, "%s has a malformed line '%.80s': check and restore the "
                        "cluster timeouts by hand, then delete it", path, line);
            goto cleanup;
        }
    }
    rc = 0;
cleanup:
    free(text);
    free(path);
    return rc;
}

static bool state_empty(const struct state *st)
{
    int k;

    for (k = 0; k < T_COUNT; k++)
        if (st->t[k].active)
            return false;
    return st->nh == 0 && st->nr == 0;
}

/* The state as its file holds it; NULL when out of memory. */
static char *state_text(const struct state *st, size_t *len)
{
    size_t size = 64 + T_COUNT * 96 + st->nh * (VMG_PT_ID_MAX + 96) +
                  st->nr * (VMG_PT_ID_MAX + VMG_PT_MEMBER_MAX + 48);
    char *text = malloc(size);
    size_t i;
    int k;

    if (text == NULL)
        return NULL;
    *len = (size_t)snprintf(text, size, STATE_HEADER "\n");
    for (k = 0; k < T_COUNT; k++)
        if (st->t[k].active)
            *len += (size_t)snprintf(text + *len, size - *len, "target %s %d %llu %llu\n",
                                     target_names[k], st->t[k].saved_present,
                                     st->t[k].saved, st->t[k].raised);
    for (i = 0; i < st->nh; i++)
        *len += (size_t)snprintf(text + *len, size - *len, "holder %s %ld %llu %llu\n",
                                 st->h[i].id, st->h[i].pid, st->h[i].start, st->h[i].expires);
    for (i = 0; i < st->nr; i++)
        *len += (size_t)snprintf(text + *len, size - *len, "remote %s %llu %s\n",
                                 st->r[i].holder, st->r[i].expires, st->r[i].member);
    return text;
}

/* Compared as written: the structs hold padding and unused slots. */
static bool state_changed(const struct state *before, const struct state *after)
{
    size_t len_before = 0, len_after = 0;
    char *a = state_text(before, &len_before), *b = state_text(after, &len_after);
    bool changed = a == NULL || b == NULL || len_before != len_after ||
                   memcmp(a, b, len_before) != 0;

    free(a);
    free(b);
    return changed;
}

static int state_save(const char *dir, const struct state *st, char **reason)
{
    char *path = path_in(dir, STATE_FILE), *text = NULL;
    size_t len = 0;
    int rc = -1;

    if (path == NULL) {
        vmg_error_set(reason, "out of memory saving the peer-timeout state");
        goto cleanup;
    }
    if (state_empty(st)) {
        rc = unlink(path) == 0 || errno == ENOENT ? 0
             : vmg_error_set(reason, "cannot remove %s: %s", path, strerror(errno));
        goto cleanup;
    }
    if ((text = state_text(st, &len)) == NULL) {
        vmg_error_set(reason, "out of memory saving the peer-timeout state");
        goto cleanup;
    }
    rc = vmg_write_atomic(path, text, len, 0600, reason);
cleanup:
    free(text);
    free(path);
    return rc;
}

/* The directory holds what restores the cluster: ours alone. */
static int ensure_dir(const char *dir, char **reason)
{
    char parent[PATH_MAX], *slash;
    struct stat st;

    snprintf(parent, sizeof(parent), "%s", dir);
    slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if (mkdir(parent, 0755) < 0 && errno != EEXIST)
            return vmg_error_set(reason, "cannot create %s: %s", parent, strerror(errno));
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return vmg_error_set(reason, "cannot create state directory %s: %s", dir, strerror(errno));
    if (lstat(dir, &st) < 0)
        return vmg_error_set(reason, "cannot examine %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
        return vmg_error_set(reason, "state directory %s is not a directory owned by uid %ld and "
                           "writable only by it: refusing to keep state there", dir,
                           (long)geteuid());
    return 0;
}

/* Exclusive lock against a concurrent migration of another resource.
 * Sets *busy (may be NULL) when it gave up because someone holds it. */
static int lock_state_within(const char *dir, int *fd, unsigned wait_ms, bool *busy,
                             char **reason)
{
    long long deadline = vmg_now_ms() + wait_ms;
    char *path;

    *fd = -1;
    if (ensure_dir(dir, reason) < 0)
        return -1;
    if ((path = path_in(dir, LOCK_FILE)) == NULL)
        return vmg_error_set(reason, "out of memory");
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (*fd < 0) {
        vmg_error_set(reason, "cannot open %s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    while (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
        if ((errno != EWOULDBLOCK && errno != EINTR) || vmg_now_ms() >= deadline) {
            if (busy)
                *busy = errno == EWOULDBLOCK || errno == EINTR;
            vmg_error_set(reason, "cannot lock %s within %u ms: %s", path, wait_ms,
                        strerror(errno));
            close(*fd);
            *fd = -1;
            free(path);
            return -1;
        }
        usleep(50000);
    }
    free(path);
    return 0;
}

static int lock_state(const char *dir, int *fd, char **reason)
{
    return lock_state_within(dir, fd, LOCK_WAIT_MS, NULL, reason);
}

static void unlock_state(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* ------------------------------------------------------------- holders */

/* Field 22 of /proc/PID/stat: start time in clock ticks since boot, which
 * tells a live holder from a new process that reused its pid. */
static int process_start(long pid, unsigned long long *start)
{
    char path[64], buf[1024], *p;
    FILE *f;
    size_t n;
    int field;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    if ((f = fopen(path, "re")) == NULL)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    if ((p = strrchr(buf, ')')) == NULL)
        return -1;
    for (field = 2; field < 22 && p; field++)
        p = strchr(p + 1, ' ');
    if (p == NULL)
        return -1;
    *start = strtoull(p + 1, NULL, 10);
    return 0;
}

static bool holder_alive(const struct vmg_pt_holder *h)
{
    unsigned long long start;

    if (h->pid > 0)
        return process_start(h->pid, &start) == 0 && start == h->start;
    return h->expires > boot_seconds();
}

static void sanitize(char *out, size_t size, const char *text)
{
    size_t i;

    for (i = 0; text[i] && i + 1 < size; i++)
        out[i] = vmg_pt_safe_word((char[]){ text[i], '\0' }) || text[i] == '-' ? text[i] : '_';
    out[i] = '\0';
    /* The id becomes a command-line word on peers: never an option. */
    if (out[0] == '-')
        out[0] = '_';
}

int vmg_pt_holder_self(struct vmg_pt_holder *holder, const char *node, const char *resource)
{
    struct utsname uts;
    char n[48], r[64];

    memset(holder, 0, sizeof(*holder));
    if (node == NULL || *node == '\0')
        node = uname(&uts) == 0 ? uts.nodename : "node";
    holder->pid = (long)getpid();
    if (process_start(holder->pid, &holder->start) < 0)
        return -1;
    sanitize(n, sizeof(n), node);
    sanitize(r, sizeof(r), resource && *resource ? resource : "vmguard");
    snprintf(holder->id, sizeof(holder->id), "%s.%s.%ld.%llu", n, r, holder->pid, holder->start);
    return 0;
}

static bool any_alive(const struct state *st)
{
    size_t i;

    for (i = 0; i < st->nh; i++)
        if (holder_alive(&st->h[i]))
            return true;
    return false;
}

static void remove_holder(struct state *st, const char *id)
{
    size_t i, j;

    for (i = j = 0; i < st->nh; i++)
        if (strcmp(st->h[i].id, id) != 0)
            st->h[j++] = st->h[i];
    st->nh = j;
}

static void remove_remotes(struct state *st, const char *id, const char *member)
{
    size_t i, j;

    for (i = j = 0; i < st->nr; i++)
        if (strcmp(st->r[i].holder, id) != 0 || (member && strcmp(st->r[i].member, member) != 0))
            st->r[j++] = st->r[i];
    st->nr = j;
}

static bool has_remotes(const struct state *st, const char *id)
{
    size_t i;

    for (i = 0; i < st->nr; i++)
        if (strcmp(st->r[i].holder, id) == 0)
            return true;
    return false;
}

static int add_holder(struct state *st, const struct vmg_pt_holder *holder, char **reason)
{
    remove_holder(st, holder->id);
    if (st->nh >= MAX_HOLDERS)
        return vmg_error_set(reason, "more than %d migrations hold the peer timeouts", MAX_HOLDERS);
    st->h[st->nh++] = *holder;
    return 0;
}

/* ------------------------------------------------------------ backends */

/* The value to compare: for Corosync the configured totem.token, or the
 * effective one when the key is absent. */
struct reading {
    bool present;
    unsigned long long value;
};

static int read_target(int k, struct reading *out, bool *gone, char **reason)
{
    struct vmg_token_value token;
    uint32_t runtime = 0;
    unsigned cs = 0;
    int rc;

    *gone = false;
    if (k == T_COROSYNC) {
        rc = vmg_corosync_token_get(&token, &runtime, gone, reason);
        out->present = token.present;
        out->value = token.present ? token.ms : runtime;
        return rc;
    }
    if (!vmg_llt_available()) {
        *gone = true;
        return vmg_error_set(reason, "%s is not installed", vmg_llt_lltconfig_path());
    }
    rc = vmg_llt_peerinact_get(&cs, reason);
    out->present = true;
    out->value = cs;
    return rc;
}

/* How long a token round may take after a change: an idle ring's
 * representative holds the token for ~0.19 x its own token timeout, so once
 * a member has the raised value a round takes up to a fifth of it (measured:
 * 4 s per round with 21250 ms), plus the old timeout for a round already
 * under way.  Beyond that the ring is re-forming and "in force" would be a lie. */
static unsigned token_wait_ms(unsigned long long raised)
{
    struct vmg_token_value token;
    uint32_t runtime = 3000;
    char *why = NULL;

    if (vmg_corosync_token_get(&token, &runtime, NULL, &why) < 0)
        runtime = 3000;
    free(why);
    return (unsigned)(runtime + raised / 4 + 1000);
}

static int write_target(int k, bool present, unsigned long long value, bool wait, char **reason)
{
    if (k == T_COROSYNC) {
        struct vmg_token_value token = { present, (uint32_t)value };

        return vmg_corosync_token_apply(&token, wait ? token_wait_ms(value) : 0, reason);
    }
    return vmg_llt_peerinact_set((unsigned)value, reason);
}

static const char *target_label(int k)
{
    return k == T_COROSYNC ? "corosync totem.token" : k == T_LLT ? "LLT peerinact" : "llttab";
}

static const char *target_unit(int k)
{
    return k == T_COROSYNC ? "ms" : "x 0.01 s";
}

/* Restores one target if it still holds our value.  0 when nothing of ours
 * is left (restored, changed by someone else, or gone with its daemon). */
static int restore_target(struct state *st, int k, char **reason)
{
    struct target *t = &st->t[k];
    struct reading now;
    char *why = NULL;
    bool gone;
    int rc;

    if (!t->active)
        return 0;
    if (k == T_LLTTAB) {
        bool stale = false;

        if (vmg_llttab_restore(vmg_llt_llttab_path(), &stale, reason) < 0)
            return -1;
        if (stale)
            qb_log(LOG_WARNING, "%s: the set-timer peerinact line is no longer the %llu we "
                   "wrote: someone changed it, leaving it as it is", vmg_llt_llttab_path(),
                   t->raised);
        else
            qb_log(LOG_INFO, "%s: set-timer peerinact line restored", vmg_llt_llttab_path());
        t->active = false;
        return 0;
    }
    rc = read_target(k, &now, &gone, &why);
    if (rc < 0 && gone) {
        qb_log(LOG_NOTICE, "%s: not running any more (%s): the raised value went with it",
               target_label(k), why ? why : "gone");
        free(why);
        t->active = false;
        return 0;
    }
    if (rc < 0) {
        *reason = why;
        return -1;
    }
    if (!now.present || now.value != t->raised) {
        qb_log(LOG_WARNING, "%s is now %llu %s, not the %llu we set: someone changed it "
               "meanwhile, so it is kept (not restoring %s%llu)", target_label(k), now.value,
               target_unit(k), t->raised, t->saved_present ? "" : "the absent key, default ",
               t->saved_present ? t->saved : 3000ULL);
        t->active = false;
        return 0;
    }
    if (write_target(k, t->saved_present, t->saved, false, reason) < 0)
        return -1;
    if (t->saved_present)
        qb_log(LOG_INFO, "%s restored: %llu -> %llu %s", target_label(k), t->raised, t->saved,
               target_unit(k));
    else
        qb_log(LOG_INFO, "%s restored: %llu %s -> key deleted (built-in default)",
               target_label(k), t->raised, target_unit(k));
    t->active = false;
    return 0;
}

/* With no live holder left, puts every target back; failures stay in the
 * state for the next recover. */
static int restore_if_unheld(struct state *st, char **reason)
{
    int k, rc = 0;

    if (any_alive(st))
        return 0;
    for (k = 0; k < T_COUNT; k++) {
        char *why = NULL;

        if (restore_target(st, k, &why) < 0) {
            qb_log(LOG_ERR, "cannot restore %s: %s (kept in the state: the next action retries)",
                   target_label(k), why ? why : "unknown error");
            if (*reason == NULL)
                *reason = why;
            else
                free(why);
            rc = -1;
        }
    }
    return rc;
}

/* Decides the new value of target k for a holder wanting `want`; *apply
 * says whether to write it.  Never lowers a higher value, and adopts a value
 * someone else set over ours as the one to restore. */
static int plan_target(struct state *st, int k, unsigned long long want, bool *apply,
                       char **summary, char **reason)
{
    struct target *t = &st->t[k];
    struct reading now = { false, 0 };
    char *line = NULL;
    bool gone;

    *apply = false;
    if (read_target(k, &now, &gone, reason) < 0)
        return -1;
    if (t->active && !(now.present && now.value == t->raised)) {
        qb_log(LOG_WARNING, "%s is %llu %s, not the %llu we set: someone changed it meanwhile; "
               "that value is the one to restore now", target_label(k), now.value,
               target_unit(k), t->raised);
        t->active = false;
    }
    if (now.value >= want) {
        qb_log(LOG_INFO, "%s is already %llu %s (>= %llu needed): leaving it",
               target_label(k), now.value, target_unit(k), want);
        if (asprintf(&line, "%s%s %llu (kept)\n", *summary ? *summary : "", target_label(k),
                     now.value) >= 0) {
            free(*summary);
            *summary = line;
        }
        return 0;
    }
    if (!t->active)
        *t = (struct target){ true, now.present, now.value, want };
    t->raised = want;
    *apply = true;
    if (asprintf(&line, "%s%s %llu -> %llu %s\n", *summary ? *summary : "", target_label(k),
                 now.value, want, target_unit(k)) >= 0) {
        free(*summary);
        *summary = line;
    }
    return 0;
}

static int plan_all(struct state *st, const struct vmg_pt_request *req, bool apply[T_COUNT],
                    char **summary, char **reason)
{
    memset(apply, 0, T_COUNT * sizeof(bool));
    if ((req->clusters & VMG_PT_COROSYNC) &&
        plan_target(st, T_COROSYNC, vmg_pt_wanted_ms(req, VMG_PT_COROSYNC), &apply[T_COROSYNC],
                    summary, reason) < 0)
        return -1;
    if (!(req->clusters & VMG_PT_LLT))
        return 0;
    if (!vmg_llt_available()) {
        if (req->llt_required)
            return vmg_error_set(reason, "LLT is to be guarded (peer_timeout_llt_required) but %s "
                               "is not installed", vmg_llt_lltconfig_path());
        qb_log(LOG_INFO, "%s is not installed: no LLT here, skipping its peerinact",
               vmg_llt_lltconfig_path());
        return 0;
    }
    if (plan_target(st, T_LLT, (vmg_pt_wanted_ms(req, VMG_PT_LLT) + 9) / 10, &apply[T_LLT],
                    summary, reason) < 0)
        return -1;
    if (req->llttab && apply[T_LLT]) {
        st->t[T_LLTTAB] = (struct target){ true, false, 0, st->t[T_LLT].raised };
        apply[T_LLTTAB] = true;
    }
    return 0;
}

static int apply_all(struct state *st, const bool apply[T_COUNT], char **reason)
{
    /* Set only: the caller waits for Corosync's token round after unlocking. */
    if (apply[T_LLT] && write_target(T_LLT, true, st->t[T_LLT].raised, true, reason) < 0)
        return -1;
    if (apply[T_LLTTAB] &&
        vmg_llttab_raise(vmg_llt_llttab_path(), (unsigned)st->t[T_LLTTAB].raised, reason) < 0)
        return -1;
    if (apply[T_COROSYNC] &&
        write_target(T_COROSYNC, true, st->t[T_COROSYNC].raised, false, reason) < 0)
        return -1;
    return 0;
}

/* --------------------------------------------------------- local part */

static int local_release(const char *dir, const char *holder_id, char **keep_remotes,
                         unsigned long long keep_until, char **reason);

/* After a failed raise: a planned value that did not reach the cluster must
 * not stay recorded as ours, or the restore would take the older value for
 * an administrator's change and leave it raised. */
static void forget_unapplied(struct state *st, const struct target before[T_COUNT],
                             const bool apply[T_COUNT])
{
    int k;

    for (k = 0; k < T_COUNT; k++) {
        struct reading now;
        char *why = NULL;
        bool gone;

        if (!apply[k])
            continue;
        if (k == T_LLTTAB) {
            struct vmg_llttab tab;

            if (vmg_llttab_read(vmg_llt_llttab_path(), &tab, &why) == 0 && tab.marked)
                st->t[k].raised = tab.raised;
            else
                st->t[k] = before[k];
        } else if (read_target(k, &now, &gone, &why) < 0 || !now.present ||
                   now.value != st->t[k].raised) {
            st->t[k] = before[k];
        }
        free(why);
    }
}

/* Records holder (and its remote members), plans and sets this node's
 * values under the lock; waits for Corosync's token round outside it, so a
 * monitor's recover or another migration is not held up by that wait. */
static int local_raise(const char *dir, const struct vmg_pt_request *req,
                       const struct vmg_pt_holder *holder, char **remotes, unsigned long long
                       remote_expires, char **summary, char **reason)
{
    struct state *st = calloc(1, sizeof(*st));
    struct target before[T_COUNT];
    bool apply[T_COUNT];
    char *done = NULL, *err = NULL;
    int fd = -1, rc = -1;
    size_t i;

    if (summary)
        *summary = NULL;
    if (st == NULL)
        return vmg_error_set(reason, "out of memory");
    memset(apply, 0, sizeof(apply));
    if (lock_state(dir, &fd, reason) < 0 || state_load(dir, st, reason) < 0)
        goto cleanup;
    if (add_holder(st, holder, reason) < 0)
        goto cleanup;
    for (i = 0; remotes && remotes[i]; i++) {
        if (st->nr >= MAX_REMOTES) {
            vmg_error_set(reason, "too many remote members in the peer-timeout state");
            goto cleanup;
        }
        snprintf(st->r[st->nr].holder, VMG_PT_ID_MAX, "%s", holder->id);
        snprintf(st->r[st->nr].member, VMG_PT_MEMBER_MAX, "%s", remotes[i]);
        st->r[st->nr++].expires = remote_expires;
    }
    memcpy(before, st->t, sizeof(before));
    if (plan_all(st, req, apply, &done, reason) < 0)
        goto undo;
    /* Persist first: a helper killed from here on is restored by the next action. */
    if (state_save(dir, st, reason) < 0 || apply_all(st, apply, reason) < 0)
        goto undo;
    unlock_state(fd);
    fd = -1;
    if (apply[T_COROSYNC] &&
        vmg_corosync_wait_token_round(token_wait_ms(st->t[T_COROSYNC].raised), reason) < 0) {
        if (local_release(dir, holder->id, NULL, 0, &err) < 0)
            qb_log(LOG_ERR, "after the failed raise, restoring failed too: %s", err);
        goto cleanup;
    }
    if (summary) {
        *summary = done;
        done = NULL;
    }
    rc = 0;
    goto cleanup;
undo:
    /* Only this node's part: the caller restores the remote members. */
    forget_unapplied(st, before, apply);
    remove_holder(st, holder->id);
    restore_if_unheld(st, &err);
    free(err);
    err = NULL;
    if (state_save(dir, st, &err) < 0)
        qb_log(LOG_ERR, "peer-timeout state not saved after a failed raise: %s", err);
cleanup:
    unlock_state(fd);
    free(done);
    free(err);
    free(st);
    return rc;
}

int vmg_pt_local_raise(const char *state_dir, const struct vmg_pt_request *req,
                       const struct vmg_pt_holder *holder, char **summary, char **reason)
{
    *reason = NULL;
    return local_raise(state_dir, req, holder, NULL, 0, summary, reason);
}

/* Drops the holder, or only its remote lines when keep_remotes lists the
 * members still to be restored by a later recover. */
static int local_release(const char *dir, const char *holder_id, char **keep_remotes,
                         unsigned long long keep_until, char **reason)
{
    struct state *st = calloc(1, sizeof(*st));
    int fd = -1, rc = -1;
    size_t i;

    if (st == NULL)
        return vmg_error_set(reason, "out of memory");
    if (lock_state(dir, &fd, reason) < 0 || state_load(dir, st, reason) < 0)
        goto cleanup;
    remove_remotes(st, holder_id, NULL);
    remove_holder(st, holder_id);
    if (keep_remotes && keep_remotes[0]) {
        /* A released holder: alive for nobody, kept for its remote lines. */
        struct vmg_pt_holder gone = { .pid = 0, .start = 0, .expires = 0 };

        snprintf(gone.id, sizeof(gone.id), "%s", holder_id);
        add_holder(st, &gone, reason);
        for (i = 0; keep_remotes[i] && st->nr < MAX_REMOTES; i++) {
            snprintf(st->r[st->nr].holder, VMG_PT_ID_MAX, "%s", holder_id);
            snprintf(st->r[st->nr].member, VMG_PT_MEMBER_MAX, "%s", keep_remotes[i]);
            st->r[st->nr++].expires = keep_until;
        }
    }
    rc = restore_if_unheld(st, reason);
    if (state_save(dir, st, reason) < 0)
        rc = -1;
cleanup:
    unlock_state(fd);
    free(st);
    return rc;
}

int vmg_pt_local_release(const char *state_dir, const char *holder_id, char **reason)
{
    *reason = NULL;
    return local_release(state_dir, holder_id, NULL, 0, reason);
}

/* ------------------------------------------------------------- remote */

static void holder_args(const char *argv[], size_t *n, const char *verb, const char *id)
{
    argv[(*n)++] = verb;
    argv[(*n)++] = "--holder";
    argv[(*n)++] = id;
}

/* Restores holder id at members; returns the members that failed (NULL-
 * terminated, caller frees with vmg_strv_free; NULL if none). */
static char **remote_restore(char **members, size_t n, const char *id, const char *guest_helper)
{
    const char *args[8];
    struct vmg_pt_call *calls;
    char **failed = NULL;
    size_t i, a = 0, nf = 0;

    if (n == 0)
        return NULL;
    if ((calls = calloc(n, sizeof(*calls))) == NULL)
        return NULL;
    holder_args(args, &a, "restore", id);
    args[a] = NULL;
    for (i = 0; i < n; i++)
        calls[i].member = members[i];
    vmg_pt_call_all(calls, n, args, guest_helper, REMOTE_RESTORE_MS);
    for (i = 0; i < n; i++) {
        if (calls[i].rc == 0) {
            qb_log(LOG_INFO, "peer timeouts restored at %s", members[i]);
            continue;
        }
        qb_log(LOG_ERR, "cannot restore the peer timeouts at %s: %s (its own lease ends them; "
               "the next action here retries)", members[i], calls[i].reason);
        vmg_strv_push(&failed, &nf, strdup(members[i]));
    }
    vmg_pt_calls_clear(calls, n);
    free(calls);
    return failed;
}

static int remote_raise(char **members, size_t n, const char *id, const struct vmg_pt_request *req,
                        unsigned long long lease_s, const char *guest_helper, char **reason)
{
    char lease[32], pause[32], margin[32], max[32];
    const char *args[24];
    struct vmg_pt_call *calls;
    size_t i, a = 0;
    int rc = 0;

    if (n == 0)
        return 0;
    if ((calls = calloc(n, sizeof(*calls))) == NULL)
        return vmg_error_set(reason, "out of memory");
    snprintf(lease, sizeof(lease), "%llu", lease_s);
    snprintf(pause, sizeof(pause), "%llu", req->pause_ms);
    snprintf(margin, sizeof(margin), "%llu", req->margin_ms);
    snprintf(max, sizeof(max), "%llu", req->max_ms);
    holder_args(args, &a, "raise", id);
    args[a++] = "--lease";
    args[a++] = lease;
    args[a++] = "--pause-ms";
    args[a++] = pause;
    args[a++] = "--margin-ms";
    args[a++] = margin;
    args[a++] = "--max-ms";
    args[a++] = max;
    args[a++] = "--clusters";
    args[a++] = clusters_text(req->clusters);
    if (req->llt_required)
        args[a++] = "--llt-required";
    if (req->llttab)
        args[a++] = "--llttab";
    args[a] = NULL;
    for (i = 0; i < n; i++)
        calls[i].member = members[i];
    vmg_pt_call_all(calls, n, args, guest_helper,
                    (unsigned)(REMOTE_RAISE_BASE_MS + vmg_pt_wanted_ms(req, VMG_PT_COROSYNC) / 4));
    for (i = 0; i < n; i++) {
        char last[256];

        if (calls[i].rc == 0) {
            qb_log(LOG_INFO, "peer timeouts raised at %s: %s", members[i],
                   vmg_spawn_last_line(calls[i].output, last, sizeof(last)));
            continue;
        }
        if (rc == 0)
            vmg_error_set(reason, "cannot raise the peer timeouts at %s: %s", members[i],
                        calls[i].reason);
        rc = -1;
    }
    vmg_pt_calls_clear(calls, n);
    free(calls);
    return rc;
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
    if (vmg_pt_parse_clusters(cfg->clusters, &req->clusters) < 0)
        return vmg_error_set(reason, "peer_timeout_clusters: '%s' is not a list of corosync, llt",
                           cfg->clusters);
    req->pause_ms = pause_ms;
    req->margin_ms = cfg->margin_ms;
    req->max_ms = cfg->max_ms ? cfg->max_ms : 60000;
    req->llt_required = cfg->llt_required;
    req->llttab = cfg->llttab;
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
    unsigned clusters;
    char *copy = NULL, *save = NULL, *word, **members = NULL;
    int rc = 0;

    *reason = NULL;
    if (vmg_pt_parse_clusters(cfg->clusters, &clusters) < 0)
        return vmg_error_set(reason, "peer_timeout_clusters: '%s' is not a list of corosync, llt",
                           cfg->clusters);
    if (clusters == 0)
        return 0;
    /* Check the syntax of every word, without expanding "cluster" (no I/O). */
    if ((copy = strdup(cfg->members ? cfg->members : "cluster")) == NULL)
        return vmg_error_set(reason, "out of memory");
    for (word = strtok_r(copy, ", \t", &save); word && rc == 0;
         word = strtok_r(NULL, ", \t", &save)) {
        if (strcmp(word, "cluster") == 0)
            continue;
        rc = vmg_pt_members_expand(word, &members, reason);
        vmg_strv_free(members);
        members = NULL;
    }
    free(copy);
    return rc;
}

int vmg_peer_guard_raise(const struct vmg_peer_config *cfg, const struct vmg_env *env,
                         unsigned long long expected_pause_ms, struct vmg_peer_guard **guard,
                         char **reason)
{
    struct vmg_peer_guard *g = NULL;
    struct vmg_pt_request req;
    char *summary = NULL;
    int rc = -1;

    *guard = NULL;
    *reason = NULL;
    if (cfg->clusters == NULL || strspn(cfg->clusters, ", \t") == strlen(cfg->clusters))
        return 0;
    if (request_from(cfg, expected_pause_ms, &req, reason) < 0)
        return -1;
    if ((g = calloc(1, sizeof(*g))) == NULL ||
        (g->state_dir = strdup(env->state_dir ? env->state_dir : DEFAULT_STATE_DIR)) == NULL ||
        (g->guest_helper = strdup(cfg->guest_helper ? cfg->guest_helper
                                                    : DEFAULT_GUEST_HELPER)) == NULL) {
        vmg_error_set(reason, "out of memory");
        goto cleanup;
    }
    if (vmg_pt_holder_self(&g->holder, env->local_node, env->resource) < 0) {
        vmg_error_set(reason, "cannot read this process's start time from /proc");
        goto cleanup;
    }
    if (guard_members(g, cfg, reason) < 0)
        goto cleanup;
    /* Local state first, with the remote members listed, so a kill at any
     * point below leaves a record the next action restores from. */
    g->remote_expires = boot_seconds() + lease_seconds(env);
    if (local_raise(g->state_dir, g->local ? &req : &(struct vmg_pt_request){ 0 }, &g->holder,
                    g->remotes, g->remote_expires, &summary, reason) < 0)
        goto cleanup;
    if (summary && *summary)
        qb_log(LOG_INFO, "peer timeouts on this node for a pause of up to %llu ms: %s",
               expected_pause_ms, summary);
    if (remote_raise(g->remotes, g->nremotes, g->holder.id, &req, lease_seconds(env),
                     g->guest_helper, reason) < 0) {
        vmg_peer_guard_restore(g);
        g = NULL;
        goto cleanup;
    }
    *guard = g;
    g = NULL;
    rc = 0;
cleanup:
    guard_free(g);
    free(summary);
    return rc;
}

int vmg_peer_guard_restore(struct vmg_peer_guard *guard)
{
    char **failed = NULL;
    char *why = NULL;
    int rc = 0;

    if (guard == NULL)
        return 0;
    failed = remote_restore(guard->remotes, guard->nremotes, guard->holder.id,
                            guard->guest_helper);
    if (failed)
        rc = -1;
    if (local_release(guard->state_dir, guard->holder.id, failed, guard->remote_expires,
                      &why) < 0) {
        qb_log(LOG_ERR, "peer timeouts of this node not restored: %s", why ? why : "unknown");
        rc = -1;
    }
    free(why);
    vmg_strv_free(failed);
    guard_free(guard);
    return rc;
}

/* Remote lines of dead holders, still within their lease. */
static int collect_dead_remotes(const struct state *st, struct remote **out, size_t *n)
{
    unsigned long long now = boot_seconds();
    size_t i, j;

    *out = calloc(st->nr + 1, sizeof(**out));
    *n = 0;
    if (*out == NULL)
        return -1;
    for (i = 0; i < st->nr; i++) {
        bool dead = true;

        for (j = 0; j < st->nh; j++)
            if (strcmp(st->h[j].id, st->r[i].holder) == 0 && holder_alive(&st->h[j]))
                dead = false;
        if (dead && st->r[i].expires > now)
            (*out)[(*n)++] = st->r[i];
    }
    return 0;
}

/* Dead holders are dropped once nothing of theirs is left to restore. */
static void prune(struct state *st, const struct remote *done, size_t ndone)
{
    unsigned long long now = boot_seconds();
    size_t i, j;

    for (i = 0; i < ndone; i++)
        remove_remotes(st, done[i].holder, done[i].member);
    for (i = j = 0; i < st->nr; i++)
        if (st->r[i].expires > now)
            st->r[j++] = st->r[i];
    st->nr = j;
    for (i = j = 0; i < st->nh; i++) {
        if (holder_alive(&st->h[i]) || has_remotes(st, st->h[i].id))
            st->h[j++] = st->h[i];
        else
            qb_log(LOG_NOTICE, "dropping peer-timeout holder %s: its migration is over "
                   "(process gone or lease expired)", st->h[i].id);
    }
    st->nh = j;
}

static int recover_remotes(const char *dir, const char *guest_helper, struct remote **done,
                           size_t *ndone, char **reason)
{
    struct state *st = calloc(1, sizeof(*st));
    struct remote *dead = NULL;
    size_t n = 0, i;
    bool busy = false;
    int fd = -1, rc = -1;

    *done = NULL;
    *ndone = 0;
    if (st == NULL)
        return vmg_error_set(reason, "out of memory");
    if (lock_state_within(dir, &fd, RECOVER_LOCK_WAIT_MS, &busy, reason) < 0) {
        if (busy) {                 /* a live raise or restore: look again next time */
            free(*reason);
            *reason = NULL;
            rc = 0;
        }
        goto cleanup;
    }
    if (state_load(dir, st, reason) < 0 || collect_dead_remotes(st, &dead, &n) < 0)
        goto cleanup;
    unlock_state(fd);
    fd = -1;
    /* Outside the lock: ssh may take seconds and other migrations go on. */
    for (i = 0; i < n; i++) {
        char *member = dead[i].member;
        char **failed = remote_restore(&member, 1, dead[i].holder, guest_helper);

        if (failed == NULL)
            dead[(*ndone)++] = dead[i];
        vmg_strv_free(failed);
    }
    *done = dead;
    dead = NULL;
    rc = 0;
cleanup:
    unlock_state(fd);
    free(dead);
    free(st);
    return rc;
}

static int recover_dir(const char *dir, bool llttab, const char *guest_helper, char **reason)
{
    struct state *st = NULL;
    struct remote *done = NULL;
    size_t ndone = 0;
    char *path = path_in(dir, STATE_FILE);
    struct stat sb;
    bool busy = false;
    int fd = -1, rc = -1;

    *reason = NULL;
    if (path == NULL)
        return vmg_error_set(reason, "out of memory");
    if (stat(path, &sb) < 0 && errno == ENOENT) {
        free(path);
        if (llttab) {
            struct vmg_llttab tab;

            /* No state but our marker: a reboot lost the state, the file kept the raise. */
            if (vmg_llttab_read(vmg_llt_llttab_path(), &tab, reason) == 0 && tab.marked) {
                bool stale;

                qb_log(LOG_NOTICE, "%s still has our raised peerinact with no migration "
                       "running: restoring it", vmg_llt_llttab_path());
                return vmg_llttab_restore(vmg_llt_llttab_path(), &stale, reason);
            }
        }
        return *reason ? -1 : 0;
    }
    free(path);
    if (recover_remotes(dir, guest_helper, &done, &ndone, reason) < 0)
        return -1;
    if ((st = calloc(2, sizeof(*st))) == NULL) {
        vmg_error_set(reason, "out of memory");
        goto cleanup;
    }
    /* A monitor must not wait for a raise in progress: that one is alive
     * and will restore; the next action looks again. */
    if (lock_state_within(dir, &fd, RECOVER_LOCK_WAIT_MS, &busy, reason) < 0) {
        if (busy) {
            qb_log(LOG_DEBUG, "peer-timeout state busy, not recovering now: %s", *reason);
            free(*reason);
            *reason = NULL;
            rc = 0;
        }
        goto cleanup;
    }
    if (state_load(dir, st, reason) < 0)
        goto cleanup;
    st[1] = st[0];
    prune(st, done, ndone);
    rc = restore_if_unheld(st, reason);
    /* Rewrite only on a change: monitors run this every few seconds. */
    if (state_changed(&st[1], &st[0]) && state_save(dir, st, reason) < 0)
        rc = -1;
cleanup:
    unlock_state(fd);
    free(done);
    free(st);
    return rc;
}

int vmg_pt_local_recover(const char *state_dir, bool llttab, char **reason)
{
    return recover_dir(state_dir, llttab, DEFAULT_GUEST_HELPER, reason);
}

int vmg_peer_guard_recover(const struct vmg_peer_config *cfg, const struct vmg_env *env)
{
    char *why = NULL;
    int rc;

    rc = recover_dir(env->state_dir ? env->state_dir : DEFAULT_STATE_DIR, cfg && cfg->llttab,
                     cfg && cfg->guest_helper ? cfg->guest_helper : DEFAULT_GUEST_HELPER, &why);
    if (rc < 0)
        qb_log(LOG_ERR, "peer-timeout recovery incomplete: %s", why ? why : "unknown error");
    free(why);
    return rc;
}

/* ---------------------------------------------------------------- CLI */

struct cli_args {
    const char *holder;
    unsigned long long lease_s, pause_ms, margin_ms, max_ms, hold_s;
    const char *clusters;
    bool llt_required, llttab, have_pause;
};

static void cli_usage(void)
{
    fprintf(stderr,
            "usage: vmguard peer-timeout raise --holder ID --lease SECONDS --pause-ms MS\n"
            "                 [--margin-ms MS] [--max-ms MS] --clusters corosync,llt\n"
            "                 [--llt-required] [--llttab]\n"
            "       vmguard peer-timeout restore --holder ID\n"
            "       vmguard peer-timeout recover        (parameters from OCF_RESKEY_*)\n"
            "       vmguard peer-timeout query\n"
            "       vmguard peer-timeout guard --pause-ms MS [--hold SECONDS]\n"
            "                 (raise as migrate_to would, with OCF_RESKEY_* parameters; hold\n"
            "                  until SIGTERM/SIGINT or SECONDS, then restore)\n");
}

static bool cli_number(const char *text, unsigned long long *value)
{
    char *end;

    if (text == NULL || *text < '0' || *text > '9')
        return false;
    errno = 0;
    *value = strtoull(text, &end, 10);
    return errno == 0 && *end == '\0';
}

static int cli_parse(int argc, char **argv, struct cli_args *a)
{
    int i;

    memset(a, 0, sizeof(*a));
    a->margin_ms = 5000;
    a->max_ms = 60000;
    for (i = 1; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;

        if (strcmp(opt, "--llt-required") == 0)
            a->llt_required = true;
        else if (strcmp(opt, "--llttab") == 0)
            a->llttab = true;
        else if (strcmp(opt, "--holder") == 0 && val)
            a->holder = val, i++;
        else if (strcmp(opt, "--clusters") == 0 && val)
            a->clusters = val, i++;
        else if (strcmp(opt, "--lease") == 0)
            ok = cli_number(val, &a->lease_s), i++;
        else if (strcmp(opt, "--pause-ms") == 0)
            ok = a->have_pause = cli_number(val, &a->pause_ms), i++;
        else if (strcmp(opt, "--margin-ms") == 0)
            ok = cli_number(val, &a->margin_ms), i++;
        else if (strcmp(opt, "--max-ms") == 0)
            ok = cli_number(val, &a->max_ms), i++;
        else if (strcmp(opt, "--hold") == 0)
            ok = cli_number(val, &a->hold_s), i++;
        else
            ok = false;
        if (!ok) {
            fprintf(stderr, "vmguard peer-timeout: bad or incomplete option '%s'\n", opt);
            return -1;
        }
    }
    if (a->holder && (!vmg_pt_safe_word(a->holder) || strlen(a->holder) >= VMG_PT_ID_MAX)) {
        fprintf(stderr, "vmguard peer-timeout: bad holder id\n");
        return -1;
    }
    return 0;
}

/* A peer asked us (ssh or guest agent) to raise this node for its holder. */
static int cli_raise(const struct vmg_env *env, const struct cli_args *a)
{
    struct vmg_pt_request req = { 0 };
    struct vmg_pt_holder holder = { .pid = 0 };
    char *summary = NULL, *why = NULL;
    int rc;

    if (!a->holder || !a->lease_s || !a->have_pause || !a->clusters ||
        vmg_pt_parse_clusters(a->clusters, &req.clusters) < 0 || a->max_ms < 1000 ||
        a->max_ms > 300000) {
        cli_usage();
        return OCF_ERR_ARGS;
    }
    req.pause_ms = a->pause_ms;
    req.margin_ms = a->margin_ms;
    req.max_ms = a->max_ms;
    req.llt_required = a->llt_required;
    req.llttab = a->llttab;
    snprintf(holder.id, sizeof(holder.id), "%s", a->holder);
    holder.expires = boot_seconds() + a->lease_s;
    rc = vmg_pt_local_raise(env->state_dir, &req, &holder, &summary, &why);
    if (rc < 0) {
        qb_log(LOG_ERR, "cannot raise the peer timeouts for %s: %s", a->holder, why);
        printf("failed: %s\n", why ? why : "unknown error");
    } else {
        /* One line: the requester logs the last line of our output. */
        for (char *p = summary; p && *p; p++)
            if (*p == '\n')
                *p = ';';
        printf("%s in force for %s until restored or %llu s\n",
               summary && *summary ? summary : "nothing to raise;", a->holder, a->lease_s);
    }
    free(summary);
    free(why);
    return rc < 0 ? OCF_ERR_GENERIC : OCF_SUCCESS;
}

static int cli_restore(const struct vmg_env *env, const struct cli_args *a)
{
    char *why = NULL;
    int rc;

    if (!a->holder) {
        cli_usage();
        return OCF_ERR_ARGS;
    }
    rc = vmg_pt_local_release(env->state_dir, a->holder, &why);
    if (rc < 0)
        printf("failed: %s\n", why ? why : "unknown error");
    else
        printf("released %s\n", a->holder);
    free(why);
    return rc < 0 ? OCF_ERR_GENERIC : OCF_SUCCESS;
}

static int cli_query(const struct vmg_env *env)
{
    struct vmg_token_value token;
    struct state *st = calloc(1, sizeof(*st));
    uint32_t runtime = 0;
    char *why = NULL;
    unsigned cs;
    size_t i;

    if (st == NULL)
        return OCF_ERR_GENERIC;
    if (vmg_corosync_token_get(&token, &runtime, NULL, &why) == 0) {
        if (token.present)
            printf("corosync totem.token=%" PRIu32 " runtime=%" PRIu32 "\n", token.ms, runtime);
        else
            printf("corosync totem.token=absent runtime=%" PRIu32 "\n", runtime);
    } else {
        printf("corosync unavailable: %s\n", why ? why : "");
    }
    free(why);
    why = NULL;
    if (!vmg_llt_available())
        printf("llt unavailable: %s not installed\n", vmg_llt_lltconfig_path());
    else if (vmg_llt_peerinact_get(&cs, &why) == 0)
        printf("llt peerinact=%u\n", cs);
    else
        printf("llt unavailable: %s\n", why ? why : "");
    free(why);
    why = NULL;
    if (state_load(env->state_dir, st, &why) < 0)
        printf("state unreadable: %s\n", why ? why : "");
    for (i = 0; i < T_COUNT; i++)
        if (st->t[i].active)
            printf("target %s saved=%s%llu raised=%llu\n", target_names[i],
                   st->t[i].saved_present ? "" : "absent/", st->t[i].saved, st->t[i].raised);
    for (i = 0; i < st->nh; i++)
        printf("holder %s %s\n", st->h[i].id, holder_alive(&st->h[i]) ? "alive" : "dead");
    for (i = 0; i < st->nr; i++)
        printf("remote %s %s\n", st->r[i].holder, st->r[i].member);
    free(why);
    free(st);
    return OCF_SUCCESS;
}

static int load_config(struct vmg_peer_config *cfg, struct vmg_env *env)
{
    char *why = NULL;

    memset(cfg, 0, sizeof(*cfg));
    if (vmg_env_load(env, &why) < 0 ||
        vmg_params_load(vmg_peer_params, vmg_peer_params_count, cfg, &why) < 0) {
        ocf_exit_reason("%s", why ? why : "cannot read the parameters");
        free(why);
        return -1;
    }
    return 0;
}

/* What migrate_to does around the migration, for an administrator's planned
 * pause and for the end-to-end test: raise, hold, restore. */
static int cli_guard(const struct cli_args *a)
{
    struct vmg_peer_config cfg;
    struct vmg_env env;
    struct vmg_peer_guard *guard = NULL;
    struct timespec hold = { (time_t)a->hold_s, 0 };
    sigset_t stop;
    char *why = NULL;
    int rc = OCF_ERR_GENERIC;

    if (!a->have_pause) {
        cli_usage();
        return OCF_ERR_ARGS;
    }
    if (load_config(&cfg, &env) < 0)
        return OCF_ERR_CONFIGURED;
    /* A stop request during the raise is served after it, by the restore. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigprocmask(SIG_BLOCK, &stop, NULL);
    if (vmg_peer_guard_raise(&cfg, &env, a->pause_ms, &guard, &why) < 0) {
        ocf_exit_reason("peer timeouts not raised: %s", why ? why : "unknown error");
        goto cleanup;
    }
    printf("in force pid=%ld%s\n", (long)getpid(), guard ? "" : " (nothing configured)");
    fflush(stdout);
    if (a->hold_s)
        sigtimedwait(&stop, NULL, &hold);
    else
        sigwaitinfo(&stop, NULL);
    rc = vmg_peer_guard_restore(guard) < 0 ? OCF_ERR_GENERIC : OCF_SUCCESS;
    printf("restored\n");
cleanup:
    free(why);
    vmg_params_free(vmg_peer_params, vmg_peer_params_count, &cfg);
    return rc;
}

int vmg_peer_timeout_cli(int argc, char **argv)
{
    struct vmg_peer_config cfg;
    struct cli_args a;
    struct vmg_env env;
    char *why = NULL;
    int rc;

    if (argc < 1 || cli_parse(argc, argv, &a) < 0) {
        cli_usage();
        return OCF_ERR_ARGS;
    }
    if (strcmp(argv[0], "guard") == 0)
        return cli_guard(&a);
    if (vmg_env_load(&env, &why) < 0) {
        ocf_exit_reason("%s", why ? why : "bad environment");
        free(why);
        return OCF_ERR_CONFIGURED;
    }
    if (strcmp(argv[0], "raise") == 0)
        return cli_raise(&env, &a);
    if (strcmp(argv[0], "restore") == 0)
        return cli_restore(&env, &a);
    if (strcmp(argv[0], "query") == 0)
        return cli_query(&env);
    if (strcmp(argv[0], "recover") == 0) {
        if (load_config(&cfg, &env) < 0)
            return OCF_ERR_CONFIGURED;
        rc = vmg_peer_guard_recover(&cfg, &env);
        vmg_params_free(vmg_peer_params, vmg_peer_params_count, &cfg);
        return rc < 0 ? OCF_ERR_GENERIC : OCF_SUCCESS;
    }
    cli_usage();
    return OCF_ERR_ARGS;
}
