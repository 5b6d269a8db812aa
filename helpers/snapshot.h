/* VirtualDomain's snapshot parameter: stop saves the guest's RAM state to
 * DIR/NAME.state, start restores it and removes the file.
 *
 * An explicit opt-in: without it start never resumes old state.  The file
 * is written under a temporary name and renamed when complete, so a stop
 * killed halfway leaves no state file that start would trust; a file whose
 * domain has another UUID (or name) than config's is refused. */
#ifndef VMG_SNAPSHOT_H
#define VMG_SNAPSHOT_H

#include <stdbool.h>

#include <libvirt/libvirt.h>

#include "context.h"

/* Saves dom's state (which stops it).  -1 with *reason: dom still runs. */
int vmg_snapshot_save(struct vmg_context *ctx, virDomainPtr dom, char **reason);

/* Restores the saved state when there is one: 0 with *restored true (the
 * file is removed) or false (no file); -1 with *reason when the file is
 * someone else's or libvirt cannot restore it (the file is kept). */
int vmg_snapshot_restore(struct vmg_context *ctx, bool *restored, char **reason);

#endif
