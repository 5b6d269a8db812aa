/* The resource's utilization attributes, kept current from the domain as
 * VirtualDomain's autoset_utilization_* and unset_utilization_* do: cpu =
 * the vCPUs, hv_memory and host_memory = the maximum memory in MiB (what
 * VirtualDomain reads from "virsh dominfo" as "Max memory").
 *
 * VirtualDomain runs crm_resource twice per attribute on every monitor.
 * Here the values last written are cached in the state directory: a
 * monitor that finds the domain unchanged reads one small file and does
 * not touch the CIB, nor load the cluster plugin (cluster.h).  start and
 * migrate_from forget the cache and compare with the CIB once (an
 * administrator may have edited it meanwhile).  A monitor that finds no
 * cache at all (the resource was started by VirtualDomain, which wrote the
 * same values, or by a vmguard without this) takes the domain's values as
 * the CIB's: it writes only when they change from then on.  Parameters
 * that were all false, and a write that failed, leave a cache that matches
 * no values: a reload that turns them on, or the failure, is caught up by
 * the next monitor. */
#ifndef VMG_UTILIZATION_H
#define VMG_UTILIZATION_H

#include <stdbool.h>

#include <libvirt/libvirt.h>

#include "context.h"

enum vmg_utilization_outcome {
    VMG_UTILIZATION_OFF,        /* no autoset or unset parameter is true */
    VMG_UTILIZATION_CACHED,     /* as last written: the CIB was not asked */
    VMG_UTILIZATION_SEEDED,     /* no cache, may_seed: taken as the CIB's, not asked */
    VMG_UTILIZATION_SYNCED,     /* compared with the CIB, written where it differed */
    VMG_UTILIZATION_FAILED,     /* logged; never fails the action */
};

/* Brings the attributes up to date for dom; the CIB's answer is logged,
 * the action goes on whatever it was (VirtualDomain only warns too). */
enum vmg_utilization_outcome vmg_utilization_update(struct vmg_context *ctx, virDomainPtr dom,
                                                    bool may_seed);

/* Drops the cache, so the next update compares with the CIB. */
void vmg_utilization_forget(const struct vmg_context *ctx);

#endif
