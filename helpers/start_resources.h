/* VirtualDomain's start_resources: the libvirt networks and storage pools
 * the domain uses are started before the domain (on the target before a
 * live migration), when they are inactive; an active pool is refreshed, as
 * VirtualDomain does, so volumes created elsewhere are seen.  The names
 * come from the domain XML (<source pool=...> of disks, <source
 * network=...> of interfaces), parsed, never matched with sed. */
#ifndef VMG_START_RESOURCES_H
#define VMG_START_RESOURCES_H

#include <libvirt/libvirt.h>

/* -1 with *reason naming the network or pool that cannot be started. */
int vmg_start_resources(virConnectPtr conn, const char *domain_xml, char **reason);

#endif
