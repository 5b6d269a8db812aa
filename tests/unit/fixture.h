/* What the unit tests that drive the helper against libvirt's test:///
 * driver share: a context as actions.c builds it, a domain's state on the
 * node, and a daemon that never answers.  Header-only (static inline), like
 * unit.h: each test program takes what it uses. */
#ifndef VMG_UNIT_FIXTURE_H
#define VMG_UNIT_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libvirt/libvirt.h>

#include "context.h"
#include "domain_xml.h"
#include "identity.h"
#include "util.h"

/* A context for the domain named in file, on conn.  With a state_dir, the
 * identity the helper remembers for resource "res" is loaded from it. */
static inline void fixture_context_open(struct vmg_context *ctx, virConnectPtr conn,
                                        const char *file, const char *state_dir,
                                        bool persistent)
{
    enum vmg_domain_xml_fault fault;
    char *reason = NULL;

    memset(ctx, 0, sizeof(*ctx));
    ctx->action = "test";
    ctx->conn = conn;
    ctx->cfg.config = strdup(file);
    ctx->cfg.shutdown_mode = strdup("acpi");
    ctx->cfg.persistent = persistent;
    ctx->deadline_ms = vmg_now_ms() + 10000;
    if (state_dir) {
        ctx->env.resource = "res";
        ctx->env.state_dir = state_dir;
    }
    if (vmg_domain_xml_load(file, &ctx->xml, &fault, &reason) < 0 ||
        (state_dir && vmg_identity_load(state_dir, "res", &ctx->started, &reason) < 0)) {
        printf("Bail out! %s\n", reason);
        exit(1);
    }
}

static inline void fixture_context_close(struct vmg_context *ctx)
{
    vmg_domain_xml_clear(&ctx->xml);
    free(ctx->cfg.config);
    free(ctx->cfg.shutdown_mode);
}

/* The domain's virDomainState on conn, -1 when there is none. */
static inline int fixture_domain_state(virConnectPtr conn, const char *name)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);
    int state = -1, reason;

    if (dom) {
        virDomainGetState(dom, &state, &reason, 0);
        virDomainFree(dom);
    }
    return state;
}

/* A libvirtd that accepts connections in the kernel's backlog and never
 * reads a byte, as a daemon behind a dead link holds an open: its listening
 * socket, and in uri "qemu+tcp://127.0.0.1:PORT/system". */
static inline int fixture_black_hole(char *uri, size_t size)
{
    struct sockaddr_in addr = { .sin_family = AF_INET };
    socklen_t len = sizeof(addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
        printf("Bail out! cannot listen on loopback: %s\n", strerror(errno));
        exit(1);
    }
    snprintf(uri, size, "qemu+tcp://127.0.0.1:%u/system", ntohs(addr.sin_port));
    return fd;
}

#endif
