/* The identity of the domain this node started: its name and UUID as
 * libvirt holds them, kept in the state directory ($HA_RSCTMP/vmguard, a
 * tmpfs emptied at boot) by start and migrate_from.
 *
 * Why: the config file may change under a running VM (a <uuid> added or
 * changed, the file on storage that is briefly unreadable), and the answer
 * "not running" must never come from a config that no longer describes
 * what runs.  Monitor and stop recognise the domain they started by this
 * identity, and work from it alone when the config cannot be read. */
#ifndef VMG_IDENTITY_H
#define VMG_IDENTITY_H

#include <stdbool.h>

/* libvirt's longest name is far longer, but the XML loader refuses > 200. */
#define VMG_IDENTITY_NAME_MAX 256
#define VMG_IDENTITY_UUID_LEN 37

struct vmg_identity {
    bool known;
    char name[VMG_IDENTITY_NAME_MAX];
    char uuid[VMG_IDENTITY_UUID_LEN];   /* canonical, lower case */
};

/* The identity remembered for resource in dir; 0 with id->known false
 * when there is none, -1 with *reason when the file cannot be read or is
 * not one of ours. */
int vmg_identity_load(const char *dir, const char *resource, struct vmg_identity *id,
                      char **reason);
/* Remembers name and uuid for resource (atomically); -1 with *reason. */
int vmg_identity_save(const char *dir, const char *resource, const char *name,
                      const char *uuid, char **reason);

#endif
