/* libqb logging set-up: stderr, syslog and $HA_LOGFILE. */
#include <build-config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "log.h"

static int logfile_target = -1;

/* qb_log_format_set() interprets '%': the names come from the CIB and the
 * command line, so make them literal. */
static void append_literal(char *out, size_t size, const char *text)
{
    size_t len = strlen(out);

    for (; *text && len + 2 < size; text++) {
        if (*text == '%')
            out[len++] = '%';
        out[len++] = *text;
    }
    out[len] = '\0';
}

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

/* Our lines at the chosen priority; the libraries we link (Pacemaker's log
 * through libqb too) only when they warn. */
static void set_filters(int32_t target, uint8_t priority)
{
    qb_log_filter_ctl(target, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_WARNING);
    qb_log_filter_ctl(target, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE_REGEX, "helpers/", priority);
}

static bool debug_enabled(void)
{
    const char *debug = getenv("HA_debug");

    return debug != NULL && *debug != '\0' && strcmp(debug, "0") != 0;
}

void vmg_log_init(const char *resource, const char *action)
{
    const char *logfile = getenv("HA_LOGFILE");
    const char *facility = getenv("HA_LOGFACILITY");
    uint8_t priority = debug_enabled() ? LOG_DEBUG : LOG_INFO;
    char tag[256] = "";
    char format[384];

    append_literal(tag, sizeof(tag), resource && *resource ? resource : "-");
    strncat(tag, ")[%P]: %p: ", sizeof(tag) - strlen(tag) - 1);
    append_literal(tag, sizeof(tag), action && *action ? action : "-");

    qb_log_init("vmguard", syslog_facility(), priority);
    qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED,
               facility == NULL || strcmp(facility, "none") != 0);
    set_filters(QB_LOG_SYSLOG, priority);

    qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
    set_filters(QB_LOG_STDERR, priority);

    /* VirtualMachine(vm1)[1234]: info: start: message */
    snprintf(format, sizeof(format), "VirtualMachine(%s: %%b", tag);
    qb_log_format_set(QB_LOG_SYSLOG, format);
    qb_log_format_set(QB_LOG_STDERR, format);

    if (logfile && *logfile && strcmp(logfile, "/dev/null") != 0) {
        logfile_target = qb_log_file_open(logfile);
        if (logfile_target >= 0) {
            snprintf(format, sizeof(format), "%%t %%H VirtualMachine(%s: %%b", tag);
            qb_log_format_set(logfile_target, format);
            set_filters(logfile_target, priority);
            qb_log_ctl(logfile_target, QB_LOG_CONF_ENABLED, QB_TRUE);
        }
    }
}

void vmg_log_fini(void)
{
    if (logfile_target >= 0)
        qb_log_file_close(logfile_target);
    logfile_target = -1;
    qb_log_fini();
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
