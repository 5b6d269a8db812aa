/* Instance parameters and action environment from OCF_* variables. */
#include <build-config.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "config.h"
#include "util.h"

#define VMG_STATE_SUBDIR "vmguard"

bool vmg_parse_bool(const char *text, bool *value)
{
    static const char *const yes[] = { "yes", "true", "on", "1", NULL };
    static const char *const no[] = { "no", "false", "off", "0", NULL };
    size_t i;

    for (i = 0; yes[i]; i++)
        if (strcasecmp(text, yes[i]) == 0)
            return *value = true, true;
    for (i = 0; no[i]; i++)
        if (strcasecmp(text, no[i]) == 0)
            return *value = false, true;
    return false;
}

static bool parse_ull(const char *text, unsigned long long *value)
{
    char *end;

    if (*text < '0' || *text > '9')
        return false;
    errno = 0;
    *value = strtoull(text, &end, 10);
    return errno == 0 && *end == '\0';
}

/* Parameters reach programs and logs: refuse what no sane value contains. */
static bool is_clean_text(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;

    for (; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return false;
        if (*p >= 0x80) {
            /* Well-formed UTF-8 only, no overlongs or surrogates. */
            int extra = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 :
                        (*p & 0xf8) == 0xf0 ? 3 : -1;
            uint32_t cp = extra == 1 ? (*p & 0x1f) : extra == 2 ? (*p & 0x0f) : (*p & 0x07);
            int i;

            if (extra < 0)
                return false;
            for (i = 1; i <= extra; i++) {
                if ((p[i] & 0xc0) != 0x80)
                    return false;
                cp = (cp << 6) | (p[i] & 0x3f);
            }
            if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
                (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
                (cp >= 0xd800 && cp <= 0xdfff))
                return false;
            p += extra;
        }
    }
    return true;
}

static int load_one(const struct vmg_param *param, void *target, char **reason)
{
    char key[128];
    const char *text;
    char *field = (char *)target + param->offset;
    unsigned long long number;
    size_t i;

    snprintf(key, sizeof(key), "OCF_RESKEY_%s", param->name);
    text = getenv(key);
    if (text == NULL || *text == '\0')
        text = param->default_value;
    if (text == NULL)
        return 0;

    if (strlen(text) > VMG_PARAM_MAX_LEN)
        return vmg_error_set(reason, "parameter %s is longer than %d bytes", param->name,
                    VMG_PARAM_MAX_LEN);
    if (!is_clean_text(text))
        return vmg_error_set(reason, "parameter %s contains control characters or invalid UTF-8",
                    param->name);

    switch (param->type) {
    case VMG_PARAM_PATH:
        if (text[0] != '/')
            return vmg_error_set(reason, "parameter %s must be an absolute path, not '%.80s'",
                        param->name, text);
        /* fall through */
    case VMG_PARAM_STRING:
        if ((*(char **)field = strdup(text)) == NULL)
            return vmg_error_set(reason, "out of memory reading %s", param->name);
        return 0;
    case VMG_PARAM_BOOL:
        if (!vmg_parse_bool(text, (bool *)field))
            return vmg_error_set(reason, "parameter %s must be true or false, not '%.40s'",
                        param->name, text);
        return 0;
    case VMG_PARAM_UINT:
        if (!parse_ull(text, &number) || number < param->min || number > param->max)
            return vmg_error_set(reason, "parameter %s is out of range: '%.40s' (expected a whole "
                        "number from %llu to %llu)", param->name, text, param->min, param->max);
        *(unsigned long long *)field = number;
        return 0;
    case VMG_PARAM_ENUM:
        for (i = 0; param->choices[i]; i++) {
            if (strcmp(text, param->choices[i]) == 0) {
                if ((*(char **)field = strdup(text)) == NULL)
                    return vmg_error_set(reason, "out of memory reading %s", param->name);
                return 0;
            }
        }
        return vmg_error_set(reason, "parameter %s has an unknown value '%.40s'", param->name, text);
    }
    return vmg_error_set(reason, "parameter %s has an unknown type", param->name);
}

int vmg_params_load(const struct vmg_param *table, size_t n, void *target, char **reason)
{
    size_t i;

    *reason = NULL;
    for (i = 0; i < n; i++) {
        if (load_one(&table[i], target, reason) < 0) {
            vmg_params_free(table, n, target);
            return -1;
        }
    }
    return 0;
}

void vmg_params_free(const struct vmg_param *table, size_t n, void *target)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char **field = (char **)((char *)target + table[i].offset);

        if (table[i].type == VMG_PARAM_STRING || table[i].type == VMG_PARAM_PATH ||
            table[i].type == VMG_PARAM_ENUM) {
            free(*field);
            *field = NULL;
        }
    }
}

static int env_number(const char *key, unsigned long long *value, char **reason)
{
    const char *text = getenv(key);

    *value = 0;
    if (text == NULL || *text == '\0')
        return 0;
    if (!parse_ull(text, value))
        return vmg_error_set(reason, "%s is not a whole number: '%.40s'", key, text);
    return 0;
}

static const char *env_text(const char *key)
{
    const char *text = getenv(key);

    return text && *text && strlen(text) <= VMG_PARAM_MAX_LEN && is_clean_text(text) ? text : NULL;
}

int vmg_env_load(struct vmg_env *env, char **reason)
{
    static char state_dir[VMG_PARAM_MAX_LEN + sizeof(VMG_STATE_SUBDIR) + 2];
    unsigned long long level;
    const char *rsctmp;

    *reason = NULL;
    memset(env, 0, sizeof(*env));
    env->resource = env_text("OCF_RESOURCE_INSTANCE");
    if (env->resource == NULL)
        env->resource = "vmguard";
    env->migrate_source = env_text("OCF_RESKEY_CRM_meta_migrate_source");
    env->migrate_target = env_text("OCF_RESKEY_CRM_meta_migrate_target");
    env->local_node = env_text("OCF_RESKEY_CRM_meta_on_node");

    if (env_number("OCF_RESKEY_CRM_meta_timeout", &env->timeout_ms, reason) < 0 ||
        env_number("OCF_RESKEY_CRM_meta_interval", &env->interval_ms, reason) < 0)
        return -1;
    /* Pacemaker passes an op's OCF_CHECK_LEVEL as an instance attribute. */
    if (env_number(getenv("OCF_CHECK_LEVEL") ? "OCF_CHECK_LEVEL" : "OCF_RESKEY_OCF_CHECK_LEVEL",
                   &level, reason) < 0)
        return -1;
    env->check_level = level > 20 ? 20 : (unsigned)level;

    rsctmp = env_text("HA_RSCTMP");
    if (rsctmp == NULL || rsctmp[0] != '/')
        rsctmp = "/run/resource-agents";
    snprintf(state_dir, sizeof(state_dir), "%s/%s", rsctmp, VMG_STATE_SUBDIR);
    env->state_dir = state_dir;
    return 0;
}

const char *vmg_local_node_name(const struct vmg_env *env, char *buf, size_t size)
{
    struct utsname host;

    if (env && env->local_node)
        return env->local_node;
    /* Pacemaker names the node after its host name unless corosync.conf
     * says otherwise; every action Pacemaker runs passes the real name. */
    if (uname(&host) < 0 || host.nodename[0] == '\0')
        return NULL;
    snprintf(buf, size, "%s", host.nodename);
    return buf;
}
