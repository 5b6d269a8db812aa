/* What only some actions need from the cluster stack, loaded when they need
 * it: the CIB (Pacemaker's libcib, libcrmcommon), Corosync's totem.token and
 * members (libcmap) and the QEMU guest agent (libvirt-qemu).
 *
 * Those libraries live in a plugin, vmguard-cluster.so (cib.c,
 * corosync_token.c, cluster_plugin.c), which this module dlopen()s on the
 * first call of a function below.  The helper itself links libvirt and
 * libxml2 only: monitor, status, probe, stop and a start whose split-brain
 * check and utilization (autoset_utilization_*, which only start and
 * migrate_from and a monitor that sees the domain change compare with the
 * CIB) are off never load the plugin (validate-all does, for the stop
 * timeout in the CIB).  Measured with
 * bench/startcost.sh (callgrind): loading the five libraries costs 7.6 M
 * instructions, 23 % of a whole bare libvirt client's start (33.1 M);
 * exec'ing a second binary for them would cost the whole 43 M again.
 *
 * Every function follows util.h's error contract; when the plugin cannot
 * be loaded the reason says which file and why.
 *
 * A new call into the cluster stack (a CIB write, another guest-agent
 * command): implement it in cib.c, corosync_token.c or cluster_plugin.c,
 * add a member to struct vmg_cluster_ops (and bump VMG_CLUSTER_ABI), and a
 * vmg_cluster_* wrapper in cluster.c; call it only when the parameter that
 * asks for it is set, so the light actions keep not loading the plugin
 * (tests/linkage.sh).  A direct call from the helper does not link: the
 * helper has none of these libraries. */
#ifndef VMG_CLUSTER_H
#define VMG_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include <libvirt/libvirt.h>
#include <libxml/tree.h>

#include "cib.h"
#include "corosync_token.h"

/* The plugin's table, found under VMG_CLUSTER_OPS_SYMBOL; abi and size
 * refuse a plugin of another build.  The members are cib.h's and
 * corosync_token.h's functions, and virDomainQemuAgentCommand. */
#define VMG_CLUSTER_ABI 3
#define VMG_CLUSTER_OPS_SYMBOL "vmg_cluster_plugin_ops"
struct vmg_cluster_ops {
    unsigned abi;
    size_t size;
    int (*cib_query)(const char *xpath, int timeout_s, xmlNode **result, char **reason);
    void (*cib_free)(xmlNode *result);
    xmlNode *(*cib_empty_answer)(void);
    int (*cib_set_utilization)(const char *resource, const struct vmg_cib_attr *want, size_t n,
                               int timeout_s, unsigned *written, enum vmg_cib_fault *fault,
                               char **reason);
    int (*token_get)(struct vmg_token_value *configured, uint32_t *runtime_ms, bool *absent,
                     char **reason);
    int (*token_apply)(const struct vmg_token_value *value, unsigned wait_ms, char **reason);
    int (*wait_token_round)(unsigned wait_ms, char **reason);
    int (*other_nodes)(char ***names, bool *absent, char **reason);
    int (*hold_get)(struct vmg_token_value *configured, uint32_t *runtime_ms, bool *absent,
                    char **reason);
    int (*hold_apply)(const struct vmg_token_value *value, char **reason);
    char *(*guest_agent_command)(virDomainPtr dom, const char *cmd, int timeout,
                                 unsigned int flags);
};

/* The plugin, loaded on first use: its path is $VMGUARD_CLUSTER_PLUGIN
 * (the build tree's tests), else vmguard-cluster.so next to the running
 * executable.  NULL with *reason when it cannot be loaded. */
const struct vmg_cluster_ops *vmg_cluster_ops(char **reason);

/* cib.h through the plugin: an XPath query to the local CIB manager (or
 * $CIB_file).  0 with *result (free with vmg_cluster_cib_free) on a match,
 * 0 with *result NULL when nothing matched, -1 with *reason. */
int vmg_cluster_cib_query(const char *xpath, int timeout_s, xmlNode **result, char **reason);
void vmg_cluster_cib_free(xmlNode *result);
/* An empty answer (<xpath-query/>) to evaluate when nothing matched; NULL
 * with *reason.  Free with vmg_cluster_cib_free. */
xmlNode *vmg_cluster_cib_empty_answer(char **reason);

/* cib.h's vmg_cib_set_utilization through the plugin; the resource name is
 * checked (vmg_cib_name_ok) first.  A plugin that cannot be loaded is
 * VMG_CIB_FAILED with the reason. */
int vmg_cluster_cib_set_utilization(const char *resource, const struct vmg_cib_attr *want,
                                    size_t n, int timeout_s, unsigned *written,
                                    enum vmg_cib_fault *fault, char **reason);

/* True when text can be put between single quotes in an XPath literal and
 * is a plausible node or resource name.  No plugin needed. */
bool vmg_cib_name_ok(const char *text);

/* corosync_token.h through the plugin, same contracts; a plugin that cannot
 * be loaded is a failure, never "no corosync here" (*absent false). */
int vmg_cluster_token_get(struct vmg_token_value *configured, uint32_t *runtime_ms,
                          bool *absent, char **reason);
int vmg_cluster_token_apply(const struct vmg_token_value *value, unsigned wait_ms,
                            char **reason);
int vmg_cluster_wait_token_round(unsigned wait_ms, char **reason);
int vmg_cluster_other_nodes(char ***names, bool *absent, char **reason);
int vmg_cluster_hold_get(struct vmg_token_value *configured, uint32_t *runtime_ms,
                         bool *absent, char **reason);
int vmg_cluster_hold_apply(const struct vmg_token_value *value, char **reason);

/* virDomainQemuAgentCommand through the plugin: the reply (caller frees),
 * or NULL with *reason (libvirt's error text when libvirt failed). */
char *vmg_cluster_guest_agent(virDomainPtr dom, const char *cmd, int timeout_s,
                              char **reason);

#endif
