/* Where config_sync.c looks for csync2, which its unit tests point at a
 * recording stand-in (no csync2 is installed where they run).
 * Only config_sync.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_CONFIG_SYNC_PRIV_H_ALLOW
#error "config_sync_priv.h is for config_sync.c and its unit tests only"
#endif
#ifndef VMG_CONFIG_SYNC_PRIV_H
#define VMG_CONFIG_SYNC_PRIV_H

#include "config_sync.h"

/* The candidates vmg_csync2_path() tries in turn, NULL-terminated
 * (VMG_CSYNC2_PATHS by default). */
extern const char *const *vmg_csync2_paths;

#endif
