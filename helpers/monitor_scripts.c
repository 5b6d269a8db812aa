/* The administrator's monitor scripts (see monitor_scripts.h). */
#include <build-config.h>

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "monitor_scripts.h"
#include "spawn.h"
#include "util.h"

/* Kept before Pacemaker's timeout to kill a hung script and report it. */
#define REPORT_MARGIN_MS 1000
#define RETRY_MS 1000
/* How much of a failing script's output goes into the exit reason. */
#define OUTPUT_SHOWN 160
#define SEPARATORS " \t"

extern char **environ;

int vmg_monitor_scripts_check(const char *list, char **reason)
{
    const char *p = list ? list : "";

    while (*(p += strspn(p, SEPARATORS))) {
        size_t len = strcspn(p, SEPARATORS);

        if (*p != '/')
            return vmg_error_set(reason, "monitor_scripts: '%.*s' is not an absolute path "
                                 "(nothing is looked up in PATH)",
                                 len > 80 ? 80 : (int)len, p);
        p += len;
    }
    return 0;
}

/* The start of text on one line, for an exit reason. */
static void shown_output(const char *text, char *buf, size_t size)
{
    size_t i, j = 0;

    text += strspn(text, " \t\r\n");
    for (i = 0; text[i] && j + 1 < size; i++)
        buf[j++] = text[i] == '\n' || text[i] == '\r' || text[i] == '\t' ? ' ' : text[i];
    while (j > 0 && buf[j - 1] == ' ')
        j--;
    buf[j] = '\0';
    if (j == 0)
        snprintf(buf, size, "no output");
}

static int run_one(const struct vmg_context *ctx, const char *script, char **reason)
{
    const char *const argv[] = { script, NULL };
    struct vmg_spawn child;
    char shown[OUTPUT_SHOWN + 1];
    int rc = -1;

    if (vmg_spawn_start_env(&child, argv, environ, reason) < 0)
        return vmg_error_set(reason, "monitor script %s for %s: %s", script, ctx->xml.name,
                             *reason);
    if (vmg_spawn_wait(&child, ctx->deadline_ms - REPORT_MARGIN_MS, reason) < 0) {
        shown_output(child.output ? child.output : "", shown, sizeof(shown));
        vmg_error_set(reason, "monitor script %s for %s did not finish before the "
                      "operation's timeout and was killed; its output: %s", script,
                      ctx->xml.name, shown);
    } else if (child.status != 0) {
        shown_output(child.output, shown, sizeof(shown));
        vmg_error_set(reason, "monitor script %s for %s returned %d with output: %s", script,
                      ctx->xml.name, child.status, shown);
    } else {
        qb_log(LOG_DEBUG, "monitor script %s for %s passed", script, ctx->xml.name);
        rc = 0;
    }
    vmg_spawn_clear(&child);
    return rc;
}

int vmg_monitor_scripts_run(const struct vmg_context *ctx, char **reason)
{
    const char *p = ctx->cfg.monitor_scripts ? ctx->cfg.monitor_scripts : "";
    char script[VMG_PARAM_MAX_LEN + 1];

    while (*(p += strspn(p, SEPARATORS))) {
        size_t len = strcspn(p, SEPARATORS);

        snprintf(script, sizeof(script), "%.*s", (int)len, p);
        if (run_one(ctx, script, reason) < 0)
            return -1;
        p += len;
    }
    return 0;
}

int vmg_monitor_scripts_wait(const struct vmg_context *ctx, char **reason)
{
    bool told = false;

    for (;;) {
        if (vmg_monitor_scripts_run(ctx, reason) == 0)
            return 0;
        if (vmg_ms_left(ctx) <= REPORT_MARGIN_MS + RETRY_MS)
            return -1;
        if (!told)
            qb_log(LOG_INFO, "waiting for the monitor scripts of %s: %s", ctx->xml.name,
                   *reason);
        told = true;
        vmg_sleep_ms(RETRY_MS);
    }
}
