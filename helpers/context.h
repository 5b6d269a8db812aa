/* The context of one action: its environment, the lifecycle parameters, the
 * domain XML, the libvirt connection and Pacemaker's deadline.
 *
 * A leaf of its own so that everything that runs an action (actions.c, the
 * migration guardian in migrate.c) can prepare one without including the
 * action table, and everything that works on one (domain.c, migrate*.c,
 * split_brain.c) can read it without including its callers. */
#ifndef VMG_CONTEXT_H
#define VMG_CONTEXT_H

#include <stdbool.h>

#include <libvirt/libvirt.h>

#include "config.h"
#include "domain_xml.h"
#include "identity.h"

/* Parameters of the lifecycle (see metadata/VirtualMachine.xml). */
struct vmg_domain_config {
    char *config;               /* path of the domain XML */
    char *hypervisor;           /* libvirt URI */
    bool force_stop;
    bool persistent;            /* define the domain instead of a transient create */
    char *shutdown_mode;        /* acpi-then-agent, or virsh's modes (a comma list) */
    unsigned shutdown_flags;    /* virDomainShutdownFlagValues of a virsh list; 0: staged */
    /* VirtualDomain's parameters (see vmg_context_supported) */
    bool autoset_utilization_cpu;
    bool autoset_utilization_hv_memory;
    bool autoset_utilization_host_memory;
    bool unset_utilization_cpu;
    bool unset_utilization_hv_memory;
    bool unset_utilization_host_memory;
    char *monitor_scripts;      /* space-separated absolute paths */
    char *snapshot;             /* directory of NAME.state */
    bool save_config_on_stop;
    bool sync_config_on_stop;   /* implies save_config_on_stop */
    bool start_resources;       /* networks and pools before start */
    bool stateless;
    char *backingfile;
    char *copyindirs;
};

extern const struct vmg_param vmg_domain_params[];
extern const size_t vmg_domain_params_count;

/* Everything one action needs, owned by whoever opened it. */
struct vmg_context {
    const char *action;
    struct vmg_env env;
    struct vmg_domain_config cfg;
    struct vmg_domain_xml xml;
    struct vmg_identity started;    /* what this node last started, see identity.h */
    virConnectPtr conn;
    long long deadline_ms;      /* vmg_now_ms() of Pacemaker's timeout; 0: none */
    bool decided;               /* open already answered the action (a stop or probe
                                   without config, see context.c): do not run it */
};

/* What an action needs prepared before it runs. */
enum vmg_needs {
    VMG_NEEDS_PARAMS = 1,       /* instance parameters and the domain XML */
    VMG_NEEDS_LIBVIRT = 2,      /* a connection to the hypervisor */
};

/* Prepares ctx for action.  Part of the action layer: an OCF code, after an
 * exit reason on failure; with ctx->decided set, the code is the action's
 * answer and the action must not run.  vmg_context_close() releases it
 * whatever open returned. */
int vmg_context_open(struct vmg_context *ctx, const char *action, unsigned needs);
void vmg_context_close(struct vmg_context *ctx);

/* Loads a parameter table (config.h) for an action, also part of the action
 * layer: OCF_SUCCESS, or OCF_ERR_CONFIGURED after an exit reason naming the
 * bad value. */
int vmg_context_params(const struct vmg_param *table, size_t n, void *target);

/* VirtualDomain parameters that are set but that vmguard does not (yet) do:
 * OCF_ERR_CONFIGURED after an exit reason naming the first one and what
 * to use instead, else OCF_SUCCESS.  Run by validate-all and start, so a
 * resource moved over from VirtualDomain never loses a behaviour silently;
 * never by stop or monitor, which must keep working on such a resource. */
int vmg_context_supported(const struct vmg_context *ctx);

/* Milliseconds left before ctx->deadline_ms, 0 when passed or unset. */
long long vmg_ms_left(const struct vmg_context *ctx);

#endif
