/* Peer-timeout guard: the keeper's timing (what is due at a given boot
 * time, how long it may sleep), from state files written by hand, and its
 * loop run in this process against a fake ring: a lease holder's value
 * comes back at the lease end, a killed process holder's within the poll
 * interval.  The detached process itself is tests/e2e/guard.sh's. */
#include <build-config.h>

#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#define VMG_PEER_TIMEOUT_PRIV_H_ALLOW
#include "peer_timeout_priv.h"
#include "spawn.h"
#include "unit.h"
#include "util.h"

static char tmpdir[] = "/tmp/vmg-ptk-test.XXXXXX";
static char state_dir[256], state_file[300];

/* -------------------------------------------------------- fake ring */

static struct {
    bool present;
    unsigned long long value;
    unsigned long long restored_at;     /* boot ms of the last write back to 3000/absent */
    bool hold_present;                  /* totem.hold pinned */
    unsigned long long hold;
    bool unpinned_raised;               /* the pin was removed with the token still raised */
} ring;

static int fake_read(struct vmg_pt_reading *now, bool *gone, char **reason)
{
    (void)reason;
    *gone = false;
    now->present = ring.present;
    now->value = ring.present ? ring.value : 3000;
    return 0;
}

static unsigned long long boot_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

static int fake_write(bool present, unsigned long long value, char **reason)
{
    (void)reason;
    ring.present = present;
    ring.value = present ? value : 0;
    if (!present || value <= 3000)
        ring.restored_at = boot_ms();
    return 0;
}

/* totem.hold: 561 ms derived from the 3000 token while not pinned. */
static int fake_hold_read(struct vmg_pt_reading *now, bool *gone, char **reason)
{
    (void)reason;
    *gone = false;
    now->present = ring.hold_present;
    now->value = ring.hold_present ? ring.hold : 561;
    return 0;
}

static int fake_hold_write(bool present, unsigned long long value, char **reason)
{
    (void)reason;
    if (!present && ring.present && ring.value > 3000)
        ring.unpinned_raised = true;
    ring.hold_present = present;
    ring.hold = present ? value : 0;
    return 0;
}

/* The real backends' values and the pin's steps, the fake cmap (which
 * needs no settle: a value is in force at once). */
static struct vmg_pt_backend fake_corosync, fake_hold;

static void fake_backends(void)
{
    fake_corosync = *vmg_pt_backend(VMG_PT_T_COROSYNC);
    fake_corosync.label = "fake totem.token";
    fake_corosync.read = fake_read;
    fake_corosync.write = fake_write;
    fake_corosync.settle = NULL;
    fake_corosync.confirm = NULL;
    fake_corosync.describe = NULL;
    fake_hold = *vmg_pt_backend(VMG_PT_T_COROSYNC_HOLD);
    fake_hold.read = fake_hold_read;
    fake_hold.write = fake_hold_write;
    fake_hold.describe = NULL;
    vmg_pt_backend_override(VMG_PT_T_COROSYNC, &fake_corosync);
    vmg_pt_backend_override(VMG_PT_T_COROSYNC_HOLD, &fake_hold);
}

/* --------------------------------------------------------- timing */

struct timing_case {
    const char *state;          /* after the header line; NULL: no file */
    unsigned long long now_ms;
    int due;                    /* VMG_PT_KEEP_* bits */
    unsigned sleep_ms;
};

static void write_state(const char *body)
{
    char text[2048];
    char *why = NULL;

    unlink(state_file);
    if (body == NULL)
        return;
    snprintf(text, sizeof(text), "vmguard-peer-timeout 1\n%s", body);
    if (vmg_write_atomic(state_file, text, strlen(text), 0600, &why) < 0)
        printf("# %s\n", why);
    free(why);
}

static void test_timing(const void *data)
{
    const struct timing_case *c = data;
    unsigned sleep_ms = 0;
    char *why = NULL;
    int due;

    write_state(c->state);
    due = vmg_pt_keeper_next(state_dir, c->now_ms, &sleep_ms, &why);
    CHECK_INT(due, c->due);
    if (c->due == 0)
        CHECK_INT(sleep_ms, c->sleep_ms);
    free(why);
    unlink(state_file);
}

#define LEASED "target corosync 1 3000 18750\nholder peer.vm1.1.1 0 0 100\n"
#define DEAD_WITH_REMOTE "target corosync 1 3000 18750\nholder n1.vm1.99.5 0 0 0\n" \
                         "remote n1.vm1.99.5 200 ssh:n2\n"

static const struct timing_case no_state = { NULL, 1000, VMG_PT_KEEP_EXIT, 0 };
static const struct timing_case lease_far = { LEASED, 99000, 0, VMG_PT_KEEPER_POLL_MS };
static const struct timing_case lease_near = { LEASED, 99900, 0, 100 };
static const struct timing_case lease_end = { LEASED, 100000, VMG_PT_KEEP_LOCAL, 0 };
static const struct timing_case lease_past = { LEASED, 250000, VMG_PT_KEEP_LOCAL, 0 };
static const struct timing_case orphan_target = { "target llt 1 1600 2500\n", 5000,
                                                  VMG_PT_KEEP_LOCAL, 0 };
static const struct timing_case remote_due = { DEAD_WITH_REMOTE, 150000,
                                               VMG_PT_KEEP_REMOTE | VMG_PT_KEEP_LOCAL, 0 };
static const struct timing_case remote_expired = { DEAD_WITH_REMOTE, 200000,
                                                   VMG_PT_KEEP_LOCAL, 0 };
static const struct timing_case live_with_remote = {
    "target corosync 1 3000 18750\nholder n1.vm1.1.1 0 0 400\nremote n1.vm1.1.1 300 ssh:n2\n",
    299950, 0, 50 };

/* A process holder: alive while this process lives; a dead pid is due. */
static void test_timing_pid(const void *data)
{
    struct vmg_pt_holder self;
    char body[512], *why = NULL;
    unsigned sleep_ms = 0;
    pid_t child;

    (void)data;
    CHECK_INT(vmg_pt_holder_self(&self, "n1", "vm1", &why), 0);
    snprintf(body, sizeof(body), "target corosync 1 3000 18750\nholder %s %ld %llu 0\n",
             self.id, self.pid, self.start);
    write_state(body);
    CHECK_INT(vmg_pt_keeper_next(state_dir, boot_ms(), &sleep_ms, &why), 0);
    CHECK_INT(sleep_ms, VMG_PT_KEEPER_POLL_MS);
    /* Another process under the holder's pid (here: a zombie) is not it. */
    if ((child = fork()) == 0)
        _exit(0);
    usleep(100 * 1000);
    snprintf(body, sizeof(body), "target corosync 1 3000 18750\nholder x %ld %llu 0\n",
             (long)child, self.start);
    write_state(body);
    CHECK_INT(vmg_pt_keeper_next(state_dir, boot_ms(), &sleep_ms, &why), VMG_PT_KEEP_LOCAL);
    waitpid(child, NULL, 0);
    free(why);
    unlink(state_file);
}

/* ----------------------------------------------------------- the loop */

static int raise_fake(const struct vmg_pt_holder *holder)
{
    struct vmg_pt_request req = {
        .clusters = VMG_PT_COROSYNC, .pause_ms = 10000, .margin_ms = 5000, .max_ms = 60000,
    };
    char *why = NULL;
    int rc = vmg_pt_local_raise(state_dir, &req, holder, NULL, &why);

    if (rc < 0)
        printf("# raise: %s\n", why);
    free(why);
    return rc;
}

/* A 2 s lease: the loop sleeps until its end and restores then, once. */
static void test_loop_lease(const void *data)
{
    struct vmg_pt_holder h = { .id = "peer.vm1.7.7", .pid = 0 };
    unsigned long long end_ms;
    char *why = NULL;

    (void)data;
    memset(&ring, 0, sizeof(ring));
    ring.present = true;
    ring.value = 3000;
    h.expires = (boot_ms() + 2000 + 500) / 1000;      /* as vmg_pt_lease_end(2) */
    end_ms = h.expires * 1000;
    CHECK_INT(raise_fake(&h), 0);
    CHECK_INT(ring.value, 18750);
    CHECK(ring.hold_present && ring.hold == 561);     /* pinned by the raise */
    CHECK_INT(vmg_pt_keeper_run(state_dir, false, NULL, &why), 0);
    CHECK(ring.present && ring.value == 3000);
    CHECK(!ring.hold_present && !ring.unpinned_raised);  /* unpinned, after the token */
    printf("# restored %lld ms after the lease end\n",
           (long long)ring.restored_at - (long long)end_ms);
    CHECK(ring.restored_at >= end_ms);
    CHECK(ring.restored_at < end_ms + 800);          /* "within a second", with load */
    CHECK(access(state_file, F_OK) != 0);
    free(why);
}

/* A process holder killed: restored within the poll interval. */
static void test_loop_killed(const void *data)
{
    struct vmg_pt_holder h;
    unsigned long long killed_at;
    char *why = NULL;
    int fds[2];
    pid_t child;

    (void)data;
    memset(&ring, 0, sizeof(ring));
    ring.present = false;
    if (pipe(fds) < 0)
        return;
    if ((child = fork()) == 0) {
        vmg_pt_holder_self(&h, "n1", "vm1", NULL);
        if (write(fds[1], &h, sizeof(h)) != (ssize_t)sizeof(h))
            _exit(1);
        pause();
        _exit(0);
    }
    close(fds[1]);
    CHECK(read(fds[0], &h, sizeof(h)) == (ssize_t)sizeof(h));
    close(fds[0]);
    CHECK_INT(raise_fake(&h), 0);
    CHECK(ring.present && ring.value == 18750);
    if (fork() == 0) {                      /* the killer, 0.6 s from now */
        usleep(600 * 1000);
        kill(child, SIGKILL);
        _exit(0);
    }
    killed_at = boot_ms() + 600;
    CHECK_INT(vmg_pt_keeper_run(state_dir, false, NULL, &why), 0);
    CHECK(!ring.present);                   /* the absent key deleted again */
    CHECK(!ring.hold_present && !ring.unpinned_raised);
    printf("# restored %lld ms after the kill\n",
           (long long)ring.restored_at - (long long)killed_at);
    CHECK(ring.restored_at < killed_at + VMG_PT_KEEPER_POLL_MS + 600);
    while (wait(NULL) > 0)
        ;
    free(why);
}

/* A second keeper for the same directory ends at once. */
static void test_loop_single(const void *data)
{
    struct vmg_pt_holder h = { .id = "peer.vm1.8.8", .pid = 0 };
    char *why = NULL;
    pid_t first;
    int status = -1;

    (void)data;
    memset(&ring, 0, sizeof(ring));
    h.expires = (boot_ms() + 1500 + 500) / 1000;
    CHECK_INT(raise_fake(&h), 0);
    if ((first = fork()) == 0)
        _exit(vmg_pt_keeper_run(state_dir, false, NULL, &why) == 0 ? 0 : 1);
    usleep(200 * 1000);
    CHECK_INT(vmg_pt_keeper_run(state_dir, false, NULL, &why), -1);
    CHECK(why && strstr(why, "another keeper runs"));
    CHECK(waitpid(first, &status, 0) == first && WIFEXITED(status) &&
          WEXITSTATUS(status) == 0);
    CHECK(access(state_file, F_OK) != 0);
    free(why);
}

static const struct unit_case cases[] = {
    { "no state: the keeper ends", test_timing, &no_state },
    { "lease far: poll interval", test_timing, &lease_far },
    { "lease near: sleep until its end", test_timing, &lease_near },
    { "lease end: restore", test_timing, &lease_end },
    { "lease long past: restore", test_timing, &lease_past },
    { "target without holder: restore", test_timing, &orphan_target },
    { "dead holder's member: remote restore", test_timing, &remote_due },
    { "member lease expired: drop", test_timing, &remote_expired },
    { "live holder's member: sleep until its lease", test_timing, &live_with_remote },
    { "process holder alive, another process not", test_timing_pid, NULL },
    { "loop: lease end restored on time", test_loop_lease, NULL },
    { "loop: killed holder restored at once", test_loop_killed, NULL },
    { "loop: one keeper per directory", test_loop_single, NULL },
};

int main(void)
{
    char path[300];

    if (mkdtemp(tmpdir) == NULL)
        return 99;
    snprintf(state_dir, sizeof(state_dir), "%s/vmguard", tmpdir);
    snprintf(state_file, sizeof(state_file), "%s/peer-timeout.state", state_dir);
    if (mkdir(state_dir, 0700) < 0)
        return 99;
    vmg_log_init("test", "peer-timeout-keeper");
    fake_backends();
    UNIT_RUN(cases);
    vmg_log_fini();
    snprintf(path, sizeof(path), "%s/peer-timeout.lock", state_dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/peer-timeout.keeper", state_dir);
    unlink(path);
    unlink(state_file);
    rmdir(state_dir);
    rmdir(tmpdir);
    return unit_done();
}
