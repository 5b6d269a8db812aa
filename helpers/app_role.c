/* The application's HA pair: probe, switchover, pre and post commands (see
 * app_role.h). */
#include <build-config.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_role.h"
#include "log.h"
#define VMG_APP_ROLE_PRIV_H_ALLOW
#include "app_role_priv.h"
#include "spawn.h"
#include "util.h"

#define APP(field) offsetof(struct vmg_app_config, field)

const struct vmg_param vmg_app_params[] = {
    { "ha_primary_probe", VMG_PARAM_STRING, NULL, APP(probe), 0, 0, NULL },
    { "ha_primary_switchover", VMG_PARAM_STRING, NULL, APP(switchover), 0, 0, NULL },
    { "migration_pre_command", VMG_PARAM_STRING, NULL, APP(pre), 0, 0, NULL },
    { "migration_post_command", VMG_PARAM_STRING, NULL, APP(post), 0, 0, NULL },
    { "ha_command_timeout", VMG_PARAM_UINT, "10", APP(command_timeout), 1, 600, NULL },
    { "ha_primary_switchover_timeout", VMG_PARAM_UINT, "60", APP(switchover_timeout), 1, 3600,
      NULL },
};
const size_t vmg_app_params_count = sizeof(vmg_app_params) / sizeof(vmg_app_params[0]);

/* The probe's answers (app_role.h); anything else is doubt. */
#define PROBE_PRIMARY 0
#define PROBE_NOT_PRIMARY 1

long long vmg_app_poll_ms = 1000;

/* ------------------------------------------------------------ parsing */

void vmg_app_command_clear(struct vmg_app_command *cmd)
{
    free(cmd->host);
    vmg_strv_free(cmd->argv);
    cmd->host = NULL;
    cmd->argv = NULL;
}

/* "ssh:HOST:/PATH ..." -> host, and the rest to split. */
static int split_where(struct vmg_app_command *cmd, const char *text, const char **rest,
                       char **reason)
{
    const char *colon;

    if (strncmp(text, "guest:", 6) == 0) {
        cmd->where = VMG_APP_GUEST;
        *rest = text + 6;
        return 0;
    }
    if (strncmp(text, "ssh:", 4) != 0)
        return vmg_error_set(reason, "%s must start with guest:/PATH or ssh:HOST:/PATH",
                             cmd->param);
    cmd->where = VMG_APP_SSH;
    colon = strchr(text + 4, ':');
    if (colon == NULL || colon == text + 4)
        return vmg_error_set(reason, "%s: no host in ssh:HOST:/PATH", cmd->param);
    if ((cmd->host = strndup(text + 4, (size_t)(colon - text - 4))) == NULL)
        return vmg_error_set(reason, "out of memory");
    if (!vmg_rexec_safe_word(cmd->host))
        return vmg_error_set(reason, "%s: the host '%.64s' has characters outside "
                             "A-Z a-z 0-9 . _ , = / @ + -, or starts with '-'", cmd->param,
                             cmd->host);
    *rest = colon + 1;
    return 0;
}

/* A word passes unchanged to an exec (guest) or to a remote shell (ssh). */
static int check_word(const struct vmg_app_command *cmd, const char *word, char **reason)
{
    if (strlen(word) >= VMG_REXEC_WORD_MAX)
        return vmg_error_set(reason, "%s: a word is longer than %d characters", cmd->param,
                             VMG_REXEC_WORD_MAX - 1);
    if (cmd->where == VMG_APP_SSH && !vmg_rexec_shell_literal(word))
        return vmg_error_set(reason, "%s: '%.64s' would mean something else to the remote "
                             "shell (allowed: A-Z a-z 0-9 . _ , : = / @ + -)", cmd->param,
                             word);
    return 0;
}

/* The words of rest into cmd->argv: -1 with *reason. */
static int split_words(struct vmg_app_command *cmd, const char *rest, char **reason)
{
    VMG_AUTOFREE(char *) copy = NULL;
    char *save = NULL, *word;
    size_t n = 0;

    if ((copy = strdup(rest)) == NULL)
        return vmg_error_set(reason, "out of memory");
    for (word = strtok_r(copy, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
        if (n + 1 >= VMG_REXEC_ARGS_MAX)
            return vmg_error_set(reason, "%s has more than %d words", cmd->param,
                                 VMG_REXEC_ARGS_MAX - 1);
        if (check_word(cmd, word, reason) < 0)
            return -1;
        if (vmg_strv_push(&cmd->argv, &n, strdup(word)) < 0)
            return vmg_error_set(reason, "out of memory");
    }
    if (cmd->argv == NULL || cmd->argv[0][0] != '/')
        return vmg_error_set(reason, "%s: the program must be an absolute path", cmd->param);
    return 0;
}

int vmg_app_command_parse(const char *param, const char *text, struct vmg_app_command *cmd,
                          char **reason)
{
    const char *rest = NULL;

    memset(cmd, 0, sizeof(*cmd));
    cmd->param = param;
    if (split_where(cmd, text, &rest, reason) == 0 && rest &&
        split_words(cmd, rest, reason) == 0)
        return 0;
    vmg_app_command_clear(cmd);
    return -1;
}

int vmg_app_validate(const struct vmg_app_config *cfg, char **reason)
{
    const struct { const char *name, *text; } cmds[] = {
        { "ha_primary_probe", cfg->probe }, { "ha_primary_switchover", cfg->switchover },
        { "migration_pre_command", cfg->pre }, { "migration_post_command", cfg->post },
    };
    struct vmg_app_command cmd;
    size_t i;

    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (cmds[i].text == NULL)
            continue;
        if (vmg_app_command_parse(cmds[i].name, cmds[i].text, &cmd, reason) < 0)
            return -1;
        vmg_app_command_clear(&cmd);
    }
    if (cfg->switchover && cfg->probe == NULL)
        return vmg_error_set(reason, "ha_primary_switchover needs ha_primary_probe, to know "
                             "when the role has moved");
    return 0;
}

/* ---------------------------------------------------------- running */

static int real_run(const struct vmg_app_command *cmd, virDomainPtr dom, long long deadline_ms,
                    struct vmg_rexec_result *res, char **reason)
{
    if (cmd->where == VMG_APP_SSH)
        return vmg_rexec_ssh(cmd->host, (const char *const *)cmd->argv, deadline_ms, res,
                             reason);
    if (dom == NULL)
        return vmg_error_set(reason, "the VM is not running here, so no guest agent");
    return vmg_rexec_guest(dom, (const char *const *)cmd->argv, deadline_ms, res, reason);
}

static const struct vmg_app_transport real_transport = { real_run };
static const struct vmg_app_transport *transport = &real_transport;

void vmg_app_set_transport(const struct vmg_app_transport *t)
{
    transport = t ? t : &real_transport;
}

/* One run of one parameter's command, bounded by ha_command_timeout and
 * deadline_ms.  0 when it exited (its code in res), -1 with *reason. */
static int run(const struct vmg_app_config *cfg, const char *param, const char *text,
               virDomainPtr dom, long long deadline_ms, struct vmg_rexec_result *res,
               char **reason)
{
    struct vmg_app_command cmd;
    long long until = vmg_now_ms() + (long long)cfg->command_timeout * 1000;
    int rc;

    res->status = -1;
    res->output = NULL;
    if (vmg_app_command_parse(param, text, &cmd, reason) < 0)
        return -1;
    rc = transport->run(&cmd, dom, until < deadline_ms ? until : deadline_ms, res, reason);
    vmg_app_command_clear(&cmd);
    return rc;
}

/* The first non-empty line of text, for reasons (at most size - 1). */
static const char *first_line(const char *text, char *buf, size_t size)
{
    size_t len;

    text = text ? text + strspn(text, " \t\r\n") : "";
    len = strcspn(text, "\r\n");
    if (len >= size)
        len = size - 1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    return len ? buf : "(no output)";
}

/* probe: PROBE_PRIMARY, PROBE_NOT_PRIMARY, or -1 (doubt) with *why. */
static int ask_probe(const struct vmg_app_config *cfg, virDomainPtr dom, long long deadline_ms,
                     char **why)
{
    struct vmg_rexec_result res;
    long long start = vmg_now_ms();
    char line[160];
    int answer = -1;

    if (run(cfg, "ha_primary_probe", cfg->probe, dom, deadline_ms, &res, why) < 0) {
        qb_log(LOG_WARNING, "ha_primary_probe gave no answer in %lld ms: %s",
               vmg_now_ms() - start, *why);
        return -1;
    }
    if (res.status == PROBE_PRIMARY || res.status == PROBE_NOT_PRIMARY)
        answer = res.status;
    else
        vmg_error_set(why, "exit code %d: %s", res.status,
                      first_line(res.output, line, sizeof(line)));
    qb_log(LOG_INFO, "ha_primary_probe: %s (exit code %d, %lld ms)",
           answer == PROBE_PRIMARY ? "primary" : answer == PROBE_NOT_PRIMARY ? "not primary" :
           "no clear answer, taken as primary", res.status, vmg_now_ms() - start);
    vmg_rexec_result_clear(&res);
    return answer;
}

int vmg_app_probe(const struct vmg_app_config *cfg, virDomainPtr dom, long long deadline_ms,
                  char **reason)
{
    VMG_AUTOFREE(char *) why = NULL;
    int answer;

    if (cfg->probe == NULL)
        return 0;
    answer = ask_probe(cfg, dom, deadline_ms, &why);
    if (answer == PROBE_NOT_PRIMARY)
        return 0;
    if (answer == PROBE_PRIMARY)
        return vmg_error_set(reason, "ha_primary_probe says it is the application's primary");
    return vmg_error_set(reason, "ha_primary_probe gave no clear answer (%s), and doubt is "
                         "primary", why);
}

/* Runs the switchover command: -1 with *reason when it did not exit 0. */
static int run_switchover(const struct vmg_app_config *cfg, virDomainPtr dom,
                          long long deadline_ms, char **reason)
{
    VMG_AUTOFREE(char *) why = NULL;
    struct vmg_rexec_result res;
    long long start = vmg_now_ms();
    char line[160];
    int rc;

    rc = run(cfg, "ha_primary_switchover", cfg->switchover, dom, deadline_ms, &res, &why);
    if (rc == 0 && res.status != 0)
        rc = vmg_error_set(&why, "exit code %d: %s", res.status,
                           first_line(res.output, line, sizeof(line)));
    qb_log(rc == 0 ? LOG_NOTICE : LOG_WARNING, "ha_primary_switchover %s in %lld ms%s%s",
           rc == 0 ? "done" : "failed", vmg_now_ms() - start, rc == 0 ? "" : ": ",
           rc == 0 ? "" : why);
    vmg_rexec_result_clear(&res);
    if (rc < 0)
        return vmg_error_set(reason, "ha_primary_switchover failed (%s)", why);
    return 0;
}

int vmg_app_switch_over(const struct vmg_app_config *cfg, virDomainPtr dom,
                        long long deadline_ms, char **reason)
{
    VMG_AUTOFREE(char *) why = NULL;
    long long start = vmg_now_ms(), until;
    int answer = -1;

    if (vmg_app_probe(cfg, dom, deadline_ms, &why) == 0)
        return 0;
    if (cfg->switchover == NULL)
        return vmg_error_set(reason, "%s", why);
    until = start + (long long)cfg->switchover_timeout * 1000;
    if (until > deadline_ms)
        until = deadline_ms;
    qb_log(LOG_NOTICE, "%s: handing the role over (ha_primary_switchover), waiting at most "
           "%lld ms for the probe to say \"not primary\"", why, until - start);
    if (run_switchover(cfg, dom, until, reason) < 0)
        return -1;
    while (vmg_now_ms() + vmg_app_poll_ms < until) {
        VMG_AUTOFREE(char *) doubt = NULL;

        vmg_sleep_ms(vmg_app_poll_ms);
        if ((answer = ask_probe(cfg, dom, until, &doubt)) == PROBE_NOT_PRIMARY) {
            qb_log(LOG_NOTICE, "the application's primary role moved away %lld ms after the "
                   "switchover began", vmg_now_ms() - start);
            return 0;
        }
    }
    return vmg_error_set(reason, "ha_primary_switchover ran, but the role did not move: "
                         "ha_primary_probe did not say \"not primary\" within %lld ms "
                         "(last answer: %s)", vmg_now_ms() - start,
                         answer == PROBE_PRIMARY ? "primary" : "none, doubt is primary");
}

int vmg_app_step(const struct vmg_app_config *cfg, enum vmg_app_step step, virDomainPtr dom,
                 long long deadline_ms, char **reason)
{
    const char *param = step == VMG_APP_PRE ? "migration_pre_command" : "migration_post_command";
    const char *text = step == VMG_APP_PRE ? cfg->pre : cfg->post;
    VMG_AUTOFREE(char *) why = NULL;
    struct vmg_rexec_result res;
    long long start = vmg_now_ms();
    char line[160];
    int rc;

    if (text == NULL)
        return 0;
    rc = run(cfg, param, text, dom, deadline_ms, &res, &why);
    if (rc == 0 && res.status != 0)
        rc = vmg_error_set(&why, "exit code %d: %s", res.status,
                           first_line(res.output, line, sizeof(line)));
    qb_log(rc == 0 ? LOG_NOTICE : LOG_WARNING, "%s %s in %lld ms%s%s", param,
           rc == 0 ? "done" : "failed", vmg_now_ms() - start, rc == 0 ? "" : ": ",
           rc == 0 ? "" : why);
    vmg_rexec_result_clear(&res);
    return rc < 0 ? vmg_error_set(reason, "%s failed (%s)", param, why) : 0;
}
