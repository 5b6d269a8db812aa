/* Split-brain guard: peer URIs as migration builds them, a domain seen
 * running on a peer (libvirt's test driver stands in for the peer's
 * daemon), and peers that cannot answer (a missing socket, a listening
 * socket that never answers) not holding the check past its budget. */
#include <build-config.h>

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "fixture.h"
#include "log.h"
#define VMG_MIGRATE_URI_PRIV_H_ALLOW
#include "migrate_uri_priv.h"
#define VMG_SPLIT_BRAIN_PRIV_H_ALLOW
#include "split_brain_priv.h"
#include "unit.h"
#include "virt.h"

#define NODE_URI "test://" TEST_DATA_DIR "/test-node.xml"
#define RUNNING_UUID "11111111-1111-4111-8111-111111111111"
#define MISSING_SOCKET "qemu+unix:///system?socket=/nonexistent/libvirt-sock"
/* Scheduling slack allowed on top of a budget. */
#define SLACK_MS 400

static void check_uri(const char *hypervisor, const char *transport, const char *node,
                      const char *want)
{
    char *got = vmg_peer_libvirt_uri(hypervisor, transport, NULL, node);

    CHECK_STR(got, want);
    free(got);
}

static void test_uris(const void *data)
{
    check_uri("qemu:///system", "tcp", "cl-n2", "qemu+tcp://cl-n2/system");
    check_uri("qemu:///system", "tls", "cl-n2", "qemu+tls://cl-n2/system");
    check_uri("qemu:///system", "ssh", "cl-n2", "qemu+ssh://cl-n2/system");
    check_uri("qemu:///session", "ssh", "cl-n2", "qemu+ssh://cl-n2/session");
    check_uri(NULL, "tcp", "cl-n2", "qemu+tcp://cl-n2/system");
    check_uri("qemu:///system", "", "cl-n2", "qemu://cl-n2/system");
    check_uri("qemu:///system", NULL, "cl-n2", "qemu://cl-n2/system");
    check_uri("qemu+ssh://root@cl-n1/system", "", "cl-n2", "qemu+ssh://root@cl-n2/system");
    check_uri("qemu+unix:///system", "", "cl-n2", "qemu://cl-n2/system");
    check_uri("qemu+u:///system", "", "cl-n2", "qemu+u://cl-n2/system");
    check_uri("qemu+tcp;x:///system", "", "cl-n2", "qemu://cl-n2/system");
    check_uri("Q EMU:///system", "tcp", "cl-n2", NULL);
    /* user@ and :port kept, the host replaced, the transport the one asked. */
    check_uri("qemu+ssh://root@cl-n1:2222/system?keyfile=/root/.ssh/k", "ssh", "cl-n2",
              "qemu+ssh://root@cl-n2:2222/system");
    check_uri("qemu+tcp://admin@cl-n1:16509/system", "tls", "cl-n2.example.org",
              "qemu+tls://admin@cl-n2.example.org:16509/system");
    check_uri("qemu+tcp://cl-n1:16509/system", "tcp", "cl-n2", "qemu+tcp://cl-n2:16509/system");
    check_uri("qemu+tcp://[fd00::1]:16509/system", "tcp", "fd00::2",
              "qemu+tcp://[fd00::2]:16509/system");
    check_uri("qemu+unix:///system?socket=/run/libvirt/libvirt-sock", "tcp", "10.0.0.2",
              "qemu+tcp://10.0.0.2/system");
    check_uri("qemu+ssh://root@cl-n1", "ssh", "cl-n2", "qemu+ssh://root@cl-n2/system");
    /* Unusable: the transport, the node name, the URI. */
    check_uri("qemu:///system", "unix", "cl-n2", NULL);
    check_uri("qemu:///system", "tcp;x", "cl-n2", NULL);
    check_uri("qemu:///system", "tcp", "cl n2", NULL);
    check_uri("qemu:///system", "tcp", "cl-n2/x", NULL);
    check_uri("qemu:///system", "tcp", "a@b", NULL);
    check_uri("qemu:///system", "tcp", "", NULL);
    check_uri("qemu:///system", "tcp", NULL, NULL);
    check_uri("qemu", "tcp", "cl-n2", NULL);
    check_uri("://x/system", "tcp", "cl-n2", NULL);
    check_uri("qemu+tcp://cl-n1:http/system", "tcp", "cl-n2", NULL);
}


static bool no_child_left(void)
{
    return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

/* One probe; checks the answer (seen on want_where, or not seen when it is
 * NULL), its reason and the time it took. */
static void probe(const char *what, const char *const *nodes, const char *const *uris, size_t n,
                  const char *uuid, const char *name, long long budget,
                  const char *want_where, long long min_ms)
{
    char *reason = NULL, want_reason[256];
    long long start = vmg_now_ms(), took;
    int rc;

    rc = vmg_split_brain_probe(nodes, uris, n, uuid, name, budget, &reason);
    took = vmg_now_ms() - start;
    printf("# %s: rc %d, %s, %lld ms (budget %lld)\n", what, rc, reason ? reason : "not seen",
           took, budget);
    snprintf(want_reason, sizeof(want_reason), "%s already runs on %s", name,
             want_where ? want_where : "");
    CHECK_INT(rc, want_where ? -1 : 0);
    CHECK_STR(reason, want_where ? want_reason : NULL);
    CHECK(took >= min_ms && took <= budget + SLACK_MS);
    CHECK(no_child_left());
    free(reason);
}

static void test_seen(const void *data)
{
    const char *nodes[] = { "cl-n2", "cl-n3" };
    const char *uris[] = { NODE_URI, NODE_URI };

    probe("by uuid", nodes, uris, 1, RUNNING_UUID, "vm-running", 3000, "cl-n2", 0);
    probe("by name", nodes + 1, uris, 1, NULL, "vm-running", 3000, "cl-n3", 0);
    probe("paused", nodes, uris, 1, NULL, "vm-paused", 3000, "cl-n2", 0);
    probe("shut off", nodes, uris, 2, NULL, "vm-shutoff", 3000, NULL, 0);
    probe("absent", nodes, uris, 2, "22222222-2222-4222-8222-222222222222", "vm-absent",
          3000, NULL, 0);
    /* Item 1 of issue 12: the name counts too, whatever the UUID. */
    probe("name, other uuid", nodes, uris, 1, "22222222-2222-4222-8222-222222222222",
          "vm-running", 3000, "cl-n2", 0);
    probe("no peer", nodes, uris, 0, RUNNING_UUID, "vm-running", 3000, NULL, 0);
}

static void test_unreachable(const void *data)
{
    char hole[128];
    int fd = fixture_black_hole(hole, sizeof(hole));
    const char *nodes[] = { "missing", "hole", "peer" };
    const char *uris[] = { MISSING_SOCKET, hole, NODE_URI };

    printf("# black hole at %s\n", hole);
    /* A missing socket fails at once. */
    probe("missing socket", nodes, uris, 1, RUNNING_UUID, "vm-running", 3000, NULL, 0);
    /* A black hole holds the check until its budget, not longer. */
    probe("black hole", nodes + 1, uris + 1, 1, RUNNING_UUID, "vm-running", 800, NULL, 750);
    probe("both", nodes, uris, 2, RUNNING_UUID, "vm-running", 800, NULL, 750);
    /* A peer that answers is not held up by one that does not. */
    probe("hole and running", nodes, uris, 3, RUNNING_UUID, "vm-running", 3000, "peer", 0);
    close(fd);
}

/* The whole check, peers from a CIB file: skipped without a CIB, bounded with one. */
static void test_check(const void *data)
{
    struct vmg_context ctx;
    char path[] = "/tmp/vmg-test-cib-XXXXXX", command[512];
    char *reason = NULL;
    long long start, took;
    int fd;

    struct vmg_migrate_config mig = { .transport = (char *)"tcp" };

    memset(&ctx, 0, sizeof(ctx));
    ctx.env.local_node = "cl-n1";
    ctx.cfg.hypervisor = (char *)"qemu+tcp://127.0.0.1:1/system";
    ctx.xml.name = (char *)"vm-running";
    ctx.xml.uuid = (char *)RUNNING_UUID;
    ctx.deadline_ms = vmg_now_ms() + 3000;     /* a third of it: 1 s for the check */

    setenv("CIB_file", "/nonexistent/cib.xml", 1);
    CHECK_INT(vmg_split_brain_check(&ctx, &mig, NULL, &reason), 0);
    CHECK(reason == NULL);

    /* A copy: the file backend may write the CIB back when it signs off. */
    fd = mkstemp(path);
    snprintf(command, sizeof(command), "cp '%s' '%s'", TEST_DATA_DIR "/cib-role.xml", path);
    if (fd < 0 || system(command) != 0) {
        printf("Bail out! cannot copy the CIB\n");
        exit(1);
    }
    close(fd);
    setenv("CIB_file", path, 1);
    start = vmg_now_ms();
    CHECK_INT(vmg_split_brain_check(&ctx, &mig, NULL, &reason), 0);
    took = vmg_now_ms() - start;
    printf("# peers from the CIB: %lld ms\n", took);
    CHECK(reason == NULL);
    CHECK(took <= 1000 + SLACK_MS);
    /* The only other node is the migration source: nobody to ask. */
    CHECK_INT(vmg_split_brain_check(&ctx, &mig, "cl-n2", &reason), 0);
    CHECK(no_child_left());
    unsetenv("CIB_file");
    unlink(path);

    /* No time left: skipped at once. */
    ctx.deadline_ms = vmg_now_ms();
    CHECK_INT(vmg_split_brain_check(&ctx, &mig, NULL, &reason), 0);
}

static void test_params(const void *data)
{
    struct vmg_split_brain_config cfg;
    char *reason = NULL;

    unsetenv("OCF_RESKEY_split_brain_check");
    CHECK_INT(vmg_params_load(vmg_split_brain_params, vmg_split_brain_params_count, &cfg,
                              &reason), 0);
    CHECK(cfg.check);
    setenv("OCF_RESKEY_split_brain_check", "false", 1);
    CHECK_INT(vmg_params_load(vmg_split_brain_params, vmg_split_brain_params_count, &cfg,
                              &reason), 0);
    CHECK(!cfg.check);
    unsetenv("OCF_RESKEY_split_brain_check");
}

static const struct unit_case cases[] = {
    { "parameters", test_params, NULL },
    { "peer URIs", test_uris, NULL },
    { "seen on a peer", test_seen, NULL },
    { "unreachable peers", test_unreachable, NULL },
    { "whole check", test_check, NULL },
};

int main(void)
{
    vmg_log_init("unit", "test");
    vmg_virt_quiet();
    UNIT_RUN(cases);
    vmg_log_fini();
    return unit_done();
}
