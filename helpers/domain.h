/* Domain lifecycle through the libvirt C API: start, stop, monitor. */
#ifndef VMG_DOMAIN_H
#define VMG_DOMAIN_H

#include <stdbool.h>

#include <libvirt/libvirt.h>

#include "context.h"
#include "util.h"
#include "virt.h"

/* Health of the domain as the monitor sees it. */
enum vmg_health {
    VMG_HEALTH_ABSENT,      /* not defined here */
    VMG_HEALTH_STOPPED,     /* defined, shut off */
    VMG_HEALTH_RUNNING,     /* running, or paused for a reason that is not a fault */
    VMG_HEALTH_FAILED,      /* active but broken: crashed, I/O error, post-copy failure */
    VMG_HEALTH_UNKNOWN,     /* libvirt could not tell */
    VMG_HEALTH_FOREIGN,     /* ours is not here, an inactive domain with another UUID
                               holds the name */
    VMG_HEALTH_FOREIGN_ACTIVE,  /* a running domain with another UUID holds the name:
                                   nobody can tell whether ours runs (an error) */
};

/* Looks up the configured domain (see identity.h for what "ours" is); NULL
 * with *health ABSENT when it is not there, NULL with FOREIGN or
 * FOREIGN_ACTIVE when a domain with another UUID has its name,
 * NULL with UNKNOWN after an error (reported), else the domain with
 * its health and a sentence describing its state in *detail (static). */
virDomainPtr vmg_domain_lookup(struct vmg_context *ctx, enum vmg_health *health,
                               const char **detail);
enum vmg_health vmg_domain_health(virDomainPtr dom, const char **detail);
/* Remembers dom, which runs here now, as ctx's started identity; a failure
 * is logged (monitor then goes by the config alone). */
void vmg_domain_remember(struct vmg_context *ctx, virDomainPtr dom);

int vmg_domain_start(struct vmg_context *ctx);
int vmg_domain_stop(struct vmg_context *ctx);
int vmg_domain_monitor(struct vmg_context *ctx);

#endif
