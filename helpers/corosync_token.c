/* totem.token and totem.hold through libcmap: get, set or delete, wait
 * until in force. */
#include <build-config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <corosync/cmap.h>

#include "corosync_token.h"
#include "log.h"
#include "util.h"

#define TOKEN_KEY "totem.token"
#define RUNTIME_TOKEN_KEY "runtime.config.totem.token"
#define HOLD_KEY "totem.hold"
#define RUNTIME_HOLD_KEY "runtime.config.totem.hold"
#define TOKEN_RX_KEY "stats.srp.orf_token_rx"
#define POLL_MS 20

/* Sets *reason; CS_ERR_LIBRARY means no corosync answers here (*absent). */
static int cs_fail(char **reason, bool *absent, const char *what, cs_error_t err)
{
    if (absent)
        *absent = err == CS_ERR_LIBRARY;
    return vmg_error_set(reason, "%s: corosync error %d%s", what, (int)err,
                         err == CS_ERR_LIBRARY ?
                         " (corosync is not running in this node's namespace)" :
                         err == CS_ERR_ACCESS ? " (permission denied)" : "");
}

static int open_map(cmap_handle_t *handle, cmap_map_t map, bool *absent, char **reason)
{
    cs_error_t err = cmap_initialize_map(handle, map);

    if (err != CS_OK)
        return cs_fail(reason, absent, "cannot connect to corosync's cmap", err);
    return 0;
}

/* Reads key (configured; absent is no error) and runtime_key, in force. */
static int get_pair(const char *key, const char *runtime_key, struct vmg_token_value *configured,
                    uint32_t *runtime_ms, bool *absent, char **reason)
{
    cmap_handle_t handle;
    cs_error_t err;
    char what[128];
    int rc = 0;

    if (absent)
        *absent = false;
    if (open_map(&handle, CMAP_MAP_DEFAULT, absent, reason) < 0)
        return -1;
    err = cmap_get_uint32(handle, key, &configured->ms);
    configured->present = err == CS_OK;
    if (!configured->present)
        configured->ms = 0;
    if (err != CS_OK && err != CS_ERR_NOT_EXIST) {
        snprintf(what, sizeof(what), "cannot read %s", key);
        rc = cs_fail(reason, absent, what, err);
    } else if (runtime_ms && (err = cmap_get_uint32(handle, runtime_key, runtime_ms)) != CS_OK) {
        snprintf(what, sizeof(what), "cannot read %s", runtime_key);
        rc = cs_fail(reason, absent, what, err);
    }
    cmap_finalize(handle);
    return rc;
}

int vmg_corosync_token_get(struct vmg_token_value *configured, uint32_t *runtime_ms,
                           bool *absent, char **reason)
{
    return get_pair(TOKEN_KEY, RUNTIME_TOKEN_KEY, configured, runtime_ms, absent, reason);
}

int vmg_corosync_hold_get(struct vmg_token_value *configured, uint32_t *runtime_ms,
                          bool *absent, char **reason)
{
    return get_pair(HOLD_KEY, RUNTIME_HOLD_KEY, configured, runtime_ms, absent, reason);
}

static int read_token_rx(cmap_handle_t stats, uint64_t *count, char **reason)
{
    cs_error_t err = cmap_get_uint64(stats, TOKEN_RX_KEY, count);

    if (err != CS_OK)
        return cs_fail(reason, NULL, "cannot read " TOKEN_RX_KEY, err);
    return 0;
}

/* A token received after the change re-arms the token timer with the new
 * value; before that the old timer runs (a freeze 0.1 s after the set was
 * still caught by the old 3000 ms timer in the lab). */
static int wait_token_round(cmap_handle_t stats, uint64_t before, unsigned wait_ms,
                            char **reason)
{
    long long deadline = vmg_now_ms() + wait_ms;
    uint64_t now_count = before;

    while (vmg_now_ms() < deadline) {
        usleep(POLL_MS * 1000);
        if (read_token_rx(stats, &now_count, reason) < 0)
            return -1;
        if (now_count > before)
            return 0;
    }
    return vmg_error_set(reason, "no corosync token was received within %u ms after changing "
                         TOKEN_KEY " (" TOKEN_RX_KEY " stayed at %" PRIu64 "): the ring may be "
                         "re-forming", wait_ms, before);
}

int vmg_corosync_wait_token_round(unsigned wait_ms, char **reason)
{
    cmap_handle_t stats;
    uint64_t before = 0;
    int rc;

    if (open_map(&stats, CMAP_MAP_STATS, NULL, reason) < 0)
        return -1;
    if ((rc = read_token_rx(stats, &before, reason)) == 0)
        rc = wait_token_round(stats, before, wait_ms, reason);
    cmap_finalize(stats);
    return rc;
}

/* Sets (present) or deletes (!present) key in an open map. */
static int set_key(cmap_handle_t handle, const char *key, const struct vmg_token_value *value,
                   char **reason)
{
    cs_error_t err;

    if (value->present)
        err = cmap_set_uint32(handle, key, value->ms);
    else if ((err = cmap_delete(handle, key)) == CS_ERR_NOT_EXIST)
        err = CS_OK;
    if (err != CS_OK) {
        char what[128];

        snprintf(what, sizeof(what), "cannot %s %s", value->present ? "set" : "delete", key);
        return cs_fail(reason, NULL, what, err);
    }
    return 0;
}

int vmg_corosync_hold_apply(const struct vmg_token_value *value, char **reason)
{
    cmap_handle_t handle = 0;
    int rc;

    if (open_map(&handle, CMAP_MAP_DEFAULT, NULL, reason) < 0)
        return -1;
    rc = set_key(handle, HOLD_KEY, value, reason);
    cmap_finalize(handle);
    return rc;
}

int vmg_corosync_token_apply(const struct vmg_token_value *value, unsigned wait_ms,
                             char **reason)
{
    cmap_handle_t handle = 0, stats = 0;
    bool have_stats = false;
    uint64_t before = 0;
    int rc = -1;

    if (open_map(&handle, CMAP_MAP_DEFAULT, NULL, reason) < 0)
        return -1;
    if (wait_ms > 0) {
        if (open_map(&stats, CMAP_MAP_STATS, NULL, reason) < 0)
            goto cleanup;
        have_stats = true;
    }
    if (set_key(handle, TOKEN_KEY, value, reason) < 0)
        goto cleanup;
    /* Read the counter after the change: any later receipt arms the new value. */
    if (have_stats && (read_token_rx(stats, &before, reason) < 0 ||
                       wait_token_round(stats, before, wait_ms, reason) < 0))
        goto cleanup;
    rc = 0;
cleanup:
    if (have_stats)
        cmap_finalize(stats);
    cmap_finalize(handle);
    return rc;
}

/* The address the administrator would ssh to: the node name when the
 * nodelist has one, else its first ring address. */
static char *node_address(cmap_handle_t handle, unsigned pos)
{
    char key[128];
    char *value = NULL;

    snprintf(key, sizeof(key), "nodelist.node.%u.name", pos);
    if (cmap_get_string(handle, key, &value) == CS_OK)
        return value;
    snprintf(key, sizeof(key), "nodelist.node.%u.ring0_addr", pos);
    if (cmap_get_string(handle, key, &value) == CS_OK)
        return value;
    return NULL;
}

static bool is_member(cmap_handle_t handle, uint32_t nodeid)
{
    char key[128], *status = NULL;
    bool joined;

    snprintf(key, sizeof(key), "runtime.members.%" PRIu32 ".status", nodeid);
    if (cmap_get_string(handle, key, &status) != CS_OK)
        return false;
    joined = strcmp(status, "joined") == 0;
    if (!joined)
        qb_log(LOG_INFO, "node %" PRIu32 " is not a member now (%s): not raising its timeout",
               nodeid, status);
    free(status);
    return joined;
}

int vmg_corosync_other_nodes(char ***names, bool *absent, char **reason)
{
    cmap_handle_t handle;
    uint32_t local_pos, nodeid;
    char **list = NULL;
    size_t n = 0;
    unsigned pos;
    char key[128];
    int rc;

    *names = NULL;
    if (absent)
        *absent = false;
    if (open_map(&handle, CMAP_MAP_DEFAULT, absent, reason) < 0)
        return -1;
    if (cmap_get_uint32(handle, "nodelist.local_node_pos", &local_pos) != CS_OK)
        local_pos = UINT32_MAX;
    if ((list = calloc(1, sizeof(*list))) == NULL) {
        rc = -1;
        vmg_error_set(reason, "out of memory listing corosync nodes");
        goto cleanup;
    }
    /* Positions are dense from 0 in corosync's nodelist. */
    for (pos = 0; pos < 1024; pos++) {
        char *address;

        snprintf(key, sizeof(key), "nodelist.node.%u.nodeid", pos);
        if (cmap_get_uint32(handle, key, &nodeid) != CS_OK) {
            char *probe = NULL;

            snprintf(key, sizeof(key), "nodelist.node.%u.ring0_addr", pos);
            if (cmap_get_string(handle, key, &probe) != CS_OK)
                break;
            free(probe);
            nodeid = 0;
        }
        if (pos == local_pos)
            continue;
        /* A node outside the current membership declares nobody dead, and
         * must not stop a drain while it is down. */
        if (nodeid && !is_member(handle, nodeid))
            continue;
        if ((address = node_address(handle, pos)) == NULL)
            continue;
        if (vmg_strv_push(&list, &n, address) < 0) {
            rc = -1;
            vmg_error_set(reason, "out of memory listing corosync nodes");
            goto cleanup;
        }
    }
    if (local_pos == UINT32_MAX) {
        rc = -1;
        vmg_error_set(reason, "corosync has no nodelist.local_node_pos: cannot tell this "
                      "node from its peers");
        goto cleanup;
    }
    *names = list;
    list = NULL;
    rc = 0;
cleanup:
    vmg_strv_free(list);
    cmap_finalize(handle);
    return rc;
}
