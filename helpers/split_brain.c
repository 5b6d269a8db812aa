/* Split-brain guard: is our domain already running on another node? */
#include <build-config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/virterror.h>
#include <libxml/xpath.h>

#include "cluster.h"
#include "log.h"
#include "migrate_uri.h"
#include "ocf.h"
#include "split_brain.h"
#define VMG_SPLIT_BRAIN_PRIV_H_ALLOW
#include "split_brain_priv.h"
#include "util.h"
#include "virt.h"

/* Below this there is no time to ask anyone: skip rather than half-ask. */
#define MIN_BUDGET_MS 200
/* Corosync's limit is 32 nodes with Pacemaker; Pacemaker Remote adds more. */
#define MAX_PEERS 64
/* How long killed children get to be reaped before they are left to init. */
#define REAP_MS 200
/* One report line from a child: a kind letter and a message. */
#define REPORT_MAX 512

const struct vmg_param vmg_split_brain_params[] = {
    { "split_brain_check", VMG_PARAM_BOOL, "true",
      offsetof(struct vmg_split_brain_config, check), 0, 0, NULL },
};
const size_t vmg_split_brain_params_count =
    sizeof(vmg_split_brain_params) / sizeof(vmg_split_brain_params[0]);

/* ------------------------------------------------------- asking the peers */

struct peer {
    const char *node;
    const char *uri;
    pid_t pid;              /* 0: not started or reaped */
    int fd;                 /* read end of the child's report pipe, -1: closed */
    char report[REPORT_MAX];
    size_t len;
    bool done;              /* a full report line, or the child closed the pipe */
};

static void write_report(int fd, char kind, const char *text)
{
    char line[REPORT_MAX];
    size_t len, i;

    snprintf(line, sizeof(line) - 1, "%c%s", kind, text ? text : "");
    len = strlen(line);
    for (i = 0; i < len; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[len++] = '\n';
    /* The pipe takes a line this short whole: PIPE_BUF is 4096. */
    if (write(fd, line, len) < 0)
        _exit(1);
}

/* Reports the domain's state at uri on fd: R active, I defined but
 * inactive, A absent, E error. */
static void probe(int fd, const char *uri, const char *uuid, const char *name)
{
    VMG_AUTOPTR(virConnectPtr) conn = NULL;
    VMG_AUTOPTR(virDomainPtr) dom = NULL;
    int active;

    conn = virConnectOpenReadOnly(uri);
    if (conn == NULL) {
        write_report(fd, 'E', vmg_virt_error());
        return;
    }
    /* By UUID, then by name: a domain of that name that runs with another
     * UUID may be this VM started from an older config, or by hand. */
    dom = uuid ? virDomainLookupByUUIDString(conn, uuid) : NULL;
    if (dom == NULL || virDomainIsActive(dom) != 1) {
        VMG_AUTOPTR(virDomainPtr) named = NULL;

        named = virDomainLookupByName(conn, name);
        if (named && (dom == NULL || virDomainIsActive(named) == 1)) {
            if (dom)
                virDomainFree(dom);
            dom = vmg_steal(&named);
        }
    }
    if (dom == NULL) {
        if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN)
            write_report(fd, 'A', "");
        else
            write_report(fd, 'E', vmg_virt_error());
        return;
    }
    active = virDomainIsActive(dom);
    write_report(fd, active == 1 ? 'R' : active == 0 ? 'I' : 'E',
                 active < 0 ? vmg_virt_error() : "");
}

/* Runs in the child, and ends it. */
static void probe_child(int fd, const char *uri, const char *uuid, const char *name)
    __attribute__((noreturn));

static void probe_child(int fd, const char *uri, const char *uuid, const char *name)
{
    /* Its own process group, so that killing it also kills an ssh it spawned. */
    setpgid(0, 0);
    probe(fd, uri, uuid, name);
    /* No atexit handlers: they belong to the parent. */
    _exit(0);
}

static int start_peer(struct peer *peer, const char *uuid, const char *name)
{
    int fds[2];

    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    peer->pid = fork();
    if (peer->pid < 0) {
        peer->pid = 0;
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (peer->pid == 0) {
        close(fds[0]);
        probe_child(fds[1], peer->uri, uuid, name);
    }
    /* Only the child holds the write end: its exit is the pipe's EOF. */
    close(fds[1]);
    peer->fd = fds[0];
    fcntl(peer->fd, F_SETFL, O_NONBLOCK);
    return 0;
}

static void read_report(struct peer *peer)
{
    ssize_t got;

    got = read(peer->fd, peer->report + peer->len, sizeof(peer->report) - 1 - peer->len);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (got > 0)
        peer->len += got;
    peer->report[peer->len] = '\0';
    if (got <= 0 || strchr(peer->report, '\n') || peer->len == sizeof(peer->report) - 1) {
        peer->report[strcspn(peer->report, "\n")] = '\0';
        peer->len = strlen(peer->report);
        peer->done = true;
    }
}

static bool seen_running(const struct peer *peer)
{
    return peer->done && peer->report[0] == 'R';
}

/* Collects reports until all are in, one peer runs the domain, or the
 * deadline; returns the index of a peer running it, or -1. */
static int wait_peers(struct peer *peers, size_t n, long long deadline)
{
    struct pollfd fds[MAX_PEERS];
    size_t index[MAX_PEERS];
    size_t i, waiting;
    long long left;

    for (;;) {
        waiting = 0;
        for (i = 0; i < n; i++) {
            if (seen_running(&peers[i]))
                return (int)i;
            if (!peers[i].done && peers[i].fd >= 0) {
                fds[waiting].fd = peers[i].fd;
                fds[waiting].events = POLLIN;
                index[waiting++] = i;
            }
        }
        left = deadline - vmg_now_ms();
        if (waiting == 0 || left <= 0)
            return -1;
        if (poll(fds, waiting, (int)left) < 0 && errno != EINTR)
            return -1;
        for (i = 0; i < waiting; i++)
            if (fds[i].revents)
                read_report(&peers[index[i]]);
    }
}

/* Kills what is still running (with any ssh it spawned) and reaps, briefly. */
static void stop_peers(struct peer *peers, size_t n)
{
    long long give_up = vmg_now_ms() + REAP_MS;
    size_t i;

    for (i = 0; i < n; i++) {
        if (peers[i].fd >= 0)
            close(peers[i].fd);
        peers[i].fd = -1;
        /* Not reaped yet, so neither the pid nor the group id can be reused. */
        if (peers[i].pid > 0) {
            kill(-peers[i].pid, SIGKILL);
            kill(peers[i].pid, SIGKILL);
        }
    }
    for (i = 0; i < n; i++) {
        while (peers[i].pid > 0) {
            pid_t done = waitpid(peers[i].pid, NULL, WNOHANG);

            if (done == peers[i].pid || (done < 0 && errno != EINTR))
                peers[i].pid = 0;
            else if (vmg_now_ms() >= give_up)
                break;          /* stuck in the kernel: init reaps it later */
            else if (done == 0)
                vmg_sleep_ms(5);
        }
    }
}

static void log_peer(const struct peer *peer, long long budget_ms)
{
    char *shown = vmg_log_redact_uri(peer->uri);

    if (!peer->done)
        qb_log(LOG_NOTICE, "split-brain check: %s (%s) did not answer within %lld ms: "
               "not counted", peer->node, shown ? shown : "?", budget_ms);
    else if (peer->report[0] == 'E' || peer->len == 0)
        qb_log(LOG_NOTICE, "split-brain check: cannot see %s (%s): %s: not counted",
               peer->node, shown ? shown : "?",
               peer->len > 1 ? peer->report + 1 : "no answer");
    else
        qb_log(LOG_DEBUG, "split-brain check: %s: %s", peer->node,
               peer->report[0] == 'I' ? "defined, not running" : "not there");
    free(shown);
}

int vmg_split_brain_probe(const char *const *nodes, const char *const *uris, size_t n,
                          const char *uuid, const char *name, long long budget_ms,
                          char **reason)
{
    VMG_AUTOFREE(struct peer *) peers = NULL;
    long long deadline = vmg_now_ms() + budget_ms;
    size_t i;
    int found;

    if (n > MAX_PEERS) {
        qb_log(LOG_WARNING, "split-brain check: only the first %d of %zu nodes are checked",
               MAX_PEERS, n);
        n = MAX_PEERS;
    }
    if ((peers = calloc(n ? n : 1, sizeof(*peers))) == NULL) {
        qb_log(LOG_WARNING, "split-brain check skipped: out of memory");
        return 0;
    }
    for (i = 0; i < n; i++) {
        peers[i].node = nodes[i];
        peers[i].uri = uris[i];
        peers[i].fd = -1;
        if (start_peer(&peers[i], uuid, name) < 0) {
            snprintf(peers[i].report, sizeof(peers[i].report), "Ecannot fork: %s",
                     strerror(errno));
            peers[i].len = strlen(peers[i].report);
            peers[i].done = true;
        }
    }
    found = wait_peers(peers, n, deadline);
    /* Once one peer runs it, the others no longer matter. */
    for (i = 0; i < n && found < 0; i++)
        log_peer(&peers[i], budget_ms);
    stop_peers(peers, n);
    if (found < 0)
        return 0;
    qb_log(LOG_DEBUG, "split-brain check: %s is active on %s", uuid ? uuid : name,
           nodes[found]);
    return vmg_error_set(reason, "%s already runs on %s", name, nodes[found]);
}

/* ------------------------------------------------------ peers from the CIB */

struct peer_list {
    char *nodes[MAX_PEERS];
    char *uris[MAX_PEERS];
    size_t n;
};

static void peer_list_clear(struct peer_list *list)
{
    size_t i;

    for (i = 0; i < list->n; i++) {
        free(list->nodes[i]);
        free(list->uris[i]);
    }
    list->n = 0;
}

static void add_peer(struct peer_list *list, const char *node, const char *hypervisor,
                     const struct vmg_migrate_config *mig)
{
    VMG_AUTOFREE(char *) why = NULL;
    char *uri;

    if (list->n == MAX_PEERS) {
        qb_log(LOG_WARNING, "split-brain check: more than %d nodes, %s is not checked",
               MAX_PEERS, node);
        return;
    }
    if (vmg_migration_daemon_uri(mig, hypervisor, node, &uri, &why) < 0) {
        qb_log(LOG_WARNING, "split-brain check: no libvirt URI for node %s: not checked", node);
        return;
    }
    list->nodes[list->n] = strdup(node);
    list->uris[list->n] = uri;
    if (list->nodes[list->n] == NULL) {
        free(uri);
        return;
    }
    list->n++;
}

/* Every node of the nodes section but the local one and skip_node; -1
 * with *reason when the CIB cannot be read. */
static int read_peers(struct vmg_context *ctx, const struct vmg_migrate_config *mig,
                      const char *local, const char *skip_node, int timeout_s,
                      struct peer_list *list, char **reason)
{
    VMG_AUTOPTR(xmlXPathContextPtr) xp = NULL;
    VMG_AUTOPTR(xmlXPathObjectPtr) found = NULL;
    xmlNode *answer = NULL;
    int i;

    if (vmg_cluster_cib_query("/cib/configuration/nodes/node", timeout_s, &answer, reason) < 0)
        return -1;
    /* No node configured: nobody to ask. */
    if (answer == NULL || answer->doc == NULL || (xp = xmlXPathNewContext(answer->doc)) == NULL) {
        vmg_cluster_cib_free(answer);
        return 0;
    }
    xp->node = answer;
    /* The answer is one <node>, or several wrapped in <xpath-query>. */
    found = xmlXPathEvalExpression(BAD_CAST "descendant-or-self::node[@uname]"
                                            "[not(@type='ping')]/@uname", xp);
    for (i = 0; found && found->nodesetval && i < found->nodesetval->nodeNr; i++) {
        xmlChar *uname = xmlNodeGetContent(found->nodesetval->nodeTab[i]);
        const char *node = (const char *)uname;

        if (node && *node && (local == NULL || strcmp(node, local) != 0) &&
            (skip_node == NULL || strcmp(node, skip_node) != 0))
            add_peer(list, node, ctx->cfg.hypervisor, mig);
        xmlFree(uname);
    }
    vmg_cluster_cib_free(answer);
    return 0;
}

/* Bounded by one peer's time and by a third of what the action has left. */
static long long check_budget_ms(const struct vmg_context *ctx)
{
    long long budget = VMG_SPLIT_BRAIN_PEER_MS;

    if (ctx->deadline_ms && vmg_ms_left(ctx) / 3 < budget)
        budget = vmg_ms_left(ctx) / 3;
    return budget;
}

int vmg_split_brain_check(struct vmg_context *ctx, const struct vmg_migrate_config *mig,
                          const char *skip_node, char **reason)
{
    struct peer_list list = { .n = 0 };
    VMG_AUTOFREE(char *) why = NULL;
    char buf[256];
    const char *local;
    long long start = vmg_now_ms(), budget = check_budget_ms(ctx), left;
    int rc = 0;

    if (budget < MIN_BUDGET_MS) {
        qb_log(LOG_NOTICE, "split-brain check skipped: only %lld ms left for it", budget);
        return 0;
    }
    local = vmg_local_node_name(&ctx->env, buf, sizeof(buf));
    if (read_peers(ctx, mig, local, skip_node, (int)((budget + 999) / 1000), &list, &why) < 0) {
        qb_log(LOG_INFO, "split-brain check skipped: %s", why);
        return 0;
    }
    left = budget - (vmg_now_ms() - start);
    if (list.n == 0 || left < MIN_BUDGET_MS)
        qb_log(LOG_DEBUG, "split-brain check: %s", list.n ? "no time left" : "no other node");
    else
        rc = vmg_split_brain_probe((const char *const *)list.nodes,
                                   (const char *const *)list.uris, list.n, ctx->xml.uuid,
                                   ctx->xml.name, left, reason);
    peer_list_clear(&list);
    return rc;
}

int vmg_split_brain_guard(struct vmg_context *ctx, const char *skip_node)
{
    struct vmg_split_brain_config cfg = { 0 };
    struct vmg_migrate_config mig = { 0 };
    VMG_AUTOFREE(char *) reason = NULL;
    int rc;

    rc = vmg_context_params(vmg_split_brain_params, vmg_split_brain_params_count, &cfg);
    if (rc != OCF_SUCCESS)
        return rc;
    rc = vmg_context_params(vmg_migrate_params, vmg_migrate_params_count, &mig);
    if (rc == OCF_SUCCESS && cfg.check && vmg_split_brain_check(ctx, &mig, skip_node,
                                                                &reason) < 0) {
        ocf_exit_reason("%s: refusing to run it here too", reason);
        rc = OCF_ERR_GENERIC;
    }
    vmg_params_free(vmg_migrate_params, vmg_migrate_params_count, &mig);
    vmg_params_free(vmg_split_brain_params, vmg_split_brain_params_count, &cfg);
    return rc;
}
