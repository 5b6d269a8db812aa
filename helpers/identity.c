/* The remembered identity of the started domain (see identity.h).
 *
 *   vmguard-identity 1
 *   uuid 22222222-2222-4222-8222-222222222222
 *   name vm one                   (the rest of the line, blanks included) */
#include <build-config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity.h"
#include "spawn.h"
#include "util.h"

#define HEADER "vmguard-identity 1"
#define FILE_MAX 1024

/* $dir/identity.RESOURCE, the resource name made safe for a file name. */
static char *identity_path(const char *dir, const char *resource)
{
    char safe[128], *path;
    size_t i;

    for (i = 0; resource[i] && i + 1 < sizeof(safe); i++)
        safe[i] = resource[i] == '/' ? '_' : resource[i];
    safe[i] = '\0';
    if (safe[0] == '.')
        safe[0] = '_';
    return asprintf(&path, "%s/identity.%s", dir, safe) < 0 ? NULL : path;
}

static int parse(char *text, struct vmg_identity *id)
{
    char *line, *save = NULL;

    line = strtok_r(text, "\n", &save);
    if (line == NULL || strcmp(line, HEADER) != 0)
        return -1;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        if (strncmp(line, "uuid ", 5) == 0 && strlen(line + 5) == VMG_IDENTITY_UUID_LEN - 1)
            memcpy(id->uuid, line + 5, VMG_IDENTITY_UUID_LEN);
        else if (strncmp(line, "name ", 5) == 0 && line[5] &&
                 strlen(line + 5) < VMG_IDENTITY_NAME_MAX)
            snprintf(id->name, sizeof(id->name), "%s", line + 5);
        else
            return -1;
    }
    return id->name[0] && id->uuid[0] ? 0 : -1;
}

int vmg_identity_load(const char *dir, const char *resource, struct vmg_identity *id,
                      char **reason)
{
    VMG_AUTOFREE(char *) path = NULL;
    VMG_AUTOFREE(char *) text = NULL;

    memset(id, 0, sizeof(*id));
    if ((path = identity_path(dir, resource)) == NULL)
        return vmg_error_set(reason, "out of memory");
    if (vmg_read_small_file(path, FILE_MAX, &text, reason) < 0)
        return -1;
    if (text == NULL)
        return 0;
    if (parse(text, id) < 0) {
        memset(id, 0, sizeof(*id));
        return vmg_error_set(reason, "%s is not a vmguard identity file", path);
    }
    id->known = true;
    return 0;
}

int vmg_identity_save(const char *dir, const char *resource, const char *name,
                      const char *uuid, char **reason)
{
    VMG_AUTOFREE(char *) path = NULL;
    VMG_AUTOFREE(char *) text = NULL;
    char *raw;
    int len;

    if (strchr(name, '\n') || strlen(name) >= VMG_IDENTITY_NAME_MAX ||
        strlen(uuid) != VMG_IDENTITY_UUID_LEN - 1)
        return vmg_error_set(reason, "the identity %.64s (%.40s) cannot be remembered", name,
                             uuid);
    if (vmg_state_dir_ensure(dir, reason) < 0)
        return -1;
    if ((path = identity_path(dir, resource)) == NULL ||
        (len = asprintf(&raw, HEADER "\nuuid %s\nname %s\n", uuid, name)) < 0)
        return vmg_error_set(reason, "out of memory");
    text = raw;
    return vmg_write_atomic(path, text, (size_t)len, 0600, reason);
}
