/* Loading the cluster plugin on first use (see cluster.h). */
#include <build-config.h>

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "log.h"
#include "virt.h"

#define PLUGIN_NAME "vmguard-cluster.so"

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct vmg_cluster_ops *loaded;

/* $VMGUARD_CLUSTER_PLUGIN, else next to /proc/self/exe: an installed helper
 * and its plugin share $(libexecdir)/vmguard, a build tree helpers/. */
static int plugin_path(char *path, size_t size, char **reason)
{
    const char *forced = getenv("VMGUARD_CLUSTER_PLUGIN");
    char exe[PATH_MAX];
    ssize_t n;
    char *slash;

    if (forced && *forced) {
        if ((size_t)snprintf(path, size, "%s", forced) >= size)
            return vmg_error_set(reason, "VMGUARD_CLUSTER_PLUGIN is too long");
        return 0;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return vmg_error_set(reason, "cannot find the helper's own path in /proc/self/exe");
    exe[n] = '\0';
    if ((slash = strrchr(exe, '/')) == NULL)
        return vmg_error_set(reason, "the helper's own path %s has no directory", exe);
    slash[1] = '\0';
    if ((size_t)snprintf(path, size, "%s%s", exe, PLUGIN_NAME) >= size)
        return vmg_error_set(reason, "the helper's directory %s is too long", exe);
    return 0;
}

static const struct vmg_cluster_ops *load(char **reason)
{
    char path[PATH_MAX];
    const struct vmg_cluster_ops *ops;
    void *handle;
    const char *err;

    if (plugin_path(path, sizeof(path), reason) < 0)
        return NULL;
    /* Never closed: libcrmcommon and libqb keep state until exit. */
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        err = dlerror();
        vmg_error_set(reason, "cannot load the cluster plugin: %s", err ? err : path);
        return NULL;
    }
    ops = dlsym(handle, VMG_CLUSTER_OPS_SYMBOL);
    if (ops == NULL) {
        vmg_error_set(reason, "the cluster plugin %s has no %s", path, VMG_CLUSTER_OPS_SYMBOL);
        return NULL;
    }
    if (ops->abi != VMG_CLUSTER_ABI || ops->size != sizeof(*ops)) {
        vmg_error_set(reason, "the cluster plugin %s belongs to another vmguard build", path);
        return NULL;
    }
    qb_log(LOG_DEBUG, "cluster plugin %s loaded", path);
    return ops;
}

const struct vmg_cluster_ops *vmg_cluster_ops(char **reason)
{
    const struct vmg_cluster_ops *ops;

    pthread_mutex_lock(&load_lock);
    if (loaded == NULL && (loaded = load(reason)) == NULL)
        qb_log(LOG_ERR, "%s", *reason);
    ops = loaded;
    pthread_mutex_unlock(&load_lock);
    return ops;
}

int vmg_cluster_cib_query(const char *xpath, int timeout_s, xmlNode **result, char **reason)
{
    const struct vmg_cluster_ops *ops = vmg_cluster_ops(reason);

    *result = NULL;
    return ops ? ops->cib_query(xpath, timeout_s, result, reason) : -1;
}

void vmg_cluster_cib_free(xmlNode *result)
{
    /* A result exists only if the plugin was loaded. */
    if (result && loaded)
        loaded->cib_free(result);
}

xmlNode *vmg_cluster_cib_empty_answer(char **reason)
{
    const struct vmg_cluster_ops *ops = vmg_cluster_ops(reason);
    xmlNode *answer = ops ? ops->cib_empty_answer() : NULL;

    if (ops && answer == NULL)
        vmg_error_set(reason, "out of memory");
    return answer;
}

int vmg_cluster_cib_set_utilization(const char *resource, const struct vmg_cib_attr *want,
                                    size_t n, int timeout_s, unsigned *written,
                                    enum vmg_cib_fault *fault, char **reason)
{
    const struct vmg_cluster_ops *ops;

    *written = 0;
    *fault = VMG_CIB_FAILED;
    if (!vmg_cib_name_ok(resource))
        return vmg_error_set(reason, "the resource name is not usable in the CIB");
    ops = vmg_cluster_ops(reason);
    return ops ? ops->cib_set_utilization(resource, want, n, timeout_s, written, fault, reason)
               : -1;
}

bool vmg_cib_name_ok(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;

    if (text == NULL || *text == '\0' || strlen(text) > VMG_CIB_NAME_MAX)
        return false;
    for (; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '\'')
            return false;
    return true;
}

int vmg_cluster_token_get(struct vmg_token_value *configured, uint32_t *runtime_ms,
                          bool *absent, char **reason)
{
    const struct vmg_cluster_ops *ops = vmg_cluster_ops(reason);

    if (absent)
        *absent = false;
    return ops ? ops->token_get(configured, runtime_ms, absent, reason) : -1;
}

int vmg_cluster_token_apply(const struct vmg_token_value *value, unsigned wait_ms,
                            char **reason)
{
    const struct vmg_cluster_ops *ops = vmg_cluster_ops(reason);

    return ops ? ops->token_apply(value, wait_ms, reason) : -1;
}

int vmg_cluster_wait_token_round(unsigned wait_ms, char **reason)
{
    const struct vmg_cluster_ops *ops = vmg_cluster_ops(reason);

    return ops ? ops->wait_token_round(wait_ms, reason) : -1;
}

int vmg_cluster_hold_get(struct vmg_token_value *configured, uint32_t *runtime_ms,
                         bool *absent, char **reason)
{
    const struct vmg_cluster_ops *ops = vmg_cluster_ops(reason);

    if (absent)
        *absent = false;
    return ops ? ops->hold_get(configured, runtime_ms, absent, reason) : -1;
}

int vmg_cluster_hold_apply(const struct vmg_token_value *value, char **reason)
{
    const struct vmg_cluster_ops *ops = vmg_cluster_ops(reason);

    return ops ? ops->hold_apply(value, reason) : -1;
}

int vmg_cluster_other_nodes(char ***names, bool *absent, char **reason)
{
    const struct vmg_cluster_ops *ops = vmg_cluster_ops(reason);

    if (absent)
        *absent = false;
    *names = NULL;
    return ops ? ops->other_nodes(names, absent, reason) : -1;
}

char *vmg_cluster_guest_agent(virDomainPtr dom, const char *cmd, int timeout_s, char **reason)
{
    const struct vmg_cluster_ops *ops = vmg_cluster_ops(reason);
    char *reply;

    if (ops == NULL)
        return NULL;
    reply = ops->guest_agent_command(dom, cmd, timeout_s, 0);
    if (reply == NULL)
        vmg_error_set(reason, "%s", vmg_virt_error());
    return reply;
}
