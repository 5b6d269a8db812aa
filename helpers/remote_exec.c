/* Running a fixed program over ssh or through a guest agent (see
 * remote_exec.h).  Moved here from peer_timeout_remote.c, which was its
 * first user. */
#include <build-config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "cluster.h"
#include "remote_exec.h"
#include "util.h"

#ifndef VMG_SSH
#define VMG_SSH "/usr/bin/ssh"
#endif

#define SSH_CONNECT_TIMEOUT_S "5"
#define GUEST_POLL_MS 100
/* What one agent command may take at most (seconds); less when the
 * deadline is nearer. */
#define GUEST_EXEC_TIMEOUT_S 10
#define GUEST_STATUS_TIMEOUT_S 5
/* A guest-exec request: path and argv, JSON-escaped. */
#define GUEST_CMD_MAX 16384

bool vmg_rexec_shell_literal(const char *text)
{
    const char *p;

    if (text == NULL || *text == '\0' || strlen(text) >= VMG_REXEC_WORD_MAX)
        return false;
    for (p = text; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._,:=/@+-", *p))
            return false;
    return true;
}

bool vmg_rexec_safe_word(const char *text)
{
    return vmg_rexec_shell_literal(text) && *text != '-';
}

void vmg_rexec_result_clear(struct vmg_rexec_result *res)
{
    free(res->output);
    res->output = NULL;
}

/* ---------------------------------------------------------------- ssh */

static const char *ssh_path(void)
{
    const char *value = getenv("VMGUARD_SSH");    /* the test suite's stand-in */

    return value && value[0] == '/' ? value : VMG_SSH;
}

int vmg_rexec_ssh_start(struct vmg_spawn *child, const char *host, const char *const argv[],
                        char **reason)
{
    const char *full[VMG_REXEC_ARGS_MAX + 16];
    size_t i = 0, a;

    if (!vmg_rexec_safe_word(host))
        return vmg_error_set(reason, "refusing the ssh host '%.64s': empty, or characters "
                             "outside A-Z a-z 0-9 . _ , : = / @ + -", host ? host : "");
    if (argv[0] == NULL || !vmg_rexec_safe_word(argv[0]))
        return vmg_error_set(reason, "refusing to run '%.64s' through ssh",
                             argv[0] ? argv[0] : "");
    full[i++] = ssh_path();
    full[i++] = "-o";
    full[i++] = "BatchMode=yes";            /* never wait for a password prompt */
    full[i++] = "-o";
    full[i++] = "ConnectTimeout=" SSH_CONNECT_TIMEOUT_S;
    full[i++] = "-T";
    full[i++] = "--";
    full[i++] = host;
    for (a = 0; argv[a]; a++) {
        if (a >= VMG_REXEC_ARGS_MAX)
            return vmg_error_set(reason, "more than %d words to pass through ssh",
                                 VMG_REXEC_ARGS_MAX);
        /* ssh hands the joined words to the remote shell. */
        if (!vmg_rexec_shell_literal(argv[a]))
            return vmg_error_set(reason, "refusing to pass '%.64s' through ssh", argv[a]);
        full[i++] = argv[a];
    }
    full[i] = NULL;
    return vmg_spawn_start(child, full, reason);
}

int vmg_rexec_ssh(const char *host, const char *const argv[], long long deadline_ms,
                  struct vmg_rexec_result *res, char **reason)
{
    struct vmg_spawn child = { .pid = -1, .fd = -1 };
    int rc = -1;

    res->status = -1;
    res->output = NULL;
    if (vmg_rexec_ssh_start(&child, host, argv, reason) == 0 &&
        vmg_spawn_wait(&child, deadline_ms, reason) == 0) {
        res->status = child.status;
        res->output = vmg_steal(&child.output);
        if (res->output == NULL && (res->output = strdup("")) == NULL)
            rc = vmg_error_set(reason, "out of memory");
        else
            rc = 0;
    }
    vmg_spawn_clear(&child);
    return rc;
}

/* ---------------------------------------------------------- guest agent */

/* A JSON text built in a bounded buffer; overflow poisons it. */
struct json_buf {
    char text[GUEST_CMD_MAX];
    size_t len;
    bool overflow;
};

/* Appends text as it is. */
static void json_raw(struct json_buf *b, const char *text)
{
    size_t len = strlen(text);

    if (b->overflow || len >= sizeof(b->text) - b->len) {
        b->overflow = true;
        return;
    }
    memcpy(b->text + b->len, text, len + 1);
    b->len += len;
}

/* Appends text as a JSON string (quotes included). */
static void json_string(struct json_buf *b, const char *text)
{
    json_raw(b, "\"");
    for (; *text && !b->overflow; text++) {
        unsigned char c = (unsigned char)*text;
        char piece[8];

        if (c == '"' || c == '\\')
            snprintf(piece, sizeof(piece), "\\%c", c);
        else if (c < 0x20)
            snprintf(piece, sizeof(piece), "\\u%04x", c);
        else
            snprintf(piece, sizeof(piece), "%c", c);
        json_raw(b, piece);
    }
    json_raw(b, "\"");
}

/* Value of "key" in a flat agent reply: pointer to its first character. */
static const char *json_value(const char *json, const char *key)
{
    char quoted[64];
    const char *p;

    snprintf(quoted, sizeof(quoted), "\"%s\"", key);
    p = json ? strstr(json, quoted) : NULL;
    if (p == NULL)
        return NULL;
    p += strlen(quoted);
    p += strspn(p, " \t\r\n");
    if (*p != ':')
        return NULL;
    p++;
    return p + strspn(p, " \t\r\n");
}

static int base64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes the base64 JSON string at p (just after its opening quote). */
static char *base64_decode(const char *p)
{
    size_t len = strcspn(p, "\""), o = 0, i;
    char *out = malloc(len + 1);
    unsigned acc = 0;
    int bits = 0;

    if (out == NULL)
        return NULL;
    for (i = 0; i < len; i++) {
        int v = base64_value((unsigned char)p[i]);

        if (v < 0)
            continue;                        /* padding, escaped slashes */
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    return out;
}

/* Seconds an agent command may take: at most cap, never past the deadline,
 * at least 1 (libvirt's smallest positive timeout). */
static int agent_timeout(long long deadline_ms, int cap)
{
    long long left = (deadline_ms - vmg_now_ms()) / 1000;

    return left < 1 ? 1 : left < cap ? (int)left : cap;
}

static int guest_start(virDomainPtr dom, const char *const argv[], long long deadline_ms,
                       long long *pid, char **reason)
{
    VMG_AUTOFREE(char *) reply = NULL;
    VMG_AUTOFREE(char *) why = NULL;
    struct json_buf *cmd = calloc(1, sizeof(*cmd));
    const char *value;
    size_t a;

    if (cmd == NULL)
        return vmg_error_set(reason, "out of memory");
    json_raw(cmd, "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":");
    json_string(cmd, argv[0]);
    json_raw(cmd, ",\"arg\":[");
    for (a = 1; argv[a]; a++) {
        if (a > 1)
            json_raw(cmd, ",");
        json_string(cmd, argv[a]);
    }
    json_raw(cmd, "],\"capture-output\":true}}");
    if (!cmd->overflow)
        reply = vmg_cluster_guest_agent(dom, cmd->text,
                                        agent_timeout(deadline_ms, GUEST_EXEC_TIMEOUT_S), &why);
    if (cmd->overflow) {
        free(cmd);
        return vmg_error_set(reason, "the command for the guest is longer than %d bytes",
                             GUEST_CMD_MAX);
    }
    free(cmd);
    if (reply == NULL)
        return vmg_error_set(reason, "guest-exec failed: %s", why);
    value = json_value(reply, "pid");
    if (value == NULL || !isdigit((unsigned char)*value))
        return vmg_error_set(reason, "guest-exec gave no pid");
    *pid = strtoll(value, NULL, 10);
    return 0;
}

/* stdout then stderr of an exited guest-exec (both base64 in the reply). */
static char *guest_output(const char *reply)
{
    const char *out = json_value(reply, "out-data"), *err = json_value(reply, "err-data");
    VMG_AUTOFREE(char *) o = NULL;
    VMG_AUTOFREE(char *) e = NULL;
    char *both = NULL;

    o = out && *out == '"' ? base64_decode(out + 1) : strdup("");
    e = err && *err == '"' ? base64_decode(err + 1) : strdup("");
    if (o && e && asprintf(&both, "%s%s", o, e) < 0)
        both = NULL;
    return both;
}

/* Polls guest-exec-status until the command exited or the deadline. */
static int guest_wait(virDomainPtr dom, long long pid, long long deadline_ms,
                      struct vmg_rexec_result *res, char **reason)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd),
             "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":%lld}}", pid);
    while (vmg_now_ms() < deadline_ms) {
        VMG_AUTOFREE(char *) reply = NULL;
        VMG_AUTOFREE(char *) why = NULL;
        const char *exited, *value;

        reply = vmg_cluster_guest_agent(dom, cmd,
                                        agent_timeout(deadline_ms, GUEST_STATUS_TIMEOUT_S), &why);
        if (reply == NULL)
            return vmg_error_set(reason, "guest-exec-status failed: %s", why);
        exited = json_value(reply, "exited");
        if (exited && strncmp(exited, "true", 4) == 0) {
            value = json_value(reply, "exitcode");
            /* No exitcode: killed by a signal ("signal" then). */
            res->status = value ? atoi(value) : 128 + ((value = json_value(reply, "signal"))
                                                       ? atoi(value) : 0);
            if ((res->output = guest_output(reply)) == NULL)
                return vmg_error_set(reason, "out of memory");
            return 0;
        }
        vmg_sleep_ms(GUEST_POLL_MS);
    }
    return vmg_error_set(reason, "the command (pid %lld in the guest) did not finish in time",
                         pid);
}

int vmg_rexec_guest(virDomainPtr dom, const char *const argv[], long long deadline_ms,
                    struct vmg_rexec_result *res, char **reason)
{
    long long pid = 0;

    res->status = -1;
    res->output = NULL;
    if (argv[0] == NULL || argv[0][0] != '/')
        return vmg_error_set(reason, "the program to run in the guest must be an absolute path");
    if (guest_start(dom, argv, deadline_ms, &pid, reason) < 0)
        return -1;
    return guest_wait(dom, pid, deadline_ms, res, reason);
}
