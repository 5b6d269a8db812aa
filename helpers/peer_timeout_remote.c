/* Peer-timeout guard: the members other than this node.
 *
 * Every member runs the same thing: `vmguard peer-timeout raise|restore ...`
 * on itself, so each keeps its own state and recovers on its own.  The
 * transports (remote_exec.c) only carry that command:
 *   ssh:HOST           host-cluster peer: ssh -o BatchMode=yes, fixed argv,
 *                      every argument checked against a safe alphabet because
 *                      ssh hands the joined words to the remote shell;
 *   guest:DOM[@URI]    guest-cluster member: QEMU guest agent guest-exec via
 *                      libvirt (virDomainQemuAgentCommand), no shell either. */
#include <build-config.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cluster.h"
#include "llt_peerinact.h"
#include "log.h"
#include "peer_timeout_int.h"
#include "remote_exec.h"
#include "spawn.h"
#include "util.h"
#include "virt.h"

#define DEFAULT_GUEST_URI "qemu:///system"
/* A peer's raise waits for one token round there (see token_wait_ms in
 * peer_timeout_targets.c); restores do not wait. */
#define REMOTE_RAISE_BASE_MS 30000
#define REMOTE_RESTORE_MS 20000

/* One member's run of `vmguard peer-timeout ...`. */
struct vmg_pt_call {
    const char *member;         /* "ssh:HOST" or "guest:DOM[@URI]" (not owned) */
    const char *const *args;    /* after "peer-timeout", NULL-terminated (not owned) */
    int rc;                     /* 0: the command exited 0 */
    char *output;               /* what it printed (last lines are the answer) */
    char *reason;               /* why rc != 0 */
    struct vmg_spawn child;     /* ssh only */
};

bool vmg_pt_safe_word(const char *text)
{
    return vmg_rexec_safe_word(text) && strlen(text) < VMG_PT_MEMBER_MAX;
}

/* /etc/llthosts: "ID NAME" per line; the line naming this host is skipped. */
static int llthosts_peers(char ***list, size_t *n, char **reason)
{
    char host[HOST_NAME_MAX + 1] = "";
    char line[512], name[256];
    unsigned id;
    const char *path = vmg_llt_llthosts_path();
    FILE *f = fopen(path, "re");
    int rc = 0;

    if (f == NULL)
        return vmg_error_set(reason, "no corosync nodelist and cannot read %s: %s", path,
                             strerror(errno));
    gethostname(host, sizeof(host) - 1);
    while (fgets(line, sizeof(line), f)) {
        char member[VMG_PT_MEMBER_MAX];

        if (sscanf(line, "%u %255s", &id, name) != 2 || strcmp(name, host) == 0)
            continue;
        snprintf(member, sizeof(member), "ssh:%s", name);
        if (vmg_strv_add_unique(list, n, member) < 0) {
            rc = vmg_error_set(reason, "out of memory listing %s", path);
            break;
        }
    }
    fclose(f);
    return rc;
}

static int cluster_peers(char ***list, size_t *n, char **reason)
{
    VMG_AUTOPTR(vmg_strv) nodes = NULL;
    VMG_AUTOFREE(char *) why = NULL;
    bool absent;
    size_t i;
    int rc = 0;

    if (vmg_cluster_other_nodes(&nodes, &absent, &why) < 0) {
        if (!absent)
            return vmg_error_set(reason, "%s", why);
        qb_log(LOG_INFO, "no corosync here (%s): taking the cluster's nodes from %s", why,
               vmg_llt_llthosts_path());
        return llthosts_peers(list, n, reason);
    }
    for (i = 0; nodes[i] && rc == 0; i++) {
        char member[VMG_PT_MEMBER_MAX];

        snprintf(member, sizeof(member), "ssh:%s", nodes[i]);
        if (vmg_strv_add_unique(list, n, member) < 0)
            rc = vmg_error_set(reason, "out of memory listing cluster nodes");
    }
    return rc;
}

static int check_member(const char *word, char **reason)
{
    const char *rest;

    if (strcmp(word, "local") == 0 || strcmp(word, "cluster") == 0)
        return 0;
    if (strncmp(word, "ssh:", 4) == 0)
        rest = word + 4;
    else if (strncmp(word, "guest:", 6) == 0)
        rest = word + 6;
    else
        return vmg_error_set(reason, "peer_timeout_members: unknown member '%s' "
                    "(use local, cluster, ssh:HOST or guest:DOMAIN[@URI])", word);
    if (*rest == '\0' || *rest == '@' || !vmg_pt_safe_word(rest))
        return vmg_error_set(reason, "peer_timeout_members: '%s' is empty or has characters outside "
                    "A-Z a-z 0-9 . _ , : = / @ + -", word);
    return 0;
}

int vmg_pt_members_expand(const char *text, char ***members, char **reason)
{
    VMG_AUTOFREE(char *) copy = NULL;
    VMG_AUTOPTR(vmg_strv) list = NULL;
    char *save = NULL, *word;
    size_t n = 0;

    *members = NULL;
    if ((copy = strdup(text ? text : "")) == NULL || (list = calloc(1, sizeof(*list))) == NULL)
        return vmg_error_set(reason, "out of memory reading peer_timeout_members");
    for (word = strtok_r(copy, ", \t", &save); word; word = strtok_r(NULL, ", \t", &save)) {
        if (check_member(word, reason) < 0)
            return -1;
        if (strcmp(word, "cluster") == 0) {
            if (vmg_strv_add_unique(&list, &n, "local") < 0)
                return vmg_error_set(reason, "out of memory reading peer_timeout_members");
            if (cluster_peers(&list, &n, reason) < 0)
                return -1;
        } else if (vmg_strv_add_unique(&list, &n, word) < 0) {
            return vmg_error_set(reason, "out of memory reading peer_timeout_members");
        }
    }
    if (n == 0)
        return vmg_error_set(reason, "peer_timeout_members is empty: name at least 'local'");
    *members = vmg_steal(&list);
    return 0;
}

/* ---------------------------------------------------------------- ssh */

/* Peers run the same installed helper: the path of our own binary. */
static int own_path(char *buf, size_t size, char **reason)
{
    ssize_t len = readlink("/proc/self/exe", buf, size - 1);

    if (len <= 0)
        return vmg_error_set(reason, "cannot find the helper's own path: %s", strerror(errno));
    buf[len] = '\0';
    if (!vmg_pt_safe_word(buf))
        return vmg_error_set(reason, "the helper's path '%s' has characters a remote shell would "
                    "interpret", buf);
    return 0;
}

/* HELPER peer-timeout ARGS..., the argv both transports run. */
static int helper_argv(const char *argv[], size_t size, const char *helper,
                       const char *const args[], char **reason)
{
    size_t i = 0, a;

    argv[i++] = helper;
    argv[i++] = "peer-timeout";
    for (a = 0; args[a]; a++) {
        if (i >= size - 1)
            return vmg_error_set(reason, "too many arguments for peer-timeout");
        argv[i++] = args[a];
    }
    argv[i] = NULL;
    return 0;
}

static int ssh_start(struct vmg_pt_call *call)
{
    const char *argv[VMG_REXEC_ARGS_MAX];
    char helper[PATH_MAX];

    if (own_path(helper, sizeof(helper), &call->reason) < 0 ||
        helper_argv(argv, VMG_REXEC_ARGS_MAX, helper, call->args, &call->reason) < 0)
        return -1;
    return vmg_rexec_ssh_start(&call->child, call->member + 4, argv, &call->reason);
}

static void ssh_finish(struct vmg_pt_call *call, long long deadline)
{
    char last[256], code[16];

    if (vmg_spawn_wait(&call->child, deadline, &call->reason) < 0)
        return;
    call->output = call->child.output;
    call->child.output = NULL;
    if (call->child.status != 0) {
        snprintf(code, sizeof(code), "%d", call->child.status);
        vmg_error_set(&call->reason, "exit code %s%s: %s", code,
                      call->child.status == 255 ? " (ssh could not connect or authenticate)" : "",
                      vmg_spawn_last_line(call->output, last, sizeof(last)));
        return;
    }
    call->rc = 0;
}

/* ---------------------------------------------------------- guest agent */

static void guest_run(struct vmg_pt_call *call, virDomainPtr dom, const char *helper,
                      long long deadline)
{
    const char *argv[VMG_REXEC_ARGS_MAX];
    struct vmg_rexec_result res = { 0 };
    char last[256];

    if (helper_argv(argv, VMG_REXEC_ARGS_MAX, helper, call->args, &call->reason) < 0 ||
        vmg_rexec_guest(dom, argv, deadline, &res, &call->reason) < 0)
        return;
    call->output = vmg_steal(&res.output);
    if (res.status == 0) {
        call->rc = 0;
        return;
    }
    vmg_error_set(&call->reason, "exit code %d in the guest: %s", res.status,
                  vmg_spawn_last_line(call->output, last, sizeof(last)));
}

/* The running domain name at uri; NULL with call->reason otherwise. */
static virDomainPtr guest_find(struct vmg_pt_call *call, const char *name, const char *uri,
                               virConnectPtr *conn)
{
    virDomainPtr dom;

    if ((*conn = virConnectOpen(uri)) == NULL) {
        vmg_error_set(&call->reason, "cannot connect to libvirt at %s: %s", uri,
                      vmg_virt_error());
        return NULL;
    }
    if ((dom = virDomainLookupByName(*conn, name)) == NULL) {
        vmg_error_set(&call->reason, "no domain %s at %s: %s", name, uri, vmg_virt_error());
    } else if (virDomainIsActive(dom) != 1) {
        vmg_error_set(&call->reason, "domain %s is not running at %s", name, uri);
        virDomainFree(dom);
        dom = NULL;
    }
    if (dom == NULL) {
        virConnectClose(*conn);
        *conn = NULL;
    }
    return dom;
}

/* guest:DOM[@URI][|ALSO]: the domain at URI, or, when it does not run
 * there, at ALSO: the hypervisor a migration of the domain itself moves it
 * to (see vmg_peer_guard_raise), so its restore reaches it wherever the
 * migration left it. */
static void guest_call(struct vmg_pt_call *call, const char *helper, long long deadline)
{
    VMG_AUTOPTR(virConnectPtr) conn = NULL;
    VMG_AUTOPTR(virDomainPtr) dom = NULL;
    char spec[VMG_PT_MEMBER_MAX], *at, *also;
    const char *uri = DEFAULT_GUEST_URI;

    snprintf(spec, sizeof(spec), "%s", call->member + 6);
    if ((also = strchr(spec, '|')) != NULL)
        *also++ = '\0';
    if ((at = strchr(spec, '@')) != NULL) {
        *at = '\0';
        uri = at + 1;
    }
    vmg_virt_quiet();
    dom = guest_find(call, spec, uri, &conn);
    if (dom == NULL && also && *also) {
        qb_log(LOG_INFO, "%s: %s; trying %s", spec, call->reason, also);
        dom = guest_find(call, spec, also, &conn);
    }
    if (dom == NULL)
        return;
    free(call->reason);
    call->reason = NULL;
    guest_run(call, dom, helper, deadline);
}

/* ------------------------------------------------------------- all */

/* Runs `HELPER peer-timeout calls[i].args` on each member, ssh members in
 * parallel, all within timeout_ms; fills calls[i] (caller: calls_clear).
 * guest_helper: the path of vmguard inside guests. */
static void call_all(struct vmg_pt_call *calls, size_t n, const char *guest_helper,
                     unsigned timeout_ms)
{
    long long deadline = vmg_now_ms() + timeout_ms;
    size_t i;

    for (i = 0; i < n; i++) {
        calls[i].rc = -1;
        calls[i].output = calls[i].reason = NULL;
        memset(&calls[i].child, 0, sizeof(calls[i].child));
        calls[i].child.pid = -1;
        calls[i].child.fd = -1;
    }
    /* ssh peers work in parallel: each waits for its own token round. */
    for (i = 0; i < n; i++)
        if (strncmp(calls[i].member, "ssh:", 4) == 0 && ssh_start(&calls[i]) < 0)
            calls[i].child.pid = -1;
    for (i = 0; i < n; i++)
        if (strncmp(calls[i].member, "guest:", 6) == 0)
            guest_call(&calls[i], guest_helper, deadline);
    for (i = 0; i < n; i++)
        if (strncmp(calls[i].member, "ssh:", 4) == 0 && calls[i].child.pid > 0)
            ssh_finish(&calls[i], deadline);
    for (i = 0; i < n; i++)
        if (calls[i].rc != 0 && calls[i].reason == NULL)
            vmg_error_set(&calls[i].reason, "cannot reach %s", calls[i].member);
}

static void calls_clear(struct vmg_pt_call *calls, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        vmg_spawn_clear(&calls[i].child);
        free(calls[i].output);
        free(calls[i].reason);
        calls[i].output = calls[i].reason = NULL;
    }
}

/* ------------------------------------------------- raise and restore */

static void holder_args(const char *argv[], size_t *n, const char *verb, const char *id)
{
    argv[(*n)++] = verb;
    argv[(*n)++] = "--holder";
    argv[(*n)++] = id;
}

void vmg_pt_remote_restore_each(char *const *members, char *const *ids, size_t n,
                                const char *guest_helper, bool *ok)
{
    const char *(*args)[4];
    struct vmg_pt_call *calls;
    size_t i, a;

    memset(ok, 0, n * sizeof(*ok));
    if (n == 0)
        return;
    calls = calloc(n, sizeof(*calls));
    args = calloc(n, sizeof(*args));
    if (calls == NULL || args == NULL) {
        free(calls);
        free(args);
        qb_log(LOG_ERR, "out of memory restoring the peer timeouts at other members");
        return;
    }
    for (i = 0; i < n; i++) {
        a = 0;
        holder_args(args[i], &a, "restore", ids[i]);
        args[i][a] = NULL;
        calls[i].member = members[i];
        calls[i].args = args[i];
    }
    call_all(calls, n, guest_helper, REMOTE_RESTORE_MS);
    for (i = 0; i < n; i++) {
        ok[i] = calls[i].rc == 0;
        if (ok[i])
            qb_log(LOG_INFO, "peer timeouts restored at %s", members[i]);
        else
            qb_log(LOG_ERR, "cannot restore the peer timeouts at %s: %s (its own lease ends "
                   "them; this node's keeper retries)", members[i], calls[i].reason);
    }
    calls_clear(calls, n);
    free(calls);
    free(args);
}

char **vmg_pt_remote_restore(char *const *members, size_t n, const char *id,
                             const char *guest_helper)
{
    VMG_AUTOFREE(bool *) ok = NULL;
    VMG_AUTOFREE(char **) ids = NULL;
    char **failed = NULL;
    size_t i, nf = 0;

    if (n == 0)
        return NULL;
    if ((ok = calloc(n, sizeof(*ok))) == NULL || (ids = calloc(n, sizeof(*ids))) == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        ids[i] = (char *)id;
    vmg_pt_remote_restore_each(members, ids, n, guest_helper, ok);
    for (i = 0; i < n; i++)
        if (!ok[i])
            vmg_strv_push(&failed, &nf, strdup(members[i]));
    return failed;
}

int vmg_pt_remote_raise(char *const *members, size_t n, const char *id,
                        const struct vmg_pt_request *req, unsigned long long lease_s,
                        const char *guest_helper, bool *ok, char **reason)
{
    char lease[32], pause[32], margin[32], max[32];
    const char *args[24];
    struct vmg_pt_call *calls;
    size_t i, a = 0;
    int rc = 0;

    if (n == 0)
        return 0;
    if ((calls = calloc(n, sizeof(*calls))) == NULL)
        return vmg_error_set(reason, "out of memory");
    snprintf(lease, sizeof(lease), "%llu", lease_s);
    snprintf(pause, sizeof(pause), "%llu", req->pause_ms);
    snprintf(margin, sizeof(margin), "%llu", req->margin_ms);
    snprintf(max, sizeof(max), "%llu", req->max_ms);
    holder_args(args, &a, "raise", id);
    args[a++] = "--lease";
    args[a++] = lease;
    args[a++] = "--pause-ms";
    args[a++] = pause;
    args[a++] = "--margin-ms";
    args[a++] = margin;
    args[a++] = "--max-ms";
    args[a++] = max;
    args[a++] = "--clusters";
    args[a++] = vmg_pt_clusters_text(req->clusters);
    if (req->llt_required)
        args[a++] = "--llt-required";
    if (req->llttab)
        args[a++] = "--llttab";
    args[a] = NULL;
    for (i = 0; i < n; i++) {
        calls[i].member = members[i];
        calls[i].args = args;
    }
    call_all(calls, n, guest_helper,
             (unsigned)(REMOTE_RAISE_BASE_MS + vmg_pt_wanted_ms(req, VMG_PT_T_COROSYNC) / 4));
    for (i = 0; i < n; i++) {
        char last[256];

        ok[i] = calls[i].rc == 0;
        if (calls[i].rc == 0) {
            qb_log(LOG_INFO, "peer timeouts raised at %s: %s", members[i],
                   vmg_spawn_last_line(calls[i].output, last, sizeof(last)));
            continue;
        }
        if (rc == 0)
            vmg_error_set(reason, "cannot raise the peer timeouts at %s: %s", members[i],
                        calls[i].reason);
        rc = -1;
    }
    calls_clear(calls, n);
    free(calls);
    return rc;
}
