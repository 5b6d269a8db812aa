/* The URI builders under the migration URIs, which the unit tests check
 * one by one.
 * Only migrate_uri.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_MIGRATE_URI_PRIV_H_ALLOW
#error "migrate_uri_priv.h is for migrate_uri.c and its unit tests only"
#endif
#ifndef VMG_MIGRATE_URI_PRIV_H
#define VMG_MIGRATE_URI_PRIV_H

#include "migrate_uri.h"

/* Substitutes %n in pattern by node; caller frees. */
char *vmg_expand_node(const char *pattern, const char *node);

/* The libvirt URI of node's daemon, as migration reaches it: the driver and
 * path (and user@, :port) of hypervisor_uri, with host node and the given
 * transport: qemu:///system + tcp + n2 -> qemu+tcp://n2/system; user, when
 * not NULL, replaces the URI's user.  With no
 * transport (NULL or ""), the hypervisor URI's own is kept unless it is
 * unix, else there is none (libvirt's default: TLS).  The query (socket=,
 * ...) names local things and is dropped.  NULL when the URI,
 * transport or node name is unusable, or out of memory; caller frees. */
char *vmg_peer_libvirt_uri(const char *hypervisor_uri, const char *transport, const char *user,
                           const char *node);

#endif
