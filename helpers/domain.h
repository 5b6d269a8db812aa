/* Domain lifecycle through the libvirt C API: start, stop, monitor. */
#ifndef VMG_DOMAIN_H
#define VMG_DOMAIN_H

#include <stdbool.h>
#include <time.h>

#include <libvirt/libvirt.h>

#include "config.h"
#include "domain_xml.h"
#include "util.h"
#include "virt.h"

/* Parameters of the lifecycle (see metadata/VirtualMachine.xml). */
struct vmg_domain_config {
    char *config;               /* path of the domain XML */
    char *hypervisor;           /* libvirt URI */
    bool force_stop;
    bool persistent;            /* define the domain instead of a transient create */
    char *shutdown_mode;        /* acpi, agent, acpi-then-agent */
};

extern const struct vmg_param vmg_domain_params[];
extern const size_t vmg_domain_params_count;

/* Everything one action needs, owned by the action runner. */
struct vmg_context {
    const char *action;
    struct vmg_env env;
    struct vmg_domain_config cfg;
    struct vmg_domain_xml xml;
    virConnectPtr conn;
    struct timespec deadline;   /* CLOCK_MONOTONIC: Pacemaker's timeout */
};

/* Health of the domain as the monitor sees it. */
enum vmg_health {
    VMG_HEALTH_ABSENT,      /* not defined here */
    VMG_HEALTH_STOPPED,     /* defined, shut off */
    VMG_HEALTH_RUNNING,     /* running, or paused for a reason that is not a fault */
    VMG_HEALTH_FAILED,      /* active but broken: crashed, I/O error, post-copy failure */
    VMG_HEALTH_UNKNOWN,     /* libvirt could not tell */
    VMG_HEALTH_FOREIGN,     /* ours is not here, another UUID holds the name */
};

/* Opens ctx->conn to ctx->cfg.hypervisor.  -1 after ocf_exit_reason. */
int vmg_connect(struct vmg_context *ctx);

/* Looks up the configured domain; NULL with *health ABSENT when it is not
 * there, NULL with FOREIGN when a domain with another UUID has its name,
 * NULL with UNKNOWN after an error (reported), else the domain with
 * its health and a sentence describing its state in *detail (static). */
virDomainPtr vmg_domain_lookup(struct vmg_context *ctx, enum vmg_health *health,
                               const char **detail);
enum vmg_health vmg_domain_health(virDomainPtr dom, const char **detail);

int vmg_domain_start(struct vmg_context *ctx);
int vmg_domain_stop(struct vmg_context *ctx);
int vmg_domain_monitor(struct vmg_context *ctx);

/* Milliseconds left before ctx->deadline, 0 when passed. */
long long vmg_ms_left(const struct vmg_context *ctx);

#endif
