/* VirtualDomain's save_config_on_stop and sync_config_on_stop: the domain's
 * inactive definition, with its security information, written back to the
 * config file, then handed to csync2 for the other nodes.
 *
 * Written only when it differs from the file, only when it still describes
 * the same domain (name, and UUID when the file has one) and, when
 * virt-xml-validate is installed, passes libvirt's schema; atomically (a
 * temporary file in the same directory, renamed), with the file's mode.
 * csync2 runs with execve and a fixed argv.  A failure is logged and does
 * not fail the action, as in VirtualDomain. */
#ifndef VMG_CONFIG_SYNC_H
#define VMG_CONFIG_SYNC_H

#include <libvirt/libvirt.h>

#include "context.h"

#define VMG_CSYNC2_PATHS { "/usr/sbin/csync2", "/usr/bin/csync2", NULL }

/* The csync2 binary, or NULL when it is not installed. */
const char *vmg_csync2_path(void);

/* -1 with *reason when the file could not be brought up to date; 0 when
 * it is (written or already equal). */
int vmg_config_save(struct vmg_context *ctx, virDomainPtr dom, char **reason);

#endif
