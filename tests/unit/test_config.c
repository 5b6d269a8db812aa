/* Parameter parsing: types, bounds, defaults and hostile values. */
#include <build-config.h>

#include <stddef.h>
#include <stdlib.h>

#include <libvirt/libvirt.h>

#include "config.h"
#include "context.h"
#define VMG_CONTEXT_PRIV_H_ALLOW
#include "context_priv.h"
#include "log.h"
#include "unit.h"

struct sample {
    char *text;
    char *path;
    bool flag;
    unsigned long long number;
    char *choice;
};

static const char *const choices[] = { "tcp", "tls", NULL };
static const struct vmg_param table[] = {
    { "text", VMG_PARAM_STRING, "dflt", offsetof(struct sample, text), 0, 0, NULL },
    { "path", VMG_PARAM_PATH, NULL, offsetof(struct sample, path), 0, 0, NULL },
    { "flag", VMG_PARAM_BOOL, "false", offsetof(struct sample, flag), 0, 0, NULL },
    { "number", VMG_PARAM_UINT, "5", offsetof(struct sample, number), 1, 100, NULL },
    { "choice", VMG_PARAM_ENUM, "tcp", offsetof(struct sample, choice), 0, 0, choices },
};
#define N (sizeof(table) / sizeof(table[0]))

static int load(struct sample *s, char **reason)
{
    memset(s, 0, sizeof(*s));
    return vmg_params_load(table, N, s, reason);
}

static void test_defaults(const void *data)
{
    struct sample s;
    char *reason;

    unsetenv("OCF_RESKEY_text");
    CHECK_INT(load(&s, &reason), 0);
    CHECK_STR(s.text, "dflt");
    CHECK(s.path == NULL);
    CHECK(!s.flag);
    CHECK_INT(s.number, 5);
    CHECK_STR(s.choice, "tcp");
    vmg_params_free(table, N, &s);
}

static void expect_rejected(const char *key, const char *value, const char *fragment)
{
    struct sample s;
    char *reason = NULL;

    setenv(key, value, 1);
    CHECK_INT(load(&s, &reason), -1);
    CHECK(reason != NULL && strstr(reason, fragment) != NULL);
    if (reason)
        printf("# reason: %s\n", reason);
    free(reason);
    unsetenv(key);
}

static void test_bad_values(const void *data)
{
    char huge[VMG_PARAM_MAX_LEN + 2];

    memset(huge, 'a', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = '\0';
    expect_rejected("OCF_RESKEY_number", "0", "number");
    expect_rejected("OCF_RESKEY_number", "101", "out of range");
    expect_rejected("OCF_RESKEY_number", "12abc", "number");
    expect_rejected("OCF_RESKEY_number", "-3", "number");
    expect_rejected("OCF_RESKEY_number", "99999999999999999999999", "number");
    expect_rejected("OCF_RESKEY_flag", "maybe", "true or false");
    expect_rejected("OCF_RESKEY_choice", "udp;rm -rf /", "unknown value");
    expect_rejected("OCF_RESKEY_path", "relative/file.xml", "absolute");
    expect_rejected("OCF_RESKEY_text", huge, "longer than");
    expect_rejected("OCF_RESKEY_text", "a\nb", "control characters");
    expect_rejected("OCF_RESKEY_text", "\xff\xfe", "UTF-8");
    expect_rejected("OCF_RESKEY_text", "\xc0\xaf", "UTF-8");          /* overlong '/' */
    expect_rejected("OCF_RESKEY_text", "\xed\xa0\x80", "UTF-8");      /* surrogate */
}

static void test_good_values(const void *data)
{
    struct sample s;
    char *reason;

    setenv("OCF_RESKEY_text", "$(reboot) `id` ; | & > \"'", 1);
    setenv("OCF_RESKEY_flag", "YES", 1);
    setenv("OCF_RESKEY_number", "100", 1);
    setenv("OCF_RESKEY_choice", "tls", 1);
    setenv("OCF_RESKEY_path", "/etc/libvirt/qemu/vm 1.xml", 1);
    CHECK_INT(load(&s, &reason), 0);
    CHECK_STR(s.text, "$(reboot) `id` ; | & > \"'");
    CHECK(s.flag);
    CHECK_INT(s.number, 100);
    CHECK_STR(s.choice, "tls");
    CHECK_STR(s.path, "/etc/libvirt/qemu/vm 1.xml");
    vmg_params_free(table, N, &s);
    setenv("OCF_RESKEY_text", "caf\xc3\xa9 \xe2\x82\xac", 1);           /* UTF-8 is fine */
    CHECK_INT(load(&s, &reason), 0);
    vmg_params_free(table, N, &s);
    unsetenv("OCF_RESKEY_text");
    unsetenv("OCF_RESKEY_flag");
    unsetenv("OCF_RESKEY_number");
    unsetenv("OCF_RESKEY_choice");
    unsetenv("OCF_RESKEY_path");
}

static void test_env(const void *data)
{
    struct vmg_env env;
    char *reason = NULL;

    setenv("OCF_RESKEY_CRM_meta_timeout", "20000", 1);
    setenv("OCF_RESKEY_OCF_CHECK_LEVEL", "10", 1);
    setenv("HA_RSCTMP", "/run/resource-agents", 1);
    CHECK_INT(vmg_env_load(&env, &reason), 0);
    CHECK_INT(env.timeout_ms, 20000);
    CHECK_INT(env.check_level, 10);
    CHECK_STR(env.state_dir, "/run/resource-agents/vmguard");
    setenv("OCF_RESKEY_CRM_meta_timeout", "20s", 1);
    CHECK_INT(vmg_env_load(&env, &reason), -1);
    CHECK(reason && strstr(reason, "OCF_RESKEY_CRM_meta_timeout"));
    free(reason);
    unsetenv("OCF_RESKEY_CRM_meta_timeout");
}

static void expect_redacted(const char *uri, const char *want)
{
    char *got = vmg_log_redact_uri(uri);

    CHECK_STR(got, want);
    free(got);
}

static void test_redact(const void *data)
{
    expect_redacted("qemu+tcp://user:s3cret@host/system", "qemu+tcp://user:***@host/system");
    expect_redacted("qemu+tcp://user@host/system", "qemu+tcp://user@host/system");
    expect_redacted("qemu:///system", "qemu:///system");
    expect_redacted("qemu+ssh://h/system?keyfile=/k&password=x&no_verify=1",
                    "qemu+ssh://h/system?keyfile=/k&password=***&no_verify=1");
    expect_redacted("esx://a:b@h/?passwd=", "esx://a:***@h/?passwd=***");
    expect_redacted("tcp://10.0.0.1:49152", "tcp://10.0.0.1:49152");
}

struct mode_case {
    const char *text;
    int rc;
    unsigned flags;
};

static const struct mode_case modes[] = {
    { "acpi-then-agent", 0, 0 },
    { "acpi", 0, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN },
    { "agent", 0, VIR_DOMAIN_SHUTDOWN_GUEST_AGENT },
    { "initctl", 0, VIR_DOMAIN_SHUTDOWN_INITCTL },
    { "signal", 0, VIR_DOMAIN_SHUTDOWN_SIGNAL },
    { "paravirt", 0, VIR_DOMAIN_SHUTDOWN_PARAVIRT },
    { "acpi,agent", 0, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN | VIR_DOMAIN_SHUTDOWN_GUEST_AGENT },
    { "agent,initctl,signal", 0, VIR_DOMAIN_SHUTDOWN_GUEST_AGENT |
      VIR_DOMAIN_SHUTDOWN_INITCTL | VIR_DOMAIN_SHUTDOWN_SIGNAL },
    { "poweroff", -1, 0 },
    { "acpi,", -1, 0 },
    { ",acpi", -1, 0 },
    { "acpi;reboot", -1, 0 },
    { "ACPI", -1, 0 },
};

static void test_shutdown_modes(const void *data)
{
    size_t i;

    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        unsigned flags = 12345;
        char *reason = NULL;

        printf("# shutdown_mode=%s\n", modes[i].text);
        CHECK_INT(vmg_shutdown_mode_parse(modes[i].text, &flags, &reason), modes[i].rc);
        if (modes[i].rc == 0)
            CHECK_INT(flags, modes[i].flags);
        else
            CHECK(reason && strstr(reason, "shutdown_mode"));
        free(reason);
    }
}

static const struct unit_case cases[] = {
    { "shutdown modes", test_shutdown_modes, NULL },
    { "defaults", test_defaults, NULL },
    { "bad values", test_bad_values, NULL },
    { "good values", test_good_values, NULL },
    { "environment", test_env, NULL },
    { "URI redaction", test_redact, NULL },
};

int main(void)
{
    UNIT_RUN(cases);
    return unit_done();
}
