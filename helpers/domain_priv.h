/* What domain.c keeps apart for its unit tests: stop's graceful shutdown
 * (libvirt's test:/// driver powers a domain off at the first request, so
 * the tests put a guest that misses requests in its place) and the state
 * mapping without libvirt (the test driver cannot pause a domain "for
 * migration").  Only domain.c, domain_state.c and their tests include this. */
#ifndef VMG_DOMAIN_PRIV_H_ALLOW
#error "domain_priv.h is for domain.c and its unit tests only"
#endif
#ifndef VMG_DOMAIN_PRIV_H
#define VMG_DOMAIN_PRIV_H

#include <stdbool.h>
#include <libvirt/libvirt.h>

#include "domain.h"

/* How stop asks the guest to power off: virDomainShutdownFlags by default. */
extern int (*vmg_domain_shutdown_request)(virDomainPtr dom, unsigned int flags);
/* How often stop repeats its request while the guest stays on (3000 ms). */
extern long long vmg_domain_shutdown_resend_ms;

/* Health of a domain in virDomainState state for reason, job_active when
 * libvirt has a job on it (virDomainGetControlInfo: JOB or OCCUPIED). */
enum vmg_health vmg_domain_health_of(int state, int reason, bool job_active,
                                     const char **detail);

/* Whether state and reason say post-copy migration, running, paused or
 * failed: neither side may be destroyed then. */
bool vmg_domain_in_postcopy(int state, int reason);

#endif
