/* The migration guardian's test of a job, apart for its unit tests (the
 * test:/// driver holds no migration job to abort).
 * Only migrate_guardian.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_MIGRATE_GUARDIAN_PRIV_H_ALLOW
#error "migrate_guardian_priv.h is for migrate_guardian.c and its unit tests only"
#endif
#ifndef VMG_MIGRATE_GUARDIAN_PRIV_H
#define VMG_MIGRATE_GUARDIAN_PRIV_H

#include <stdbool.h>

#include <libvirt/libvirt.h>

/* True when a job of type (virDomainGetJobStats) with these parameters is
 * an outgoing migration: the only job the guardian may abort. */
bool vmg_migration_job_is_outgoing(int type, virTypedParameterPtr params, int nparams);

#endif
