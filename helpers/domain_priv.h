/* Stop's graceful shutdown, as the unit tests drive it: libvirt's test:///
 * driver powers a domain off at the first request, so the tests put a
 * guest that misses requests in its place.
 * Only domain.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_DOMAIN_PRIV_H_ALLOW
#error "domain_priv.h is for domain.c and its unit tests only"
#endif
#ifndef VMG_DOMAIN_PRIV_H
#define VMG_DOMAIN_PRIV_H

#include <libvirt/libvirt.h>

/* How stop asks the guest to power off: virDomainShutdownFlags by default. */
extern int (*vmg_domain_shutdown_request)(virDomainPtr dom, unsigned int flags);
/* How often stop repeats its request while the guest stays on (3000 ms). */
extern long long vmg_domain_shutdown_resend_ms;

#endif
