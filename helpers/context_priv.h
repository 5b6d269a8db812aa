/* What context.c keeps apart for its unit tests: the shutdown_mode parser
 * (vmg_context_open applies it) and the connection step on its own (the
 * tests point it at a libvirtd that is not there).
 * Only context.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_CONTEXT_PRIV_H_ALLOW
#error "context_priv.h is for context.c and its unit tests only"
#endif
#ifndef VMG_CONTEXT_PRIV_H
#define VMG_CONTEXT_PRIV_H

#include "context.h"

/* shutdown_mode into flags: "acpi-then-agent" (0: ACPI, then the agent for
 * the second half) or virsh shutdown's --mode, a comma list of acpi, agent,
 * initctl, signal, paravirt (libvirt tries them in its own order).  -1 with
 * *reason naming the mode that is not known. */
int vmg_shutdown_mode_parse(const char *text, unsigned *flags, char **reason);

/* Opens ctx->conn to ctx->cfg.hypervisor, waiting a while for a libvirtd
 * that is restarting.  -1 with *reason. */
int vmg_connect(struct vmg_context *ctx, char **reason);

#endif
