/* The state mapping of domain.c without libvirt: libvirt's test driver
 * cannot pause a domain "for migration", so the unit tests check the
 * mapping itself.  Only domain.c and its tests include this. */
#ifndef VMG_DOMAIN_PRIV_H_ALLOW
#error "domain_priv.h is for domain.c and its unit tests only"
/* Whether state and reason say post-copy migration, running, paused or
 * failed: neither side may be destroyed then. */
bool vmg_domain_in_postcopy(int state, int reason);

#endif
#ifndef VMG_DOMAIN_PRIV_H
#define VMG_DOMAIN_PRIV_H

#include <stdbool.h>

#include "domain.h"

/* Health of a domain in virDomainState state for reason, job_active when
 * it has a job (virDomainGetJobInfo type other than NONE). */
enum vmg_health vmg_domain_health_of(int state, int reason, bool job_active,
                                     const char **detail);

/* Whether state and reason say post-copy migration, running, paused or
 * failed: neither side may be destroyed then. */
bool vmg_domain_in_postcopy(int state, int reason);

#endif
