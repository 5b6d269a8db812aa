/* vmguard-cluster.so: the table the helper finds with dlsym (cluster.h).
 * With cib.c and corosync_token.c, the only code on Pacemaker's, Corosync's
 * and libvirt-qemu's libraries.  The plugin calls back into the helper for
 * vmg_log and util.c (the symbols of helpers/host-symbols.list). */
#include <build-config.h>

#include <libvirt/libvirt-qemu.h>

#include "cib.h"
#include "cluster.h"
#include "corosync_token.h"

/* The plugin's only export: -fvisibility=hidden hides the rest. */
__attribute__((visibility("default")))
const struct vmg_cluster_ops vmg_cluster_plugin_ops = {
    .abi = VMG_CLUSTER_ABI,
    .size = sizeof(struct vmg_cluster_ops),
    .cib_query = vmg_cib_query,
    .cib_free = vmg_cib_free,
    .cib_empty_answer = vmg_cib_empty_answer,
    .cib_set_utilization = vmg_cib_set_utilization,
    .token_get = vmg_corosync_token_get,
    .token_apply = vmg_corosync_token_apply,
    .wait_token_round = vmg_corosync_wait_token_round,
    .other_nodes = vmg_corosync_other_nodes,
    .hold_get = vmg_corosync_hold_get,
    .hold_apply = vmg_corosync_hold_apply,
    .guest_agent_command = virDomainQemuAgentCommand,
};
