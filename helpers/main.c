/* vmguard: the helper behind ocf:vmguard:VirtualMachine.
 *
 *   vmguard ACTION                 one OCF action, parameters from OCF_RESKEY_*
 *   vmguard peer-timeout ARGS...   peer-timeout guard on this node, run by a
 *                                  peer's helper during its migration
 *   vmguard migration-guardian FD  started by migrate_to only (see migrate.c) */
#include <build-config.h>

#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "log.h"
#include "migrate.h"
#include "ocf.h"
#include "peer_timeout.h"

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
        rc = vmg_migration_guardian(atoi(argv[2]));
    else {
        ocf_exit_reason("usage: vmguard ACTION (got %d arguments)", argc - 1);
        rc = OCF_ERR_ARGS;
    }
    vmg_log_fini();
    return rc;
}
