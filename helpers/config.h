/* Instance parameters from the OCF environment, and their validation.
 *
 * Each concern of the helper declares its parameters in a table of
 * struct vmg_param; vmg_params_load() fills a struct from the environment,
 * applies defaults and bounds, and explains the first bad value.  The same
 * tables are checked against metadata/VirtualMachine.xml by the unit tests. */
#ifndef VMG_CONFIG_H
#define VMG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum vmg_param_type {
    VMG_PARAM_STRING,   /* char *, NULL when unset and no default */
    VMG_PARAM_PATH,     /* char *, must be absolute */
    VMG_PARAM_BOOL,     /* bool, OCF truth values: yes/true/on/1 */
    VMG_PARAM_UINT,     /* unsigned long long within [min, max] */
    VMG_PARAM_ENUM,     /* char *, one of choices (NULL-terminated) */
};

struct vmg_param {
    const char *name;           /* OCF_RESKEY_<name> */
    enum vmg_param_type type;
    const char *default_value;  /* as text; NULL: unset */
    size_t offset;              /* offsetof() into the target struct */
    unsigned long long min, max;
    const char *const *choices;
};

/* Longest parameter value accepted: anything longer is a mistake or an attack. */
#define VMG_PARAM_MAX_LEN 4096

/* Fill target from OCF_RESKEY_* per table.  On a bad value returns -1 and
 * sets *reason (caller frees) to a sentence naming the parameter. */
int vmg_params_load(const struct vmg_param *table, size_t n, void *target,
                    char **reason);
void vmg_params_free(const struct vmg_param *table, size_t n, void *target);

/* OCF truth value, as ocf_is_true() in ocf-shellfuncs. */
bool vmg_parse_bool(const char *text, bool *value);

/* Environment of the current action (not instance parameters). */
struct vmg_env {
    const char *resource;        /* OCF_RESOURCE_INSTANCE, or "vmguard" */
    unsigned long long timeout_ms;   /* OCF_RESKEY_CRM_meta_timeout, 0 if unset */
    unsigned long long interval_ms;  /* OCF_RESKEY_CRM_meta_interval */
    unsigned check_level;            /* OCF_CHECK_LEVEL */
    const char *migrate_source;  /* OCF_RESKEY_CRM_meta_migrate_source */
    const char *migrate_target;  /* OCF_RESKEY_CRM_meta_migrate_target */
    const char *local_node;      /* OCF_RESKEY_CRM_meta_on_node */
    const char *state_dir;       /* $HA_RSCTMP/vmguard */
};

/* Reads the environment once; returns -1 with *reason on a malformed value. */
int vmg_env_load(struct vmg_env *env, char **reason);

/* The local node's name in the cluster: OCF_RESKEY_CRM_meta_on_node, else
 * the host name (a run by hand).  NULL when neither is known. */
const char *vmg_local_node_name(const struct vmg_env *env, char *buf, size_t size);

#endif
