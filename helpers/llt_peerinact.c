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

/* Copies text without our marker and set-timer peerinact lines, then adds
 * marker_line (may be NULL) and timer_line (may be NULL) at the end, where
 * LLT reads them last. */
static char *rewrite(const char *text, const char *marker_line, const char *timer_line)
{
    size_t cap = strlen(text) + (marker_line ? strlen(marker_line) : 0) +
                 (timer_line ? strlen(timer_line) : 0) + 4;
    char *out = malloc(cap), *o = out;
    const char *line = text;

    if (out == NULL)
        return NULL;
    while (*line) {
        size_t len = strcspn(line, "\n");
        struct vmg_llttab ignored;
        unsigned value;

        memset(&ignored, 0, sizeof(ignored));
        if (!parse_marker(line, len, &ignored) && !parse_set_timer(line, len, &value)) {
            memcpy(o, line, len);
            o += len;
            *o++ = '\n';
        }
        line += len;
        if (*line == '\n')
            line++;
    }
    if (marker_line)
        o = stpcpy(o, marker_line);
    if (timer_line)
        o = stpcpy(o, timer_line);
    *o = '\0';
    return out;
}

static mode_t file_mode(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644;
}

static int write_llttab(const char *path, const char *text, const char *marker_line,
                        const char *timer_line, char **reason)
{
    char *out = rewrite(text, marker_line, timer_line);
    int rc;

    if (out == NULL)
        return vmg_error_set(reason, "out of memory rewriting %s", path);
    rc = vmg_write_atomic(path, out, strlen(out), file_mode(path), reason);
    free(out);
    return rc;
}

/* "set-timer peerinact:N\n" into *line; NULL when there is to be none. */
static int timer_line(bool present, unsigned centisec, char **line, const char *path,
                      char **reason)
{
    *line = NULL;
    if (present && asprintf(line, "set-timer peerinact:%u\n", centisec) < 0) {
        *line = NULL;
        return vmg_error_set(reason, "out of memory rewriting %s", path);
    }
    return 0;
}

int vmg_llttab_raise(const char *path, unsigned centisec, char **reason)
{
    VMG_AUTOFREE(char *) text = NULL;
    VMG_AUTOFREE(char *) marker = NULL;
    VMG_AUTOFREE(char *) timer = NULL;
    struct vmg_llttab tab;
    char was[32] = "none";

    if (vmg_read_small_file(path, LLTTAB_MAX, &text, reason) < 0)
        return -1;
    if (text == NULL && (text = strdup("")) == NULL)
        return vmg_error_set(reason, "out of memory reading %s", path);
    scan(text, &tab);
    /* A second raise keeps the marker of the first: it holds the original. */
    if (!tab.marked) {
        tab.was_present = tab.present;
        tab.was_centisec = tab.centisec;
    }
    if (tab.was_present)
        snprintf(was, sizeof(was), "peerinact:%u", tab.was_centisec);
    if (asprintf(&marker, "%s%u for a live migration; was: %s\n", VMG_LLTTAB_MARKER,
                 centisec, was) < 0) {
        marker = NULL;
        return vmg_error_set(reason, "out of memory rewriting %s", path);
    }
    if (timer_line(true, centisec, &timer, path, reason) < 0)
        return -1;
    return write_llttab(path, text, marker, timer, reason);
}

int vmg_llttab_restore(const char *path, bool *stale, char **reason)
{
    VMG_AUTOFREE(char *) text = NULL;
    VMG_AUTOFREE(char *) timer = NULL;
    struct vmg_llttab tab;
    int rc;

    *stale = false;
    if (vmg_read_small_file(path, LLTTAB_MAX, &text, reason) < 0)
        return -1;
    if (text == NULL)
        return 0;                           /* no file: nothing of ours is left */
    scan(text, &tab);
    if (!tab.marked)
        return 0;                           /* already restored */
    /* Not the value we wrote: the administrator's now; only drop the marker. */
    *stale = !tab.present || tab.centisec != tab.raised;
    if (*stale)
        rc = timer_line(tab.present, tab.centisec, &timer, path, reason);
    else
        rc = timer_line(tab.was_present, tab.was_centisec, &timer, path, reason);
    return rc < 0 ? -1 : write_llttab(path, text, NULL, timer, reason);
}
