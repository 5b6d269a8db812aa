/* Migration parameters and URIs (see migrate_uri.h). */
#include <build-config.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate_uri.h"
#define VMG_MIGRATE_URI_PRIV_H_ALLOW
#include "migrate_uri_priv.h"
#include "util.h"

static const char *const transports[] = { "", "tcp", "tls", "ssh", NULL };
static const char *const postcopy_modes[] = { "off", "auto", "always", NULL };
static const char *const persistence[] = { "auto", "true", "false", NULL };

#define MIG(field) offsetof(struct vmg_migrate_config, field)
const struct vmg_param vmg_migrate_params[] = {
    { "migration_transport", VMG_PARAM_ENUM, "", MIG(transport), 0, 0, transports },
    { "migration_user", VMG_PARAM_STRING, NULL, MIG(migration_user), 0, 0, NULL },
    { "remoteuri", VMG_PARAM_STRING, NULL, MIG(remoteuri), 0, 0, NULL },
    { "migrateuri", VMG_PARAM_STRING, NULL, MIG(migrateuri), 0, 0, NULL },
    { "migration_network", VMG_PARAM_STRING, NULL, MIG(network), 0, 0, NULL },
    { "migration_network_suffix", VMG_PARAM_STRING, NULL, MIG(network_suffix), 0, 0, NULL },
    { "migration_port", VMG_PARAM_STRING, NULL, MIG(port), 0, 0, NULL },
    { "migration_bandwidth", VMG_PARAM_UINT, "0", MIG(bandwidth), 0, 1ULL << 40, NULL },
    { "migration_speed", VMG_PARAM_UINT, "0", MIG(speed), 0, 1ULL << 40, NULL },
    { "migration_max_downtime", VMG_PARAM_UINT, "0", MIG(max_downtime), 0, 3600000, NULL },
    { "migration_downtime", VMG_PARAM_UINT, "0", MIG(downtime), 0, 3600000, NULL },
    { "migration_downtime_limit", VMG_PARAM_UINT, "2000", MIG(downtime_limit), 0, 3600000,
      NULL },
    { "migration_auto_converge", VMG_PARAM_BOOL, "false", MIG(auto_converge), 0, 0, NULL },
    { "migration_postcopy", VMG_PARAM_ENUM, "off", MIG(postcopy), 0, 0, postcopy_modes },
    { "migration_postcopy_bandwidth", VMG_PARAM_UINT, "0", MIG(postcopy_bandwidth), 0,
      1ULL << 40, NULL },
    { "migration_compression", VMG_PARAM_STRING, NULL, MIG(compression), 0, 0, NULL },
    { "migration_parallel", VMG_PARAM_UINT, "0", MIG(parallel), 0, 255, NULL },
    { "migration_persistent", VMG_PARAM_ENUM, "auto", MIG(persistent), 0, 0, persistence },
    { "migration_block", VMG_PARAM_BOOL, "false", MIG(block), 0, 0, NULL },
    { "migration_checks", VMG_PARAM_BOOL, "true", MIG(checks), 0, 0, NULL },
    { "migrate_options", VMG_PARAM_STRING, NULL, MIG(options), 0, 0, NULL },
    { "migrateport", VMG_PARAM_UINT, NULL, MIG(migrateport), 1024, 65535, NULL },
};
#undef MIG
const size_t vmg_migrate_params_count = sizeof(vmg_migrate_params) / sizeof(vmg_migrate_params[0]);

char *vmg_expand_node(const char *pattern, const char *node)
{
    size_t len = 1, node_len = strlen(node);
    const char *p;
    char *out, *o;

    for (p = pattern; *p; p++)
        len += p[0] == '%' && p[1] == 'n' ? (p++, node_len) : 1;
    out = malloc(len);
    if (out == NULL)
        return NULL;
    for (o = out, p = pattern; *p; p++) {
        if (p[0] == '%' && p[1] == 'n') {
            o = stpcpy(o, node);
            p++;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

int vmg_migration_daemon_uri(const struct vmg_migrate_config *cfg, const char *hypervisor,
                             const char *target, char **uri, char **reason)
{
    *uri = cfg->remoteuri ? vmg_expand_node(cfg->remoteuri, target)
                          : vmg_peer_libvirt_uri(hypervisor, cfg->transport,
                                                 cfg->migration_user, target);
    return *uri ? 0 : vmg_error_set(reason, "malformed hypervisor URI");
}

/* "node1=10.0.0.1 node2=10.0.0.2": the address for target, or NULL. */
static char *lookup_network_map(const char *map, const char *target)
{
    size_t target_len = strlen(target);
    const char *p = map;

    while (*p) {
        size_t len;

        p += strspn(p, " \t,");
        len = strcspn(p, " \t,");
        if (len > target_len + 1 && strncmp(p, target, target_len) == 0 && p[target_len] == '=')
            return strndup(p + target_len + 1, len - target_len - 1);
        p += len;
    }
    return NULL;
}

/* node1.example.com + "-mig" -> node1-mig.example.com, as VirtualDomain. */
static char *apply_suffix(const char *target, const char *suffix)
{
    size_t label = strcspn(target, ".");
    char *host;

    if (asprintf(&host, "%.*s%s%s", (int)label, target, suffix, target + label) < 0)
        return NULL;
    return host;
}

/* A range spreads the VMs of a node over its ports, so two migrations
 * from one node do not ask the target for the same port. */
static int choose_port(const char *spec, const char *resource, unsigned *port, char **reason)
{
    unsigned long low, high;
    unsigned hash = 5381;
    char *end;

    errno = 0;
    low = strtoul(spec, &end, 10);
    high = low;
    if (*end == '-')
        high = strtoul(end + 1, &end, 10);
    if (errno || *end || end == spec || low < 1024 || high > 65535 || low > high) {
        return vmg_error_set(reason, "migration_port must be a port or a range from 1024 to "
                             "65535, not '%.40s'", spec);
    }
    for (; *resource; resource++)
        hash = hash * 33 + (unsigned char)*resource;
    *port = (unsigned)(low + hash % (high - low + 1));
    return 0;
}

int vmg_migration_data_uri(const struct vmg_migrate_config *cfg, const char *target,
                           const char *resource, char **uri, char **reason)
{
    const char *suffix = cfg->network ? cfg->network : cfg->network_suffix;
    VMG_AUTOFREE(char *) host = NULL;
    unsigned port = 0;
    int len;

    *uri = NULL;
    if (cfg->migrateuri) {
        *uri = vmg_expand_node(cfg->migrateuri, target);
        return *uri ? 0 : vmg_error_set(reason, "out of memory");
    }
    if (cfg->port && choose_port(cfg->port, resource, &port, reason) < 0)
        return -1;
    if (suffix && strchr(suffix, '=')) {
        if ((host = lookup_network_map(suffix, target)) == NULL)
            return vmg_error_set(reason, "migration_network has no address for node %s",
                                 target);
    } else if (suffix) {
        host = apply_suffix(target, suffix);
    } else if (port) {
        host = strdup(target);
    } else {
        return 0;               /* libvirt's default: the target's own address */
    }
    if (host == NULL)
        return vmg_error_set(reason, "out of memory");
    len = port ? asprintf(uri, strchr(host, ':') ? "tcp://[%s]:%u" : "tcp://%s:%u", host, port)
               : asprintf(uri, strchr(host, ':') ? "tcp://[%s]" : "tcp://%s", host);
    if (len < 0) {
        *uri = NULL;
        return vmg_error_set(reason, "out of memory");
    }
    return 0;
}

/* Every entry of a node=address map is one, with a usable address. */
static int check_network_map(const char *map, char **reason)
{
    VMG_AUTOFREE(char *) copy = NULL;
    char *save = NULL, *entry, *eq;

    if ((copy = strdup(map)) == NULL)
        return vmg_error_set(reason, "out of memory");
    for (entry = strtok_r(copy, " \t,", &save); entry; entry = strtok_r(NULL, " \t,", &save)) {
        eq = strchr(entry, '=');
        if (eq == NULL || eq == entry || !vmg_host_name_ok(eq + 1))
            return vmg_error_set(reason, "migration_network: '%.80s' is not node=address",
                                 entry);
    }
    return 0;
}

int vmg_migration_config_check(const struct vmg_migrate_config *cfg, const char *hypervisor,
                               char **reason)
{
    const char *network = cfg->network ? cfg->network : cfg->network_suffix;
    VMG_AUTOFREE(char *) uri = NULL;
    unsigned port;

    if (cfg->port && choose_port(cfg->port, "", &port, reason) < 0)
        return -1;
    if (network && strchr(network, '=') && check_network_map(network, reason) < 0)
        return -1;
    /* A suffix goes after the node's first label: "-mig" is fine. */
    if (network && !strchr(network, '=') &&
        strspn(network, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
        != strlen(network))
        return vmg_error_set(reason, "migration_network: '%.80s' is neither a host name "
                             "suffix nor a node=address map", network);
    if (cfg->remoteuri == NULL && hypervisor &&
        (uri = vmg_peer_libvirt_uri(hypervisor, cfg->transport, cfg->migration_user,
                                    "node")) == NULL)
        return vmg_error_set(reason, "no URI of the target's libvirt can be built from "
                             "hypervisor, migration_transport and migration_user");
    return 0;
}

#define LOWER_ALNUM "abcdefghijklmnopqrstuvwxyz0123456789"

static bool transport_ok(const char *transport)
{
    return transport == NULL || *transport == '\0' || strcmp(transport, "tcp") == 0 ||
           strcmp(transport, "tls") == 0 || strcmp(transport, "ssh") == 0;
}

bool vmg_host_name_ok(const char *node)
{
    size_t len = strlen(node);

    return len > 0 && len < 256 && node[0] != '-' && node[0] != '.' &&
           strspn(node, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:")
           == len;
}

static bool digits_only(const char *text, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return len > 0;
}

/* No transport asked for: the hypervisor URI's own, unless it only works
 * locally (unix); none means libvirt's default for a remote host (TLS). */
static const char *own_transport(const char *uri, size_t driver_len, const char *sep,
                                 size_t *len)
{
    const char *own = uri + driver_len + 1;

    *len = 0;
    if (uri[driver_len] != '+' || own >= sep)
        return "";
    if ((size_t)(sep - own) != strspn(own, LOWER_ALNUM) ||
        (sep - own == 4 && strncmp(own, "unix", 4) == 0))
        return "";
    *len = sep - own;
    return own;
}

char *vmg_peer_libvirt_uri(const char *hypervisor_uri, const char *transport, const char *user,
                           const char *node)
{
    const char *uri = hypervisor_uri ? hypervisor_uri : "qemu:///system";
    const char *sep = strstr(uri, "://");
    const char *authority, *at, *hostport, *port = NULL, *path;
    size_t driver_len, authority_len, user_len = 0, port_len = 0, path_len, transport_len;
    char *out = NULL;

    if (sep == NULL || node == NULL || !vmg_host_name_ok(node) || !transport_ok(transport) ||
        (user && (!*user || strpbrk(user, "@/?#:[]") != NULL)))
        return NULL;
    driver_len = strcspn(uri, "+:");
    if (driver_len == 0 || uri + driver_len > sep || strspn(uri, LOWER_ALNUM) < driver_len)
        return NULL;
    if (transport == NULL || *transport == '\0')
        transport = own_transport(uri, driver_len, sep, &transport_len);
    else
        transport_len = strlen(transport);

    authority = sep + 3;
    authority_len = strcspn(authority, "/?#");
    path = authority + authority_len;
    path_len = strcspn(path, "?#");

    /* [user@]host[:port]: the host is replaced, the rest is kept. */
    at = memchr(authority, '@', authority_len);
    if (at) {
        user_len = at - authority;
        hostport = at + 1;
    } else {
        hostport = authority;
    }
    if (*hostport == '[')
        hostport = memchr(hostport, ']', authority + authority_len - hostport);
    if (hostport)
        port = memchr(hostport, ':', authority + authority_len - hostport);
    if (port) {
        port++;
        port_len = authority + authority_len - port;
        if (!digits_only(port, port_len))
            return NULL;
    }
    if (path_len == 0) {
        /* The path names the daemon instance; libvirt requires one. */
        path = "/system";
        path_len = strlen(path);
    }

    if (user) {
        authority = user;
        user_len = strlen(user);
    }
    if (asprintf(&out, "%.*s%s%.*s://%.*s%s%s%s%s%s%.*s%.*s", (int)driver_len, uri,
                 transport_len ? "+" : "", (int)transport_len, transport,
                 (int)user_len, authority, user_len ? "@" : "",
                 strchr(node, ':') ? "[" : "", node, strchr(node, ':') ? "]" : "",
                 port_len ? ":" : "", (int)port_len, port ? port : "",
                 (int)path_len, path) < 0)
        return NULL;
    return out;
}
