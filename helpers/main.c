/* vmguard: the helper behind ocf:vmguard:VirtualMachine.
 *
 *   vmguard ACTION                 one OCF action, parameters from OCF_RESKEY_*
 *   vmguard peer-timeout ARGS...   peer-timeout guard on this node, run by a
 *                                  peer's helper during its migration
 *   vmguard migration-guardian FD  started by migrate_to only (see migrate.c) */
#include <build-config.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "log.h"
#include "migrate.h"
#include "ocf.h"
#include "peer_timeout.h"

static int run_guardian(const char *fd_text)
{
    char *end = NULL;
    long fd;

    errno = 0;
    fd = strtol(fd_text, &end, 10);
    if (errno != 0 || end == fd_text || *end != '\0' || fd < 0 || fd > INT_MAX) {
        ocf_exit_reason("migration-guardian: '%s' is not a file descriptor", fd_text);
        return OCF_ERR_ARGS;
    }
    return vmg_migration_guardian((int)fd);
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
    else if (argc == 3 && strcmp(action, "migration-guardian") == 0)
        rc = run_guardian(argv[2]);
    else {
        ocf_exit_reason("usage: vmguard ACTION (got %d arguments)", argc - 1);
        rc = OCF_ERR_ARGS;
    }
    vmg_log_fini();
    return rc;
}
