/* Logging without libqb: stderr, syslog and $HA_LOGFILE, one write(2) per
 * line and target so that threads and concurrent agents never interleave
 * inside a line.  libqb alone costs the helper 6 shared libraries
 * (libsystemd, libgcrypt, liblz4, ...) and 2.7 M instructions of relocation
 * at every start (bench/startcost.sh): 8 % of a whole bare libvirt client,
 * for a few lines of formatting. */
#include <build-config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LINE_MAX_LEN 4096

static struct {
    bool ready;
    bool to_syslog;
    bool to_stderr;
    int file_fd;                /* $HA_LOGFILE, -1: none */
    int max_priority;           /* LOG_INFO, LOG_DEBUG with $HA_debug */
    char prefix[320];           /* "VirtualMachine(rsc)[pid]: " */
    char action[72];
    char host[65];
} log_state = { .file_fd = -1 };

static int syslog_facility(void)
{
    const char *name = getenv("HA_LOGFACILITY");
    static const struct { const char *name; int facility; } known[] = {
        { "daemon", LOG_DAEMON }, { "user", LOG_USER },
        { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
        { "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
        { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
        { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
    };
    size_t i;

    if (name == NULL)
        return LOG_DAEMON;
    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(name, known[i].name) == 0)
            return known[i].facility;
    return LOG_DAEMON;
}

static bool debug_enabled(void)
{
    const char *debug = getenv("HA_debug");

    return debug != NULL && *debug != '\0' && strcmp(debug, "0") != 0;
}

/* libqb's names, which the lines carried before (qb_log_priority2str). */
static const char *priority_name(int priority)
{
    static const char *const names[] = {
        "emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
    };

    return priority >= 0 && priority <= LOG_DEBUG ? names[priority] : "debug";
}

void vmg_log_init(const char *resource, const char *action)
{
    const char *logfile = getenv("HA_LOGFILE");
    const char *facility = getenv("HA_LOGFACILITY");
    struct utsname uts;

    snprintf(log_state.prefix, sizeof(log_state.prefix), "VirtualMachine(%.255s)[%ld]: ",
             resource && *resource ? resource : "-", (long)getpid());
    snprintf(log_state.action, sizeof(log_state.action), "%.64s",
             action && *action ? action : "-");
    snprintf(log_state.host, sizeof(log_state.host), "%s",
             uname(&uts) == 0 ? uts.nodename : "-");
    log_state.max_priority = debug_enabled() ? LOG_DEBUG : LOG_INFO;
    log_state.to_stderr = true;
    log_state.to_syslog = facility == NULL || strcmp(facility, "none") != 0;
    if (log_state.to_syslog)
        openlog("vmguard", LOG_NDELAY, syslog_facility());
    log_state.file_fd = -1;
    if (logfile && *logfile && strcmp(logfile, "/dev/null") != 0)
        log_state.file_fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    log_state.ready = true;
}

void vmg_log_fini(void)
{
    if (log_state.file_fd >= 0)
        close(log_state.file_fd);
    log_state.file_fd = -1;
    if (log_state.to_syslog)
        closelog();
    log_state.ready = false;
}

void vmg_log_stderr(bool on)
{
    log_state.to_stderr = on;
}

static void write_line(int fd, const char *line, size_t len)
{
    ssize_t n;

    /* One write: O_APPEND keeps lines whole between writers. */
    do
        n = write(fd, line, len);
    while (n < 0 && errno == EINTR);
}

void vmg_log(int priority, const char *fmt, ...)
{
    char message[LINE_MAX_LEN], line[LINE_MAX_LEN + 512], stamp[32];
    int saved = errno, len;
    va_list ap;
    struct tm tm;
    time_t now;

    if (!log_state.ready || priority > log_state.max_priority)
        return;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
    va_end(ap);
    message[strcspn(message, "\n")] = '\0';

    if (log_state.to_syslog)
        syslog(priority, "%s%s: %s: %s", log_state.prefix, priority_name(priority),
               log_state.action, message);
    if (log_state.to_stderr) {
        len = snprintf(line, sizeof(line), "%s%s: %s: %s\n", log_state.prefix,
                       priority_name(priority), log_state.action, message);
        write_line(STDERR_FILENO, line, len < (int)sizeof(line) ? (size_t)len : sizeof(line) - 1);
    }
    if (log_state.file_fd >= 0) {
        now = time(NULL);
        if (localtime_r(&now, &tm) == NULL || strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm) == 0)
            snprintf(stamp, sizeof(stamp), "-");
        len = snprintf(line, sizeof(line), "%s %s %s%s: %s: %s\n", stamp, log_state.host,
                       log_state.prefix, priority_name(priority), log_state.action, message);
        write_line(log_state.file_fd, line,
                   len < (int)sizeof(line) ? (size_t)len : sizeof(line) - 1);
    }
    errno = saved;
}

static bool is_secret_key(const char *key, size_t len)
{
    static const char *const secrets[] = { "password", "passwd", "secret", "token" };
    size_t i;

    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
        if (len == strlen(secrets[i]) && strncasecmp(key, secrets[i], len) == 0)
            return true;
    return false;
}

/* One pass: copy uri, masking the password of the user-info and the value of
 * any query parameter named like a secret.  Every mask is "***" and replaces
 * at least the '=' or ':' before it, so the output is at most len + 3 per
 * masked item, bounded by 2 * len + 4. */
char *vmg_log_redact_uri(const char *uri)
{
    const char *scheme_end, *authority, *at, *colon, *query, *p;
    char *out, *o;

    if (uri == NULL)
        return strdup("(none)");
    out = malloc(2 * strlen(uri) + 4);
    if (out == NULL)
        return NULL;
    o = out;

    p = uri;
    scheme_end = strstr(uri, "://");
    if (scheme_end) {
        authority = scheme_end + 3;
        at = authority + strcspn(authority, "@/?#");
        colon = *at == '@' ? memchr(authority, ':', at - authority) : NULL;
        if (colon) {
            memcpy(o, uri, colon + 1 - uri);
            o += colon + 1 - uri;
            o = stpcpy(o, "***");
            p = at;
        }
    }

    query = strchr(p, '?');
    if (query == NULL)
        query = p + strlen(p);
    memcpy(o, p, query - p);
    o += query - p;
    p = query;
    while (*p) {
        size_t key_len, value_len;

        *o++ = *p++;                        /* '?' or '&' */
        key_len = strcspn(p, "=&#");
        memcpy(o, p, key_len);
        o += key_len;
        p += key_len;
        if (*p != '=')
            continue;
        *o++ = *p++;
        value_len = strcspn(p, "&#");
        if (is_secret_key(p - key_len - 1, key_len))
            o = stpcpy(o, "***");
        else {
            memcpy(o, p, value_len);
            o += value_len;
        }
        p += value_len;
        if (*p == '#') {
            o = stpcpy(o, p);
            p += strlen(p);
        }
    }
    *o = '\0';
    return out;
}
