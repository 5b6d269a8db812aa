/* The application's HA pair: parsing the commands, the probe's answers
 * (doubt is primary), the planned switchover and its bound, the pre and
 * post commands' reasons.  A fake transport plays the guest or the host;
 * the last cases run the real ssh transport through a stand-in ssh
 * ($VMGUARD_SSH) that runs the command here. */
#include <build-config.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#define VMG_APP_ROLE_PRIV_H_ALLOW
#include "app_role_priv.h"
#include "unit.h"

/* ------------------------------------------------------ fake transport */

/* One scripted answer: an exit code and output, or no answer at all. */
struct answer {
    const char *param;          /* the command expected to run */
    int status;                 /* -1: could not run / timed out */
    const char *output;
};

static const struct answer *script;
static size_t script_len, calls;
static char last_argv0[256], last_host[256];
static long long last_budget_ms;

static int fake_run(const struct vmg_app_command *cmd, virDomainPtr dom, long long deadline_ms,
                    struct vmg_rexec_result *res, char **reason)
{
    const struct answer *a;

    (void)dom;
    snprintf(last_argv0, sizeof(last_argv0), "%s", cmd->argv[0]);
    snprintf(last_host, sizeof(last_host), "%s", cmd->host ? cmd->host : "");
    last_budget_ms = deadline_ms - vmg_now_ms();
    if (calls >= script_len) {
        printf("# unscripted call %zu of %s\n", calls, cmd->param);
        calls++;
        return vmg_error_set(reason, "unscripted");
    }
    a = &script[calls++];
    if (strcmp(a->param, cmd->param) != 0)
        printf("# call %zu: expected %s, got %s\n", calls, a->param, cmd->param);
    if (a->status < 0)
        return vmg_error_set(reason, "no answer from the guest agent");
    res->status = a->status;
    res->output = strdup(a->output ? a->output : "");
    return 0;
}

static const struct vmg_app_transport fake = { fake_run };

#define PLAY(answers) do { \
    script = (answers); \
    script_len = sizeof(answers) / sizeof((answers)[0]); \
    calls = 0; \
} while (0)

static struct vmg_app_config config(const char *probe, const char *switchover)
{
    struct vmg_app_config cfg = {
        .probe = (char *)probe, .switchover = (char *)switchover,
        .command_timeout = 10, .switchover_timeout = 60,
    };
    return cfg;
}

#define FAR (vmg_now_ms() + 600000)

/* ------------------------------------------------------------- parsing */

static bool parses(const char *text, char **why)
{
    struct vmg_app_command cmd;
    int rc = vmg_app_command_parse("ha_primary_probe", text, &cmd, why);

    vmg_app_command_clear(&cmd);
    return rc == 0;
}

static void test_parse(const void *data)
{
    struct vmg_app_command cmd;
    char *why = NULL;

    (void)data;
    CHECK_INT(vmg_app_command_parse("p", "guest:/usr/local/bin/is-primary --db main", &cmd,
                                    &why), 0);
    CHECK(cmd.where == VMG_APP_GUEST && cmd.host == NULL);
    CHECK_STR(cmd.argv[0], "/usr/local/bin/is-primary");
    CHECK_STR(cmd.argv[1], "--db");
    CHECK_STR(cmd.argv[2], "main");
    CHECK(cmd.argv[3] == NULL);
    vmg_app_command_clear(&cmd);

    CHECK_INT(vmg_app_command_parse("p", "ssh:root@db1:/opt/app/role  check", &cmd, &why), 0);
    CHECK(cmd.where == VMG_APP_SSH);
    CHECK_STR(cmd.host, "root@db1");
    CHECK_STR(cmd.argv[0], "/opt/app/role");
    CHECK_STR(cmd.argv[1], "check");
    vmg_app_command_clear(&cmd);

    /* In a guest, the agent execs the words as given: any character. */
    CHECK(parses("guest:/bin/app role=primary;$(x)", &why));
    /* Over ssh a remote shell joins them: only literal characters. */
    CHECK(!parses("ssh:db1:/bin/app $(reboot)", &why));
    CHECK(why && strstr(why, "remote shell"));
    free(why);
    why = NULL;
    CHECK(!parses("ssh:-oProxyCommand=x:/bin/app", &why));
    CHECK(why && strstr(why, "host"));
    free(why);
    why = NULL;
    CHECK(!parses("guest:is-primary", &why));
    CHECK(why && strstr(why, "absolute"));
    free(why);
    why = NULL;
    CHECK(!parses("/usr/bin/is-primary", &why));
    CHECK(why && strstr(why, "guest:/PATH or ssh:HOST:/PATH"));
    free(why);
    why = NULL;
    CHECK(!parses("guest:", &why));
    free(why);
    why = NULL;
    CHECK(!parses("ssh::/bin/x", &why));
    free(why);
    why = NULL;
}

static void test_validate(const void *data)
{
    struct vmg_app_config cfg = config(NULL, "guest:/bin/switch");
    char *why = NULL;

    (void)data;
    CHECK_INT(vmg_app_validate(&cfg, &why), -1);
    CHECK(why && strstr(why, "needs ha_primary_probe"));
    free(why);
    why = NULL;
    cfg = config("guest:/bin/probe", "guest:/bin/switch");
    cfg.post = "ssh:db1:/bin/start ;reboot";
    CHECK_INT(vmg_app_validate(&cfg, &why), -1);
    CHECK(why && strstr(why, "migration_post_command"));
    free(why);
    why = NULL;
    cfg.post = "ssh:db1:/bin/start now";
    CHECK_INT(vmg_app_validate(&cfg, &why), 0);
    CHECK(why == NULL);
}

/* --------------------------------------------------------------- probe */

static int probe_with(int status, const char *output, char **why)
{
    struct vmg_app_config cfg = config("guest:/bin/probe", NULL);
    const struct answer answers[] = { { "ha_primary_probe", status, output } };

    PLAY(answers);
    return vmg_app_probe(&cfg, NULL, FAR, why);
}

static void test_probe(const void *data)
{
    struct vmg_app_config none = config(NULL, NULL);
    char *why = NULL;

    (void)data;
    CHECK_INT(probe_with(1, "", &why), 0);
    CHECK(why == NULL);
    CHECK_INT(probe_with(0, "", &why), -1);
    CHECK(why && strstr(why, "primary"));
    free(why);
    why = NULL;
    /* Doubt is primary: another code, no answer. */
    CHECK_INT(probe_with(2, "cannot reach the database\nmore", &why), -1);
    CHECK(why && strstr(why, "exit code 2: cannot reach the database") &&
          !strstr(why, "more"));
    free(why);
    why = NULL;
    CHECK_INT(probe_with(127, "", &why), -1);
    free(why);
    why = NULL;
    CHECK_INT(probe_with(-1, NULL, &why), -1);
    CHECK(why && strstr(why, "no answer") && strstr(why, "doubt is primary"));
    free(why);
    why = NULL;
    /* Unset: nothing runs. */
    calls = 0;
    CHECK_INT(vmg_app_probe(&none, NULL, FAR, &why), 0);
    CHECK_INT(calls, 0);
}

static void test_probe_bounds(const void *data)
{
    struct vmg_app_config cfg = config("guest:/bin/probe", NULL);
    const struct answer answers[] = { { "ha_primary_probe", 1, "" },
                                      { "ha_primary_probe", 1, "" } };
    char *why = NULL;

    (void)data;
    PLAY(answers);
    cfg.command_timeout = 3;
    CHECK_INT(vmg_app_probe(&cfg, NULL, FAR, &why), 0);
    CHECK(last_budget_ms > 2000 && last_budget_ms <= 3000);
    /* The action's deadline is nearer than ha_command_timeout. */
    CHECK_INT(vmg_app_probe(&cfg, NULL, vmg_now_ms() + 1500, &why), 0);
    CHECK(last_budget_ms > 500 && last_budget_ms <= 1500);
}

/* ---------------------------------------------------------- switchover */

static void test_switchover(const void *data)
{
    struct vmg_app_config cfg = config("guest:/bin/probe", "guest:/bin/switch");
    const struct answer moves[] = {
        { "ha_primary_probe", 0, "" }, { "ha_primary_switchover", 0, "" },
        { "ha_primary_probe", 0, "" }, { "ha_primary_probe", 3, "" },
        { "ha_primary_probe", 1, "" },
    };
    const struct answer secondary[] = { { "ha_primary_probe", 1, "" } };
    const struct answer fails[] = {
        { "ha_primary_probe", 0, "" }, { "ha_primary_switchover", 4, "peer not in sync\n" },
    };
    char *why = NULL;

    (void)data;
    vmg_app_poll_ms = 10;
    PLAY(moves);
    CHECK_INT(vmg_app_switch_over(&cfg, NULL, FAR, &why), 0);
    CHECK(why == NULL);
    CHECK_INT(calls, 5);
    /* Not primary: no switchover. */
    PLAY(secondary);
    CHECK_INT(vmg_app_switch_over(&cfg, NULL, FAR, &why), 0);
    CHECK_INT(calls, 1);
    /* The switchover command fails: refused with its reason, no waiting. */
    PLAY(fails);
    CHECK_INT(vmg_app_switch_over(&cfg, NULL, FAR, &why), -1);
    CHECK(why && strstr(why, "ha_primary_switchover failed (exit code 4: peer not in sync)"));
    CHECK_INT(calls, 2);
    free(why);
    why = NULL;
    /* No switchover configured: refused as before. */
    cfg.switchover = NULL;
    PLAY(fails);
    CHECK_INT(vmg_app_switch_over(&cfg, NULL, FAR, &why), -1);
    CHECK(why && strstr(why, "primary"));
    CHECK_INT(calls, 1);
    free(why);
    why = NULL;
}

/* The role never moves: refused within the bound, probing all along. */
static void test_switchover_bound(const void *data)
{
    struct vmg_app_config cfg = config("guest:/bin/probe", "guest:/bin/switch");
    static struct answer stuck[64];
    long long start;
    size_t i;
    char *why = NULL;

    (void)data;
    for (i = 0; i < sizeof(stuck) / sizeof(stuck[0]); i++)
        stuck[i] = (struct answer){ i == 1 ? "ha_primary_switchover" : "ha_primary_probe",
                                    0, "" };
    vmg_app_poll_ms = 50;
    cfg.switchover_timeout = 1;
    PLAY(stuck);
    start = vmg_now_ms();
    CHECK_INT(vmg_app_switch_over(&cfg, NULL, FAR, &why), -1);
    CHECK(vmg_now_ms() - start >= 900 && vmg_now_ms() - start < 1500);
    CHECK(why && strstr(why, "the role did not move") && strstr(why, "(last answer: primary)"));
    CHECK(calls > 5 && calls < 30);
    free(why);
    why = NULL;
    /* The action's deadline is nearer than ha_primary_switchover_timeout. */
    cfg.switchover_timeout = 60;
    PLAY(stuck);
    start = vmg_now_ms();
    CHECK_INT(vmg_app_switch_over(&cfg, NULL, start + 500, &why), -1);
    CHECK(vmg_now_ms() - start < 800);
    free(why);
    why = NULL;
    vmg_app_poll_ms = 1000;
}

/* ------------------------------------------------------------ pre, post */

static void test_steps(const void *data)
{
    struct vmg_app_config cfg = config(NULL, NULL);
    const struct answer fine[] = { { "migration_pre_command", 0, "stopped\n" } };
    const struct answer post_fails[] = {
        { "migration_post_command", 1, "\nping 10.0.0.1: unreachable\nretrying\n" },
    };
    const struct answer silent[] = { { "migration_pre_command", -1, NULL } };
    char *why = NULL;

    (void)data;
    CHECK_INT(vmg_app_step(&cfg, VMG_APP_PRE, NULL, FAR, &why), 0);    /* unset */
    cfg.pre = "ssh:db2:/usr/sbin/service-ctl stop";
    cfg.post = "guest:/usr/sbin/service-ctl start";
    PLAY(fine);
    CHECK_INT(vmg_app_step(&cfg, VMG_APP_PRE, NULL, FAR, &why), 0);
    CHECK_STR(last_host, "db2");
    CHECK_STR(last_argv0, "/usr/sbin/service-ctl");
    PLAY(post_fails);
    CHECK_INT(vmg_app_step(&cfg, VMG_APP_POST, NULL, FAR, &why), -1);
    CHECK_STR(why, "migration_post_command failed (exit code 1: ping 10.0.0.1: unreachable)");
    free(why);
    why = NULL;
    PLAY(silent);
    CHECK_INT(vmg_app_step(&cfg, VMG_APP_PRE, NULL, FAR, &why), -1);
    CHECK(why && strstr(why, "migration_pre_command failed (no answer"));
    free(why);
    why = NULL;
}

/* ------------------------------------------------- the real ssh transport */

static char fake_ssh[] = "/tmp/vmg-test-ssh-XXXXXX";

/* ssh -o BatchMode=yes -o ConnectTimeout=5 -T -- HOST ARGV...: runs ARGV here. */
static void make_fake_ssh(void)
{
    FILE *f;
    int fd = mkstemp(fake_ssh);

    if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
        printf("Bail out! cannot write a stand-in ssh\n");
        exit(1);
    }
    fprintf(f, "#!/bin/sh\n[ \"$1 $2 $3 $4 $5 $6\" = '-o BatchMode=yes -o ConnectTimeout=5 -T "
               "--' ] || exit 99\nshift 7\nexec \"$@\"\n");
    fclose(f);
    chmod(fake_ssh, 0700);
    setenv("VMGUARD_SSH", fake_ssh, 1);
}

static void test_real_ssh(const void *data)
{
    struct vmg_app_config cfg = config("ssh:db1:/bin/true", NULL);
    long long start;
    char *why = NULL;

    (void)data;
    make_fake_ssh();
    vmg_app_set_transport(NULL);
    CHECK_INT(vmg_app_probe(&cfg, NULL, FAR, &why), -1);     /* exit 0: primary */
    CHECK(why && strstr(why, "says it is the application's primary"));
    free(why);
    why = NULL;
    cfg.probe = "ssh:db1:/bin/false";
    CHECK_INT(vmg_app_probe(&cfg, NULL, FAR, &why), 0);
    cfg.probe = "ssh:db1:/bin/sleep 5";
    cfg.command_timeout = 1;
    start = vmg_now_ms();
    CHECK_INT(vmg_app_probe(&cfg, NULL, FAR, &why), -1);
    CHECK(vmg_now_ms() - start < 2500);
    CHECK(why && strstr(why, "doubt is primary"));
    free(why);
    why = NULL;
    cfg.pre = "ssh:db1:/bin/ls /nonexistent-vmg";
    CHECK_INT(vmg_app_step(&cfg, VMG_APP_PRE, NULL, FAR, &why), -1);
    CHECK(why && strstr(why, "exit code 2: ") && strstr(why, "nonexistent-vmg"));
    free(why);
    why = NULL;
    /* A guest command with no running VM: no answer, doubt is primary. */
    cfg.probe = "guest:/bin/true";
    CHECK_INT(vmg_app_probe(&cfg, NULL, FAR, &why), -1);
    CHECK(why && strstr(why, "not running here"));
    free(why);
    why = NULL;
    unlink(fake_ssh);
    unsetenv("VMGUARD_SSH");
}

static const struct unit_case cases[] = {
    { "parse", test_parse, NULL },
    { "validate", test_validate, NULL },
    { "probe", test_probe, NULL },
    { "probe bounds", test_probe_bounds, NULL },
    { "switchover", test_switchover, NULL },
    { "switchover bound", test_switchover_bound, NULL },
    { "pre and post", test_steps, NULL },
    { "real ssh transport", test_real_ssh, NULL },
};

int main(void)
{
    vmg_log_init("unit", "test");
    vmg_app_set_transport(&fake);
    UNIT_RUN(cases);
    vmg_log_fini();
    return unit_done();
}
