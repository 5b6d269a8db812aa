/* vmguard: the helper behind ocf:vmguard:VirtualMachine.
 *
 *   vmguard ACTION                 one OCF action, parameters from OCF_RESKEY_*
 *   vmguard peer-timeout ARGS...   peer-timeout guard on this node, run by a
 *                                  peer's helper during its migration
 *   vmguard migration-guardian FD ABORT-AT-MS
 *                                  started by migrate_to only (see migrate.c) */
#include <build-config.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "log.h"
#include "migrate.h"
#include "ocf.h"
#include "peer_timeout.h"

static bool parse_number(const char *text, long long max, long long *value)
{
    char *end = NULL;

    errno = 0;
    *value = strtoll(text, &end, 10);
    return errno == 0 && end != text && *end == '\0' && *value >= 0 && *value <= max;
}

static int run_guardian(const char *fd_text, const char *abort_at_text)
{
    long long fd, abort_at_ms;

    if (!parse_number(fd_text, INT_MAX, &fd)) {
        ocf_exit_reason("migration-guardian: '%s' is not a file descriptor", fd_text);
        return OCF_ERR_ARGS;
    }
    if (!parse_number(abort_at_text, LLONG_MAX, &abort_at_ms)) {
        ocf_exit_reason("migration-guardian: '%s' is not a time in ms", abort_at_text);
        return OCF_ERR_ARGS;
    }
    return vmg_migration_guardian((int)fd, abort_at_ms);
}

int main(int argc, char **argv)
{
    const char *action = argc > 1 ? argv[1] : "";
    int rc;

    vmg_log_init(getenv("OCF_RESOURCE_INSTANCE"), action);
    if (argc == 2)
        rc = vmg_run_action(action);
    else if (argc > 2 && strcmp(action, "peer-timeout") == 0)
        rc = vmg_peer_timeout_cli(argc - 2, argv + 2);
    else if (argc == 4 && strcmp(action, "migration-guardian") == 0)
        rc = run_guardian(argv[2], argv[3]);
    else {
        ocf_exit_reason("usage: vmguard ACTION (got %d arguments)", argc - 1);
        rc = OCF_ERR_ARGS;
    }
    vmg_log_fini();
    return rc;
}
