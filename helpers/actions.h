/* The OCF actions of the VirtualMachine agent, one function each.
 * Each returns an enum ocf_rc and has reported its own failure. */
#ifndef VMG_ACTIONS_H
#define VMG_ACTIONS_H

struct vmg_context;

/* What an action needs prepared before it runs. */
enum vmg_needs {
    VMG_NEEDS_PARAMS = 1,       /* instance parameters and the domain XML */
    VMG_NEEDS_LIBVIRT = 2,      /* a connection to the hypervisor */
};

/* Prepares ctx for action; an OCF code, after an exit reason on failure.
 * vmg_context_close() releases it whatever open returned. */
int vmg_context_open(struct vmg_context *ctx, const char *action, unsigned needs);
void vmg_context_close(struct vmg_context *ctx);

/* Runs action (the agent's $1) for the resource described by the
 * environment; OCF_ERR_UNIMPLEMENTED for an unknown action. */
int vmg_run_action(const char *action);

#endif
