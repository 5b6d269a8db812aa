/* VirtualDomain's migrate_options onto the typed migration parameters (see
 * migrate_uri.h).
 *
 * VirtualDomain splices the text into a virsh command line.  vmguard calls
 * the libvirt API, so each virsh option people put there is looked up in a
 * table and becomes the typed parameter that does the same; anything else
 * is refused by name, since dropping it would change the migration
 * silently.  The typed parameter wins when both are set. */
#include <build-config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate_uri.h"
#include "util.h"

/* Longest option list accepted: a real one is a handful of options. */
#define MAX_TOKENS 64

struct option_args {
    struct vmg_migrate_config *cfg;
    const char *name;           /* the option as written, for reasons */
    const char *value;          /* NULL for a flag */
    char **reason;
};

/* A whole number in [min, max] into *value, else -1 with a reason. */
static int number(const struct option_args *a, unsigned long long min, unsigned long long max,
                  unsigned long long *value)
{
    char *end = NULL;

    *value = 0;
    errno = 0;
    if (a->value[0] >= '0' && a->value[0] <= '9')
        *value = strtoull(a->value, &end, 10);
    if (end == NULL || *end || errno || *value < min || *value > max)
        return vmg_error_set(a->reason, "migrate_options: %s needs a whole number from %llu "
                             "to %llu, not '%.40s'", a->name, min, max, a->value);
    return 0;
}

/* Sets a text field that its typed parameter left unset (NULL or dflt). */
static int set_text(char **field, const char *dflt, const char *value, char **reason)
{
    char *copy;

    if (*field && (dflt == NULL || strcmp(*field, dflt) != 0))
        return 0;
    if ((copy = strdup(value)) == NULL)
        return vmg_error_set(reason, "out of memory");
    free(*field);
    *field = copy;
    return 0;
}

static int opt_ignore(const struct option_args *a)
{
    (void)a;
    return 0;
}

static int opt_persistent(const struct option_args *a)
{
    return set_text(&a->cfg->persistent, "auto", "true", a->reason);
}

static int opt_compressed(const struct option_args *a)
{
    /* libvirt's default method for VIR_MIGRATE_COMPRESSED alone. */
    return set_text(&a->cfg->compression, NULL, "xbzrle", a->reason);
}

static int opt_comp_methods(const struct option_args *a)
{
    return set_text(&a->cfg->compression, NULL, a->value, a->reason);
}

static int opt_auto_converge(const struct option_args *a)
{
    a->cfg->auto_converge = true;
    return 0;
}

static int opt_postcopy(const struct option_args *a)
{
    return set_text(&a->cfg->postcopy, "off", "auto", a->reason);
}

static int opt_postcopy_after_precopy(const struct option_args *a)
{
    if (strcmp(a->cfg->postcopy, "off") != 0 && strcmp(a->cfg->postcopy, "auto") != 0)
        return 0;
    free(a->cfg->postcopy);
    a->cfg->postcopy = strdup("always");
    return a->cfg->postcopy ? 0 : vmg_error_set(a->reason, "out of memory");
}

static int opt_parallel(const struct option_args *a)
{
    if (a->cfg->parallel == 0)
        a->cfg->parallel = 2;   /* libvirt's default connection count */
    return 0;
}

static int opt_parallel_connections(const struct option_args *a)
{
    unsigned long long n = 0;

    if (number(a, 1, 255, &n) < 0)
        return -1;
    if (a->cfg->parallel == 0)
        a->cfg->parallel = n;
    return 0;
}

static int opt_bandwidth(const struct option_args *a)
{
    unsigned long long n = 0;

    if (number(a, 1, 1ULL << 40, &n) < 0)
        return -1;
    if (a->cfg->bandwidth == 0 && a->cfg->speed == 0)
        a->cfg->bandwidth = n;
    return 0;
}

static int opt_postcopy_bandwidth(const struct option_args *a)
{
    unsigned long long n = 0;

    if (number(a, 1, 1ULL << 40, &n) < 0)
        return -1;
    if (a->cfg->postcopy_bandwidth == 0)
        a->cfg->postcopy_bandwidth = n;
    return 0;
}

static int opt_timeout(const struct option_args *a)
{
    return number(a, 1, 86400, &a->cfg->timeout_s);
}

static int opt_timeout_postcopy(const struct option_args *a)
{
    a->cfg->timeout_postcopy = true;
    return 0;
}

static int opt_copy_storage_all(const struct option_args *a)
{
    a->cfg->block = true;
    return 0;
}

static int opt_tunnelled(const struct option_args *a)
{
    a->cfg->tunnelled = true;
    return 0;
}

static int opt_migrateuri(const struct option_args *a)
{
    return set_text(&a->cfg->migrateuri, NULL, a->value, a->reason);
}

struct option {
    const char *name;
    bool takes_value;
    int (*apply)(const struct option_args *a);
};

static const struct option options[] = {
    /* What vmguard always does: live, peer-to-peer, abort on I/O errors. */
    { "--live", false, opt_ignore },
    { "--p2p", false, opt_ignore },
    { "--abort-on-error", false, opt_ignore },
    { "--verbose", false, opt_ignore },
    /* Done whenever the definition moves and the source had one. */
    { "--undefinesource", false, opt_ignore },
    { "--persistent", false, opt_persistent },
    { "--compressed", false, opt_compressed },
    { "--comp-methods", true, opt_comp_methods },
    { "--auto-converge", false, opt_auto_converge },
    { "--postcopy", false, opt_postcopy },
    { "--postcopy-after-precopy", false, opt_postcopy_after_precopy },
    { "--parallel", false, opt_parallel },
    { "--parallel-connections", true, opt_parallel_connections },
    { "--bandwidth", true, opt_bandwidth },
    { "--postcopy-bandwidth", true, opt_postcopy_bandwidth },
    { "--timeout", true, opt_timeout },
    { "--timeout-suspend", false, opt_ignore },     /* --timeout's default */
    { "--timeout-postcopy", false, opt_timeout_postcopy },
    { "--copy-storage-all", false, opt_copy_storage_all },
    { "--tunnelled", false, opt_tunnelled },
    { "--migrateuri", true, opt_migrateuri },
};

static const struct option *find_option(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return &options[i];
    return NULL;
}

/* One option at tokens[*i], with its value inline (--x=v) or next. */
static int apply_one(struct vmg_migrate_config *cfg, char **tokens, size_t n, size_t *i,
                     char **reason)
{
    char *token = tokens[*i], *eq = strchr(token, '=');
    const struct option *opt = find_option(token, eq ? (size_t)(eq - token) : strlen(token));
    struct option_args a = { .cfg = cfg, .name = token, .reason = reason };

    if (opt == NULL)
        return vmg_error_set(reason, "migrate_options: '%.60s' is not an option vmguard can "
                             "map onto its migration parameters: use those instead", token);
    if (eq)
        *eq = '\0';
    if (opt->takes_value) {
        a.value = eq ? eq + 1 : *i + 1 < n ? tokens[++*i] : NULL;
        if (a.value == NULL || *a.value == '\0')
            return vmg_error_set(reason, "migrate_options: %s needs a value", token);
    } else if (eq) {
        return vmg_error_set(reason, "migrate_options: %s takes no value", token);
    }
    return opt->apply(&a);
}

/* The data never has a URI of its own in a tunnelled migration, and
 * libvirt refuses parallel connections through the tunnel. */
static int check_tunnelled(const struct vmg_migrate_config *cfg, char **reason)
{
    const char *conflict = cfg->migrateuri ? "migrateuri" :
                           cfg->network ? "migration_network" :
                           cfg->network_suffix ? "migration_network_suffix" :
                           cfg->port ? "migration_port" :
                           cfg->parallel > 1 ? "migration_parallel" : NULL;

    if (conflict)
        return vmg_error_set(reason, "migrate_options: --tunnelled sends the data through the "
                             "libvirt daemon connection; %s cannot be used with it", conflict);
    return 0;
}

static int split(char *text, char **tokens, size_t *n, char **reason)
{
    char *save = NULL, *token;

    *n = 0;
    for (token = strtok_r(text, " \t", &save); token; token = strtok_r(NULL, " \t", &save)) {
        if (*n == MAX_TOKENS)
            return vmg_error_set(reason, "migrate_options has more than %d words", MAX_TOKENS);
        tokens[(*n)++] = token;
    }
    return 0;
}

int vmg_migrate_options_apply(struct vmg_migrate_config *cfg, char **reason)
{
    VMG_AUTOFREE(char *) text = NULL;
    char *tokens[MAX_TOKENS];
    size_t n = 0, i;

    if (cfg->migrateport && cfg->port == NULL &&
        asprintf(&cfg->port, "%llu", cfg->migrateport) < 0) {
        cfg->port = NULL;
        return vmg_error_set(reason, "out of memory");
    }
    if (cfg->options && (text = strdup(cfg->options)) == NULL)
        return vmg_error_set(reason, "out of memory");
    if (text && split(text, tokens, &n, reason) < 0)
        return -1;
    for (i = 0; i < n; i++)
        if (apply_one(cfg, tokens, n, &i, reason) < 0)
            return -1;
    if (cfg->timeout_postcopy && strcmp(cfg->postcopy, "off") == 0)
        return vmg_error_set(reason, "migrate_options: --timeout-postcopy needs --postcopy "
                             "(or migration_postcopy)");
    return cfg->tunnelled ? check_tunnelled(cfg, reason) : 0;
}
