/* The application commands' internals the unit tests reach: the parsed
 * form of a command and the transport, which the tests replace by a fake.
 * Only app_role.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_APP_ROLE_PRIV_H_ALLOW
#error "app_role_priv.h is for app_role.c and its unit tests only"
#endif
#ifndef VMG_APP_ROLE_PRIV_H
#define VMG_APP_ROLE_PRIV_H

#include "app_role.h"
#include "remote_exec.h"

enum vmg_app_where { VMG_APP_GUEST, VMG_APP_SSH };

struct vmg_app_command {
    const char *param;          /* its parameter's name, for reasons */
    enum vmg_app_where where;
    char *host;                 /* ssh only */
    char **argv;                /* NULL-terminated, argv[0] absolute */
};

/* Parses text (see app_role.h); -1 with *reason naming param. */
int vmg_app_command_parse(const char *param, const char *text, struct vmg_app_command *cmd,
                          char **reason);
void vmg_app_command_clear(struct vmg_app_command *cmd);

/* How a command runs: remote_exec's contract (0 when it exited, with its
 * code in res; -1 with *reason when it could not run or in time). */
struct vmg_app_transport {
    int (*run)(const struct vmg_app_command *cmd, virDomainPtr dom, long long deadline_ms,
               struct vmg_rexec_result *res, char **reason);
};

/* Replaces the transport (NULL: the real one, ssh or guest agent). */
void vmg_app_set_transport(const struct vmg_app_transport *transport);

/* 0 when ha_primary_probe is unset or says "not primary" (exit 1); -1 with
 * *reason when it says primary, or anything else (doubt is primary). */
int vmg_app_probe(const struct vmg_app_config *cfg, virDomainPtr dom, long long deadline_ms,
                  char **reason);

/* Milliseconds between two probes while waiting for the role to move. */
extern long long vmg_app_poll_ms;

#endif
