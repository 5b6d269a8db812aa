/* The application's own HA pair: commands that ask the application, not
 * Pacemaker, for its role, hand the role over, and stop or start the
 * application's HA service around a live migration.
 *
 * This is the ScaleArc procedure (never live-migrate the HA primary: move
 * the secondary with its HA service stopped, switch over, then move the
 * former primary) for application clusters Pacemaker does not manage:
 *   ha_primary_probe         exit 0: primary, 1: not primary; any other
 *                            code, no answer, or no answer in time: primary
 *                            (doubt is primary: a cold move is always safe);
 *   ha_primary_switchover    asks the application to hand the primary role
 *                            to its peer; migrate_to then waits, bounded,
 *                            until the probe says "not primary";
 *   migration_pre_command    before a live migration (stop the HA service);
 *                            failing, it refuses the live migration;
 *   migration_post_command   after it, on the target (check connectivity,
 *                            start the HA service); failing, it fails
 *                            migrate_from.
 * Each is one command, no shell anywhere:
 *   guest:/PATH [ARG...]       inside this resource's VM, through its QEMU
 *                              guest agent (guest-exec);
 *   ssh:HOST:/PATH [ARG...]    on HOST over ssh (BatchMode), every word
 *                              made of A-Z a-z 0-9 . _ , : = / @ + -.
 * Words are separated by blanks; there is no quoting.  Every run is bounded
 * by ha_command_timeout and by the action's own deadline. */
#ifndef VMG_APP_ROLE_H
#define VMG_APP_ROLE_H

#include <stdbool.h>
#include <stddef.h>

#include <libvirt/libvirt.h>

#include "config.h"

struct vmg_app_config {
    char *probe;                        /* ha_primary_probe */
    char *switchover;                   /* ha_primary_switchover */
    char *pre;                          /* migration_pre_command */
    char *post;                         /* migration_post_command */
    unsigned long long command_timeout; /* ha_command_timeout, s */
    unsigned long long switchover_timeout;  /* ha_primary_switchover_timeout, s */
};

extern const struct vmg_param vmg_app_params[];
extern const size_t vmg_app_params_count;

/* Every command parses, and a switchover has a probe to wait on: -1 with
 * *reason naming the parameter. */
int vmg_app_validate(const struct vmg_app_config *cfg, char **reason);

/* The planned switchover before a live migration: 0 when the VM may be
 * live-migrated (not primary by the probe, or no longer primary after
 * ha_primary_switchover, within ha_primary_switchover_timeout and
 * deadline_ms); -1 with *reason otherwise.  Each step is logged with its
 * duration. */
int vmg_app_switch_over(const struct vmg_app_config *cfg, virDomainPtr dom,
                        long long deadline_ms, char **reason);

enum vmg_app_step { VMG_APP_PRE, VMG_APP_POST };

/* migration_pre_command or migration_post_command: 0 when unset or it
 * exited 0; -1 with *reason that has its exit code and first output line. */
int vmg_app_step(const struct vmg_app_config *cfg, enum vmg_app_step step, virDomainPtr dom,
                 long long deadline_ms, char **reason);

#endif
