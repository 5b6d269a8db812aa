/* LLT peerinact: lltconfig at run time, /etc/llttab when asked. */
#include <build-config.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llt_peerinact.h"
#define VMG_LLT_PEERINACT_PRIV_H_ALLOW
#include "llt_peerinact_priv.h"
#include "log.h"
#include "spawn.h"
#include "util.h"

/* lltconfig answers at once; anything slower is a hung LLT. */
#define LLTCONFIG_TIMEOUT_MS 10000
#define LLTTAB_MAX 65536

/* The environment variables exist for the test suite's stand-in; the
 * administrator sets nothing. */
static const char *path_from_env(const char *variable, const char *fallback)
{
    const char *value = getenv(variable);

    return value && value[0] == '/' ? value : fallback;
}

const char *vmg_llt_lltconfig_path(void)
{
    return path_from_env("VMGUARD_LLTCONFIG", VMG_LLTCONFIG);
}

const char *vmg_llt_llttab_path(void)
{
    return path_from_env("VMGUARD_LLTTAB", VMG_LLTTAB);
}

const char *vmg_llt_llthosts_path(void)
{
    return path_from_env("VMGUARD_LLTHOSTS", VMG_LLTHOSTS);
}

bool vmg_llt_available(void)
{
    return access(vmg_llt_lltconfig_path(), X_OK) == 0;
}

/* Real output has one line per timer, "  peerinact   = 1600"; accept ':'
 * too so a format change shows up as a clear error rather than a bad value. */
int vmg_llt_parse_query(const char *output, unsigned *centisec)
{
    const char *line = output;

    while (line && *line) {
        const char *p = line;
        unsigned long value;
        char *end;

        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "peerinact", 9) == 0 && !isalnum((unsigned char)p[9])) {
            p += 9;
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p == '=' || *p == ':')
                p++;
            while (*p == ' ' || *p == '\t')
                p++;
            if (isdigit((unsigned char)*p)) {
                errno = 0;
                value = strtoul(p, &end, 10);
                if (errno == 0 && value <= 0xffffffffUL &&
                    (*end == '\0' || *end == '\n' || *end == ' ' || *end == '\r')) {
                    *centisec = (unsigned)value;
                    return 0;
                }
            }
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return -1;
}

int vmg_llt_peerinact_get(unsigned *centisec, char **reason)
{
    const char *argv[] = { vmg_llt_lltconfig_path(), "-T", "query", NULL };
    VMG_AUTOFREE(char *) output = NULL;

    if (vmg_spawn_run(argv, LLTCONFIG_TIMEOUT_MS, &output, reason) < 0)
        return vmg_error_set(reason, "cannot query LLT timers: %s", *reason);
    if (vmg_llt_parse_query(output, centisec) < 0)
        return vmg_error_set(reason, "`%s -T query` printed no peerinact value", argv[0]);
    return 0;
}

int vmg_llt_peerinact_set(unsigned centisec, char **reason)
{
    char timer[32];
    const char *argv[] = { vmg_llt_lltconfig_path(), "-T", timer, NULL };
    unsigned now = 0;

    snprintf(timer, sizeof(timer), "peerinact:%u", centisec);
    if (vmg_spawn_run(argv, LLTCONFIG_TIMEOUT_MS, NULL, reason) < 0)
        return vmg_error_set(reason, "cannot set LLT %s: %s", timer, *reason);
    /* lltconfig's exit code is not proof: the value LLT reports is. */
    if (vmg_llt_peerinact_get(&now, reason) < 0)
        return -1;
    if (now != centisec)
        return vmg_error_set(reason, "LLT reports peerinact %u after `lltconfig -T %s`", now,
                             timer);
    return 0;
}

/* ---------------------------------------------------------------- llttab */

/* "set-timer peerinact:N" with any blanks; the value in *centisec. */
static bool parse_set_timer(const char *line, size_t len, unsigned *centisec)
{
    char buf[128];
    unsigned long value;
    char *p, *end;

    if (len >= sizeof(buf))
        return false;
    memcpy(buf, line, len);
    buf[len] = '\0';
    p = buf + strspn(buf, " \t");
    if (strncmp(p, "set-timer", 9) != 0 || (p[9] != ' ' && p[9] != '\t'))
        return false;
    p += 9;
    p += strspn(p, " \t");
    if (strncmp(p, "peerinact:", 10) != 0 || !isdigit((unsigned char)p[10]))
        return false;
    errno = 0;
    value = strtoul(p + 10, &end, 10);
    if (errno || value > 0xffffffffUL || *(end + strspn(end, " \t\r")) != '\0')
        return false;
    *centisec = (unsigned)value;
    return true;
}

static bool parse_marker(const char *line, size_t len, struct vmg_llttab *tab)
{
    static const char was[] = " for a live migration; was: ";
    size_t mlen = strlen(VMG_LLTTAB_MARKER);
    char buf[128];
    char *p, *end;

    if (len < mlen || strncmp(line, VMG_LLTTAB_MARKER, mlen) != 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, line, len);
    buf[len] = '\0';
    p = buf + mlen;
    tab->marked = true;
    tab->raised = (unsigned)strtoul(p, &end, 10);
    tab->was_present = false;
    if (strncmp(end, was, sizeof(was) - 1) != 0)
        return true;
    p = end + sizeof(was) - 1;
    if (strncmp(p, "peerinact:", 10) == 0 && isdigit((unsigned char)p[10])) {
        tab->was_present = true;
        tab->was_centisec = (unsigned)strtoul(p + 10, NULL, 10);
    }
    return true;
}

/* One line of llttab: its content (without the newline) and whether a
 * newline ends it (the last line of a file may have none). */
struct line {
    const char *p;
    size_t len;
    bool nl;
};

/* Splits text into lines (pointers into text); *n of them.  NULL: no memory. */
static struct line *split(const char *text, size_t *n)
{
    size_t cap = 1, i = 0;
    const char *q;
    struct line *lines;

    for (q = text; *q; q++)
        cap += *q == '\n';
    if ((lines = calloc(cap + 1, sizeof(*lines))) == NULL)
        return NULL;
    for (q = text; *q; i++) {
        size_t len = strcspn(q, "\n");

        lines[i] = (struct line){ q, len, q[len] == '\n' };
        q += len + (q[len] == '\n');
    }
    *n = i;
    return lines;
}

/* The marker's line, when the original line was recorded verbatim:
 *   # vmguard: raised peerinact:2500 for a live migration; was: peerinact:1600; line: ORIGINAL
 * and the flag of a file that had no final newline before our lines. */
#define MARKER_LINE "; line: "
#define MARKER_NO_NL " (no final newline)"

static void scan(const char *text, struct vmg_llttab *tab)
{
    const char *line = text;

    memset(tab, 0, sizeof(*tab));
    while (*line) {
        size_t len = strcspn(line, "\n");
        unsigned value;

        if (!parse_marker(line, len, tab) && parse_set_timer(line, len, &value)) {
            tab->present = true;
            tab->centisec = value;
        }
        line += len;
        if (*line == '\n')
            line++;
    }
}

int vmg_llttab_read(const char *path, struct vmg_llttab *tab, char **reason)
{
    char *text = NULL;

    memset(tab, 0, sizeof(*tab));
    if (vmg_read_small_file(path, LLTTAB_MAX, &text, reason) < 0)
        return -1;
    if (text)                               /* no file: no line */
        scan(text, tab);
    free(text);
    return 0;
}

static mode_t file_mode(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644;
}

/* Output buffer of a rewrite: every line of text, our additions, a NUL. */
struct out {
    char *buf;
    size_t len, cap;
};

static void put(struct out *o, const char *p, size_t len)
{
    if (o->buf && o->len + len < o->cap) {
        memcpy(o->buf + o->len, p, len);
        o->len += len;
        o->buf[o->len] = '\0';
    }
}

static void put_line(struct out *o, const char *p, size_t len, bool nl)
{
    put(o, p, len);
    if (nl)
        put(o, "\n", 1);
}

static int out_open(struct out *o, size_t size, const char *path, char **reason)
{
    o->len = 0;
    o->cap = size + 1;
    if ((o->buf = calloc(1, o->cap)) == NULL)
        return vmg_error_set(reason, "out of memory rewriting %s", path);
    return 0;
}

static int out_write(struct out *o, const char *path, char **reason)
{
    int rc = vmg_write_atomic(path, o->buf, o->len, file_mode(path), reason);

    free(o->buf);
    o->buf = NULL;
    return rc;
}

/* The marker index in lines, or n. */
static size_t find_marker(const struct line *lines, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (lines[i].len >= strlen(VMG_LLTTAB_MARKER) &&
            strncmp(lines[i].p, VMG_LLTTAB_MARKER, strlen(VMG_LLTTAB_MARKER)) == 0)
            return i;
    return n;
}

/* The last set-timer peerinact line (the one LLT goes by), or n. */
static size_t find_timer(const struct line *lines, size_t n, unsigned *centisec)
{
    size_t i, found = n;
    unsigned value;

    for (i = 0; i < n; i++)
        if (parse_set_timer(lines[i].p, lines[i].len, &value)) {
            found = i;
            *centisec = value;
        }
    return found;
}

/* A first raise: the last set-timer line becomes our marker (recording
 * it verbatim) and our line, in its place; with none, both are appended. */
static int raise_first(const char *path, const char *text, const struct line *lines, size_t n,
                       unsigned centisec, char **reason)
{
    unsigned was = 0;
    size_t t = find_timer(lines, n, &was), i;
    bool no_nl = n > 0 && !lines[n - 1].nl;
    char head[160];
    struct out o;

    if (out_open(&o, strlen(text) * 2 + 512, path, reason) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (lines[i].len >= strlen(VMG_LLTTAB_MARKER) &&
            strncmp(lines[i].p, VMG_LLTTAB_MARKER, strlen(VMG_LLTTAB_MARKER)) == 0)
            continue;                       /* a marker whose line is gone */
        if (i != t) {
            put_line(&o, lines[i].p, lines[i].len, lines[i].nl || (i + 1 == n && t == n));
            continue;
        }
        snprintf(head, sizeof(head), "%s%u for a live migration; was: peerinact:%u" MARKER_LINE,
                 VMG_LLTTAB_MARKER, centisec, was);
        put(&o, head, strlen(head));
        put_line(&o, lines[i].p, lines[i].len, true);
        snprintf(head, sizeof(head), "set-timer peerinact:%u", centisec);
        put_line(&o, head, strlen(head), lines[i].nl);
    }
    if (t == n) {
        snprintf(head, sizeof(head), "%s%u for a live migration; was: none%s\n"
                 "set-timer peerinact:%u\n", VMG_LLTTAB_MARKER, centisec,
                 no_nl ? MARKER_NO_NL : "", centisec);
        put(&o, head, strlen(head));
    }
    return out_write(&o, path, reason);
}

/* A later raise: our line gets the new value, the marker keeps the
 * original it recorded. */
static int raise_again(const char *path, const char *text, const struct line *lines, size_t n,
                       size_t m, unsigned centisec, char **reason)
{
    const char *rest = memchr(lines[m].p, ';', lines[m].len);
    char head[96];
    struct out o;
    size_t i;

    if (out_open(&o, strlen(text) + 256, path, reason) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (i == m) {
            snprintf(head, sizeof(head), "%s%u for a live migration", VMG_LLTTAB_MARKER,
                     centisec);
            put(&o, head, strlen(head));
            if (rest)
                put(&o, rest, lines[m].len - (size_t)(rest - lines[m].p));
            put(&o, "\n", 1);
        } else if (i == m + 1) {
            snprintf(head, sizeof(head), "set-timer peerinact:%u", centisec);
            put_line(&o, head, strlen(head), lines[i].nl);
        } else {
            put_line(&o, lines[i].p, lines[i].len, lines[i].nl);
        }
    }
    return out_write(&o, path, reason);
}

int vmg_llttab_raise(const char *path, unsigned centisec, char **reason)
{
    VMG_AUTOFREE(char *) text = NULL;
    VMG_AUTOFREE(struct line *) lines = NULL;
    unsigned value;
    size_t n = 0, m;

    if (vmg_read_small_file(path, LLTTAB_MAX, &text, reason) < 0)
        return -1;
    if (text == NULL && (text = strdup("")) == NULL)
        return vmg_error_set(reason, "out of memory reading %s", path);
    if ((lines = split(text, &n)) == NULL)
        return vmg_error_set(reason, "out of memory reading %s", path);
    m = find_marker(lines, n);
    /* Ours is the line after the marker; anything else starts afresh. */
    if (m + 1 < n && parse_set_timer(lines[m + 1].p, lines[m + 1].len, &value))
        return raise_again(path, text, lines, n, m, centisec, reason);
    return raise_first(path, text, lines, n, centisec, reason);
}

/* What replaces the marker and our line: the original verbatim, else the
 * recorded value, else nothing. */
static void put_original(struct out *o, const struct line *marker, const struct line *ours,
                         const struct vmg_llttab *tab)
{
    const char *at = memmem(marker->p, marker->len, MARKER_LINE, strlen(MARKER_LINE));
    char line[64];

    if (at) {
        at += strlen(MARKER_LINE);
        put_line(o, at, marker->len - (size_t)(at - marker->p), ours->nl);
    } else if (tab->was_present) {
        snprintf(line, sizeof(line), "set-timer peerinact:%u", tab->was_centisec);
        put_line(o, line, strlen(line), ours->nl);
    } else if (memmem(marker->p, marker->len, MARKER_NO_NL, strlen(MARKER_NO_NL)) &&
               o->len > 0 && o->buf[o->len - 1] == '\n') {
        o->buf[--o->len] = '\0';           /* the file had no final newline */
    }
}

int vmg_llttab_restore(const char *path, bool *stale, char **reason)
{
    VMG_AUTOFREE(char *) text = NULL;
    VMG_AUTOFREE(struct line *) lines = NULL;
    struct vmg_llttab tab;
    unsigned value = 0;
    size_t n = 0, m, i;
    struct out o;

    *stale = false;
    if (vmg_read_small_file(path, LLTTAB_MAX, &text, reason) < 0)
        return -1;
    if (text == NULL)
        return 0;                           /* no file: nothing of ours is left */
    scan(text, &tab);
    if (!tab.marked)
        return 0;                           /* already restored */
    if ((lines = split(text, &n)) == NULL)
        return vmg_error_set(reason, "out of memory reading %s", path);
    m = find_marker(lines, n);
    /* Not the value we wrote: the administrator's now; only drop the marker. */
    *stale = !(m + 1 < n && parse_set_timer(lines[m + 1].p, lines[m + 1].len, &value) &&
               value == tab.raised);
    if (out_open(&o, strlen(text) + 64, path, reason) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (i == m)
            continue;                       /* the marker goes */
        if (i == m + 1 && !*stale)
            put_original(&o, &lines[m], &lines[m + 1], &tab);
        else
            put_line(&o, lines[i].p, lines[i].len, lines[i].nl);
    }
    return out_write(&o, path, reason);
}
