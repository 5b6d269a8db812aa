/* Peer-timeout guard: the state file, its lock and the holders (see
 * peer_timeout_int.h for the file's format). */
#include <build-config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "peer_timeout_int.h"
#include "spawn.h"
#include "util.h"

#define STATE_FILE "peer-timeout.state"
#define LOCK_FILE "peer-timeout.lock"
#define STATE_HEADER "vmguard-peer-timeout 1"
#define STATE_MAX ((size_t)256 * 1024)
#define LOCK_POLL_MS 50

unsigned long long vmg_pt_boot_seconds(void)
{
    return vmg_pt_boot_ms() / 1000;
}

unsigned long long vmg_pt_boot_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

/* Rounded to the nearest second: the keeper restores at the whole second,
 * so the lease ends within half a second of lease_s from now. */
unsigned long long vmg_pt_lease_end(unsigned long long lease_s)
{
    return (vmg_pt_boot_ms() + lease_s * 1000 + 500) / 1000;
}

static char *path_in(const char *dir, const char *name)
{
    char *path;

    return asprintf(&path, "%s/%s", dir, name) < 0 ? NULL : path;
}

/* ----------------------------------------------------------------- state */

static int parse_line(struct vmg_pt_state *st, const char *line)
{
    char word[16], id[VMG_PT_ID_MAX], member[VMG_PT_MEMBER_MAX];
    unsigned long long a, b, c;
    int present, k;
    long pid;

    if (sscanf(line, "target %15s %d %llu %llu", word, &present, &a, &b) == 4) {
        if ((k = vmg_pt_kind_by_name(word)) < 0)
            return -1;
        st->t[k] = (struct vmg_pt_target){ true, present != 0, a, b, 0 };
        return 0;
    }
    if (sscanf(line, "holder %159s %ld %llu %llu", id, &pid, &a, &b) == 4 &&
        st->nh < VMG_PT_MAX_HOLDERS) {
        struct vmg_pt_holder *h = &st->h[st->nh++];

        snprintf(h->id, sizeof(h->id), "%s", id);
        h->pid = pid;
        h->start = a;
        h->expires = b;
        return 0;
    }
    if (sscanf(line, "remote %159s %llu %511s", id, &c, member) == 3 &&
        st->nr < VMG_PT_MAX_REMOTES) {
        struct vmg_pt_remote *r = &st->r[st->nr++];

        snprintf(r->holder, sizeof(r->holder), "%s", id);
        snprintf(r->member, sizeof(r->member), "%s", member);
        r->expires = c;
        return 0;
    }
    return -1;
}

bool vmg_pt_state_exists(const char *dir)
{
    VMG_AUTOFREE(char *) path = NULL;
    struct stat sb;

    path = path_in(dir, STATE_FILE);
    return path == NULL || stat(path, &sb) == 0 || errno != ENOENT;
}

int vmg_pt_state_load(const char *dir, struct vmg_pt_state *st, char **reason)
{
    VMG_AUTOFREE(char *) path = NULL;
    VMG_AUTOFREE(char *) text = NULL;
    char *line, *save = NULL;

    memset(st, 0, sizeof(*st));
    if ((path = path_in(dir, STATE_FILE)) == NULL)
        return vmg_error_set(reason, "out of memory");
    if (vmg_read_small_file(path, STATE_MAX, &text, reason) < 0)
        return -1;
    if (text == NULL)
        return 0;                           /* none: nothing raised */
    line = strtok_r(text, "\n", &save);
    if (line == NULL || strcmp(line, STATE_HEADER) != 0)
        return vmg_error_set(reason, "%s is not a vmguard peer-timeout state file: leaving it "
                             "for inspection; check and restore the cluster timeouts by hand, "
                             "then delete it", path);
    while ((line = strtok_r(NULL, "\n", &save)) != NULL)
        if (parse_line(st, line) < 0)
            return vmg_error_set(reason, "%s has a malformed line '%.80s': check and restore "
                                 "the cluster timeouts by hand, then delete it", path, line);
    return 0;
}

static bool state_empty(const struct vmg_pt_state *st)
{
    int k;

    for (k = 0; k < VMG_PT_T_COUNT; k++)
        if (st->t[k].active)
            return false;
    return st->nh == 0 && st->nr == 0;
}

/* The state as its file holds it; NULL when out of memory. */
static char *state_text(const struct vmg_pt_state *st, size_t *len)
{
    size_t size = 64 + VMG_PT_T_COUNT * 96 + st->nh * (VMG_PT_ID_MAX + 96) +
                  st->nr * (VMG_PT_ID_MAX + VMG_PT_MEMBER_MAX + 48);
    char *text = malloc(size);
    size_t i;
    int k;

    if (text == NULL)
        return NULL;
    *len = (size_t)snprintf(text, size, STATE_HEADER "\n");
    for (k = 0; k < VMG_PT_T_COUNT; k++)
        if (st->t[k].active)
            *len += (size_t)snprintf(text + *len, size - *len, "target %s %d %llu %llu\n",
                                     vmg_pt_backend(k)->name, st->t[k].saved_present,
                                     st->t[k].saved, st->t[k].raised);
    for (i = 0; i < st->nh; i++)
        *len += (size_t)snprintf(text + *len, size - *len, "holder %s %ld %llu %llu\n",
                                 st->h[i].id, st->h[i].pid, st->h[i].start, st->h[i].expires);
    for (i = 0; i < st->nr; i++)
        *len += (size_t)snprintf(text + *len, size - *len, "remote %s %llu %s\n",
                                 st->r[i].holder, st->r[i].expires, st->r[i].member);
    return text;
}

bool vmg_pt_state_changed(const struct vmg_pt_state *before, const struct vmg_pt_state *after)
{
    VMG_AUTOFREE(char *) a = NULL;
    VMG_AUTOFREE(char *) b = NULL;
    size_t len_before = 0, len_after = 0;

    a = state_text(before, &len_before);
    b = state_text(after, &len_after);
    return a == NULL || b == NULL || len_before != len_after ||
           memcmp(a, b, len_before) != 0;
}

int vmg_pt_state_save(const char *dir, const struct vmg_pt_state *st, char **reason)
{
    VMG_AUTOFREE(char *) path = NULL;
    VMG_AUTOFREE(char *) text = NULL;
    size_t len = 0;

    if ((path = path_in(dir, STATE_FILE)) == NULL)
        return vmg_error_set(reason, "out of memory saving the peer-timeout state");
    if (state_empty(st))
        return unlink(path) == 0 || errno == ENOENT ? 0
               : vmg_error_set(reason, "cannot remove %s: %s", path, strerror(errno));
    if ((text = state_text(st, &len)) == NULL)
        return vmg_error_set(reason, "out of memory saving the peer-timeout state");
    return vmg_write_atomic(path, text, len, 0600, reason);
}

int vmg_pt_lock(const char *dir, int *fd, unsigned wait_ms, bool *busy, char **reason)
{
    long long deadline = vmg_now_ms() + wait_ms;
    VMG_AUTOFREE(char *) path = NULL;
    VMG_AUTOCLOSE int lock = -1;

    *fd = -1;
    if (vmg_state_dir_ensure(dir, reason) < 0)
        return -1;
    if ((path = path_in(dir, LOCK_FILE)) == NULL)
        return vmg_error_set(reason, "out of memory");
    if ((lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
        return vmg_error_set(reason, "cannot open %s: %s", path, strerror(errno));
    while (flock(lock, LOCK_EX | LOCK_NB) < 0) {
        if ((errno != EWOULDBLOCK && errno != EINTR) || vmg_now_ms() >= deadline) {
            if (busy)
                *busy = errno == EWOULDBLOCK || errno == EINTR;
            return vmg_error_set(reason, "cannot lock %s within %u ms: %s", path, wait_ms,
                                 strerror(errno));
        }
        vmg_sleep_ms(LOCK_POLL_MS);
    }
    *fd = vmg_steal_fd(&lock);
    return 0;
}

/* ------------------------------------------------------------- holders */

/* Fields 3 and 22 of /proc/PID/stat: the state, and the start time in
 * clock ticks since boot, which tells a live holder from a new process that
 * reused its pid. */
static int process_start(long pid, unsigned long long *start, char *state)
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
    if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] == '\0')
        return -1;
    *state = p[2];
    for (field = 2; field < 22 && p; field++)
        p = strchr(p + 1, ' ');
    if (p == NULL)
        return -1;
    *start = strtoull(p + 1, NULL, 10);
    return 0;
}

/* A zombie (Z) or dying (X) holder has exited: its stat still reads, with
 * the same start time, until its parent reaps it, but it never releases. */
bool vmg_pt_holder_alive(const struct vmg_pt_holder *h)
{
    unsigned long long start;
    char state;

    if (h->pid > 0)
        return process_start(h->pid, &start, &state) == 0 && start == h->start &&
               state != 'Z' && state != 'X';
    return h->expires > vmg_pt_boot_seconds();
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

int vmg_pt_holder_self(struct vmg_pt_holder *holder, const char *node, const char *resource,
                       char **reason)
{
    struct utsname uts;
    char n[48], r[64], state;

    memset(holder, 0, sizeof(*holder));
    if (node == NULL || *node == '\0')
        node = uname(&uts) == 0 ? uts.nodename : "node";
    holder->pid = (long)getpid();
    if (process_start(holder->pid, &holder->start, &state) < 0)
        return vmg_error_set(reason, "cannot read this process's start time from /proc");
    sanitize(n, sizeof(n), node);
    sanitize(r, sizeof(r), resource && *resource ? resource : "vmguard");
    snprintf(holder->id, sizeof(holder->id), "%s.%s.%ld.%llu", n, r, holder->pid, holder->start);
    return 0;
}

bool vmg_pt_any_alive(const struct vmg_pt_state *st)
{
    size_t i;

    for (i = 0; i < st->nh; i++)
        if (vmg_pt_holder_alive(&st->h[i]))
            return true;
    return false;
}

void vmg_pt_remove_holder(struct vmg_pt_state *st, const char *id)
{
    size_t i, j;

    for (i = j = 0; i < st->nh; i++)
        if (strcmp(st->h[i].id, id) != 0)
            st->h[j++] = st->h[i];
    st->nh = j;
}

int vmg_pt_add_holder(struct vmg_pt_state *st, const struct vmg_pt_holder *holder,
                      char **reason)
{
    vmg_pt_remove_holder(st, holder->id);
    if (st->nh >= VMG_PT_MAX_HOLDERS)
        return vmg_error_set(reason, "more than %d migrations hold the peer timeouts",
                             VMG_PT_MAX_HOLDERS);
    st->h[st->nh++] = *holder;
    return 0;
}

void vmg_pt_remove_remotes(struct vmg_pt_state *st, const char *id, const char *member)
{
    size_t i, j;

    for (i = j = 0; i < st->nr; i++)
        if (strcmp(st->r[i].holder, id) != 0 || (member && strcmp(st->r[i].member, member) != 0))
            st->r[j++] = st->r[i];
    st->nr = j;
}

int vmg_pt_add_remotes(struct vmg_pt_state *st, const char *id, char *const *members,
                       unsigned long long expires, char **reason)
{
    size_t i;

    for (i = 0; members && members[i]; i++) {
        if (st->nr >= VMG_PT_MAX_REMOTES)
            return vmg_error_set(reason, "too many remote members in the peer-timeout state");
        snprintf(st->r[st->nr].holder, VMG_PT_ID_MAX, "%s", id);
        snprintf(st->r[st->nr].member, VMG_PT_MEMBER_MAX, "%s", members[i]);
        st->r[st->nr++].expires = expires;
    }
    return 0;
}

bool vmg_pt_has_remotes(const struct vmg_pt_state *st, const char *id)
{
    size_t i;

    for (i = 0; i < st->nr; i++)
        if (strcmp(st->r[i].holder, id) == 0)
            return true;
    return false;
}
