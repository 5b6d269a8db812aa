/* The OCF actions of the VirtualMachine agent, one function each.
 * Each returns an enum ocf_rc and has reported its own failure. */
#ifndef VMG_ACTIONS_H
#define VMG_ACTIONS_H

/* Runs action (the agent's $1) for the resource described by the
 * environment; OCF_ERR_UNIMPLEMENTED for an unknown action. */
int vmg_run_action(const char *action);

#endif
