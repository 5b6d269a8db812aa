/* Peer-timeout guard: state file logic and the LLT backend, against the
 * lltconfig stand-in (tests/lab/lltconfig), and the Corosync path through a
 * fake backend (the ring itself is tests/e2e/peer-timeout.sh's). */
#include <build-config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VMG_LLT_PEERINACT_PRIV_H_ALLOW
#include "llt_peerinact_priv.h"
#include "log.h"
#define VMG_PEER_TIMEOUT_PRIV_H_ALLOW
#include "peer_timeout_priv.h"
#include "spawn.h"
#include "unit.h"
#include "util.h"

#ifndef TEST_LLTCONFIG
#define TEST_LLTCONFIG "tests/lab/lltconfig"
#endif

static char tmpdir[] = "/tmp/vmg-pt-test.XXXXXX";
static char state_dir[256], llt_state[256], llt_down[300], llttab[256], wrapper[256];

/* The helper runs lltconfig with a minimal environment: the wrapper gives
 * the stand-in its state file. */
static int write_wrapper(void)
{
    char text[1024], *why = NULL;
    int rc;

    snprintf(text, sizeof(text), "#!/bin/sh\nLLTCONFIG_STANDIN_STATE='%s' exec '%s' \"$@\"\n",
             llt_state, TEST_LLTCONFIG);
    rc = vmg_write_atomic(wrapper, text, strlen(text), 0755, &why);
    if (rc < 0)
        printf("# %s\n", why);
    free(why);
    return rc;
}

static unsigned llt_now(void)
{
    unsigned cs = 0;
    char *why = NULL;

    if (vmg_llt_peerinact_get(&cs, &why) < 0) {
        printf("# peerinact query failed: %s\n", why);
        cs = 0;
    }
    free(why);
    return cs;
}

static char *read_file(const char *path)
{
    char *text = NULL, *why = NULL;

    if (vmg_read_small_file(path, 1 << 20, &text, &why) < 0)
        text = NULL;
    free(why);
    return text;
}

static bool file_has(const char *path, const char *needle)
{
    char *text = read_file(path);
    bool found = text && strstr(text, needle);

    free(text);
    return found;
}

static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* A pid that is certainly dead: a child we started and reaped. */
static long dead_pid(void)
{
    pid_t pid = fork();

    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return (long)pid;
}

static struct vmg_pt_request llt_request(unsigned long long pause_ms)
{
    struct vmg_pt_request req = {
        .clusters = VMG_PT_LLT, .pause_ms = pause_ms, .margin_ms = 5000, .max_ms = 60000,
    };
    return req;
}

static struct vmg_pt_holder lease_holder(const char *id, unsigned long long lease_s)
{
    struct vmg_pt_holder h = { .pid = 0 };
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    snprintf(h.id, sizeof(h.id), "%s", id);
    h.expires = (unsigned long long)ts.tv_sec + lease_s;
    return h;
}

static void reset_llt(void)
{
    unlink(llt_state);
    unlink(llttab);
}

static int raise_ok(const struct vmg_pt_request *req, const struct vmg_pt_holder *h)
{
    char *summary = NULL, *why = NULL;
    int rc = vmg_pt_local_raise(state_dir, req, h, &summary, &why);

    if (rc < 0)
        printf("# raise failed: %s\n", why);
    free(summary);
    free(why);
    return rc;
}

static int release_ok(const char *id)
{
    char *why = NULL;
    int rc = vmg_pt_local_release(state_dir, id, &why);

    if (rc < 0)
        printf("# release failed: %s\n", why);
    free(why);
    return rc;
}

static int recover_ok(bool with_llttab)
{
    char *why = NULL;
    int rc = vmg_pt_local_recover(state_dir, with_llttab, &why);

    if (rc < 0)
        printf("# recover failed: %s\n", why);
    free(why);
    return rc;
}

static void test_parse_query(const void *data)
{
    unsigned cs = 0;

    CHECK_INT(vmg_llt_parse_query("Current LLT timer values (.01 sec units):\n"
                                  "  peertrouble   = 200\n  peerinact     = 1600\n", &cs), 0);
    CHECK_INT(cs, 1600);
    CHECK_INT(vmg_llt_parse_query("peerinact:2500\n", &cs), 0);
    CHECK_INT(cs, 2500);
    /* rpeerinact must not be taken for peerinact */
    CHECK_INT(vmg_llt_parse_query("  rpeerinact = 700\n", &cs), -1);
    CHECK_INT(vmg_llt_parse_query("  peerinact = lots\n", &cs), -1);
}

static void test_wanted(const void *data)
{
    struct vmg_pt_request req = llt_request(10000);

    CHECK_INT(vmg_pt_wanted_ms(&req, VMG_PT_T_LLT), 15000);
    CHECK_INT(vmg_pt_wanted_ms(&req, VMG_PT_T_LLTTAB), 15000);
    /* Corosync: divided by 0.8 for the token hold */
    CHECK_INT(vmg_pt_wanted_ms(&req, VMG_PT_T_COROSYNC), 18750);
    req.pause_ms = 10001;                               /* rounded up: 15001 / 0.8 */
    CHECK_INT(vmg_pt_wanted_ms(&req, VMG_PT_T_COROSYNC), 18752);
    req.max_ms = 12000;
    CHECK_INT(vmg_pt_wanted_ms(&req, VMG_PT_T_COROSYNC), 12000);
}

static void test_raise_restore(const void *data)
{
    struct vmg_pt_request req = llt_request(10000);
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);
    char state_file[300];
    struct stat st;

    reset_llt();
    snprintf(state_file, sizeof(state_file), "%s/peer-timeout.state", state_dir);
    CHECK_INT(llt_now(), 1600);
    CHECK_INT(raise_ok(&req, &a), 0);
    CHECK_INT(llt_now(), 1600);                         /* 15 s < 16 s: never lowered */
    CHECK(!file_has(state_file, "target"));             /* nothing raised, nothing to restore */
    CHECK_INT(release_ok(a.id), 0);
    CHECK(!exists(state_file));

    req.pause_ms = 20000;                               /* 25 s > 16 s */
    CHECK_INT(raise_ok(&req, &a), 0);
    CHECK_INT(llt_now(), 2500);
    CHECK(exists(state_file));
    CHECK(stat(state_dir, &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK(stat(state_file, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(file_has(state_file, "target llt 1 1600 2500"));
    CHECK_INT(release_ok(a.id), 0);
    CHECK_INT(llt_now(), 1600);
    CHECK(!exists(state_file));
}

/* Two migrations overlap: the first to finish must not restore. */
static void test_overlap(const void *data)
{
    struct vmg_pt_request req = llt_request(20000);
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);
    struct vmg_pt_holder b = lease_holder("nodeA.vm2.2.2", 600);

    reset_llt();
    CHECK_INT(raise_ok(&req, &a), 0);
    CHECK_INT(llt_now(), 2500);
    req.pause_ms = 30000;                               /* b needs more */
    CHECK_INT(raise_ok(&req, &b), 0);
    CHECK_INT(llt_now(), 3500);
    CHECK_INT(release_ok(b.id), 0);
    CHECK_INT(llt_now(), 3500);                         /* a still holds */
    CHECK_INT(release_ok(a.id), 0);
    CHECK_INT(llt_now(), 1600);                         /* the original, not a's 2500 */
}

/* The administrator changed the value while we held it: leave theirs. */
static void test_stale(const void *data)
{
    struct vmg_pt_request req = llt_request(20000);
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);
    char *why = NULL;

    reset_llt();
    CHECK_INT(raise_ok(&req, &a), 0);
    CHECK_INT(llt_now(), 2500);
    CHECK_INT(vmg_llt_peerinact_set(4200, &why), 0);    /* the administrator */
    free(why);
    CHECK_INT(release_ok(a.id), 0);
    CHECK_INT(llt_now(), 4200);
}

/* A killed helper (dead pid) and an expired lease are dropped by recover,
 * which restores; a live holder keeps the raise. */
static void test_dead_holder(const void *data)
{
    struct vmg_pt_request req = llt_request(20000);
    struct vmg_pt_holder dead = { .pid = dead_pid(), .start = 1 };
    struct vmg_pt_holder live = { .pid = 0 };
    struct vmg_pt_holder expired = lease_holder("peer.vm3.3.3", 0);

    reset_llt();
    snprintf(dead.id, sizeof(dead.id), "nodeA.vm1.%ld.1", dead.pid);
    CHECK_INT(vmg_pt_holder_self(&live, "nodeA", "vm2", NULL), 0);
    CHECK_INT(raise_ok(&req, &dead), 0);
    CHECK_INT(raise_ok(&req, &live), 0);
    CHECK_INT(recover_ok(false), 0);
    CHECK_INT(llt_now(), 2500);                         /* live still holds */
    CHECK_INT(release_ok(live.id), 0);                  /* last live one: restores */
    CHECK_INT(llt_now(), 1600);

    CHECK_INT(raise_ok(&req, &expired), 0);
    CHECK_INT(llt_now(), 2500);
    CHECK_INT(recover_ok(false), 0);                    /* lease over: restore */
    CHECK_INT(llt_now(), 1600);

    CHECK_INT(raise_ok(&req, &dead), 0);
    CHECK_INT(llt_now(), 2500);
    CHECK_INT(recover_ok(false), 0);
    CHECK_INT(llt_now(), 1600);
}

/* A holder that exited but was not reaped yet (a zombie: its parent, execd
 * or a guardian, has not waited for it) is dead: its /proc/PID/stat still
 * reads, with the same start time, but it will never release (issue 12.9). */
static void test_zombie_holder(const void *data)
{
    struct vmg_pt_request req = llt_request(20000);
    struct vmg_pt_holder zombie = { .pid = 0 };
    char path[64], stat[512] = "";
    int fds[2], i;
    pid_t pid;
    FILE *f;

    reset_llt();
    if (pipe(fds) < 0 || (pid = fork()) < 0) {
        printf("Bail out! cannot fork the holder\n");
        exit(1);
    }
    if (pid == 0) {
        struct vmg_pt_holder self;

        close(fds[0]);
        if (vmg_pt_holder_self(&self, "nodeA", "vmz", NULL) < 0 ||
            write(fds[1], &self, sizeof(self)) != (ssize_t)sizeof(self))
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    CHECK(read(fds[0], &zombie, sizeof(zombie)) == (ssize_t)sizeof(zombie));
    close(fds[0]);
    /* Setup: the child is a zombie now, and its stat still reads. */
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    for (i = 0; i < 200 && !strstr(stat, ") Z "); i++) {
        if ((f = fopen(path, "r")) != NULL) {
            if (fgets(stat, sizeof(stat), f) == NULL)
                stat[0] = '\0';
            fclose(f);
        }
        if (!strstr(stat, ") Z "))
            usleep(10000);
    }
    CHECK(strstr(stat, ") Z ") != NULL);
    CHECK(zombie.pid == (long)pid);
    CHECK_INT(raise_ok(&req, &zombie), 0);
    CHECK_INT(llt_now(), 2500);
    CHECK_INT(recover_ok(false), 0);                    /* the zombie holds nothing */
    CHECK_INT(llt_now(), 1600);
    waitpid(pid, NULL, 0);
}

/* A recover (every monitor runs one) must not wait for a raise in progress. */
static void test_busy_lock(const void *data)
{
    struct vmg_pt_request req = llt_request(20000);
    struct vmg_pt_holder dead = { .pid = dead_pid(), .start = 1 };
    long long t0;
    char lock[300];
    int fd;

    reset_llt();
    snprintf(dead.id, sizeof(dead.id), "nodeA.vm1.%ld.1", dead.pid);
    snprintf(lock, sizeof(lock), "%s/peer-timeout.lock", state_dir);
    CHECK_INT(raise_ok(&req, &dead), 0);
    fd = open(lock, O_RDWR);
    CHECK(fd >= 0 && flock(fd, LOCK_EX) == 0);
    t0 = vmg_now_ms();
    CHECK_INT(recover_ok(false), 0);
    CHECK(vmg_now_ms() - t0 < 10000);
    CHECK_INT(llt_now(), 2500);                         /* not touched while busy */
    close(fd);
    CHECK_INT(recover_ok(false), 0);
    CHECK_INT(llt_now(), 1600);
}

static void test_llttab(const void *data)
{
    struct vmg_pt_request req = llt_request(20000);
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);
    const char *original = "set-node nodeA\nset-cluster 7\nlink eth1 eth-00:11 - ether - -\n"
                           "set-timer peerinact:1800\n";
    char *why = NULL, *text;

    reset_llt();
    req.llttab = true;
    CHECK_INT(vmg_write_atomic(llttab, original, strlen(original), 0644, &why), 0);
    free(why);
    why = NULL;
    CHECK_INT(raise_ok(&req, &a), 0);
    CHECK(file_has(llttab, "\nset-timer peerinact:2500\n"));
    CHECK(!file_has(llttab, "\nset-timer peerinact:1800\n"));
    CHECK(file_has(llttab, "was: peerinact:1800"));
    CHECK(file_has(llttab, "set-cluster 7\n"));
    CHECK_INT(release_ok(a.id), 0);
    text = read_file(llttab);
    CHECK_STR(text, original);                          /* byte for byte */
    free(text);

    /* No line before: the restore removes ours. */
    CHECK_INT(vmg_write_atomic(llttab, "set-node nodeA\n", 15, 0644, &why), 0);
    free(why);
    why = NULL;
    CHECK_INT(raise_ok(&req, &a), 0);
    CHECK(file_has(llttab, "set-timer peerinact:2500"));
    CHECK_INT(release_ok(a.id), 0);
    text = read_file(llttab);
    CHECK_STR(text, "set-node nodeA\n");
    free(text);

    /* State lost (reboot) but the marker is there: recover restores it. */
    CHECK_INT(vmg_llttab_raise(llttab, 3000, &why), 0);
    free(why);
    CHECK(file_has(llttab, "set-timer peerinact:3000"));
    CHECK_INT(recover_ok(true), 0);
    text = read_file(llttab);
    CHECK_STR(text, "set-node nodeA\n");
    free(text);
}

/* The line anywhere in the file, written any way LLT accepts it: raised in
 * its place, restored byte for byte (also without a final newline). */
struct llttab_case {
    const char *original;
    const char *raised;         /* the file while raised to 2500 */
};

static void test_llttab_in_place(const void *data)
{
    const struct llttab_case *c = data;
    struct vmg_llttab tab;
    char *why = NULL, *text;
    bool stale = true;

    CHECK_INT(vmg_write_atomic(llttab, c->original, strlen(c->original), 0644, &why), 0);
    CHECK_INT(vmg_llttab_raise(llttab, 2500, &why), 0);
    text = read_file(llttab);
    CHECK_STR(text, c->raised);
    free(text);
    CHECK_INT(vmg_llttab_read(llttab, &tab, &why), 0);
    CHECK(tab.present && tab.centisec == 2500 && tab.marked && tab.raised == 2500);
    CHECK_INT(vmg_llttab_raise(llttab, 3000, &why), 0);          /* a second raise */
    CHECK(file_has(llttab, "\nset-timer peerinact:3000"));
    CHECK_INT(vmg_llttab_restore(llttab, &stale, &why), 0);
    CHECK(!stale);
    text = read_file(llttab);
    CHECK_STR(text, c->original);                                 /* byte for byte */
    free(text);
    free(why);
}

#define LLTTAB_MARK "# vmguard: raised peerinact:2500 for a live migration; was: "
static const struct llttab_case llttab_middle = {
    "set-node nodeA\nset-timer\t peerinact:1800  \nset-cluster 7\nlink eth1 eth1 - ether - -\n",
    "set-node nodeA\n" LLTTAB_MARK "peerinact:1800; line: set-timer\t peerinact:1800  \n"
    "set-timer peerinact:2500\nset-cluster 7\nlink eth1 eth1 - ether - -\n",
};
static const struct llttab_case llttab_last_no_newline = {
    "set-node nodeA\nset-timer peerinact:1800",
    "set-node nodeA\n" LLTTAB_MARK "peerinact:1800; line: set-timer peerinact:1800\n"
    "set-timer peerinact:2500",
};
static const struct llttab_case llttab_none_no_newline = {
    "set-node nodeA\nset-cluster 7",
    "set-node nodeA\nset-cluster 7\n" LLTTAB_MARK "none (no final newline)\n"
    "set-timer peerinact:2500\n",
};
static const struct llttab_case llttab_two_lines = {
    "set-timer peerinact:900\nset-node nodeA\nset-timer peerinact:1800\nset-cluster 7\n",
    "set-timer peerinact:900\nset-node nodeA\n" LLTTAB_MARK
    "peerinact:1800; line: set-timer peerinact:1800\nset-timer peerinact:2500\nset-cluster 7\n",
};

static void test_llt_missing(const void *data)
{
    struct vmg_pt_request req = llt_request(20000);
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);
    char *why = NULL;

    setenv("VMGUARD_LLTCONFIG", "/nonexistent/lltconfig", 1);
    CHECK_INT(raise_ok(&req, &a), 0);                   /* skipped with a log line */
    CHECK_INT(release_ok(a.id), 0);
    req.llt_required = true;
    CHECK_INT(vmg_pt_local_raise(state_dir, &req, &a, NULL, &why), -1);
    CHECK(why && strstr(why, "not installed"));
    free(why);
    setenv("VMGUARD_LLTCONFIG", wrapper, 1);
}

/* LLT not running: the raise fails and nothing stays recorded or raised. */
static void test_llt_down(const void *data)
{
    struct vmg_pt_request req = llt_request(20000);
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);
    char state_file[300], *why = NULL;

    reset_llt();
    snprintf(state_file, sizeof(state_file), "%s/peer-timeout.state", state_dir);
    CHECK_INT(llt_now(), 1600);
    if (close(open(llt_down, O_WRONLY | O_CREAT, 0600)) < 0)
        CHECK(!"cannot create the down flag");
    CHECK_INT(vmg_pt_local_raise(state_dir, &req, &a, NULL, &why), -1);
    CHECK(why && strstr(why, "not configured"));
    free(why);
    unlink(llt_down);
    CHECK(!exists(state_file));
    CHECK_INT(llt_now(), 1600);
}

static void test_config_check(const void *data)
{
    struct vmg_peer_config cfg = { .clusters = "corosync,llt", .members = "cluster, guest:vm2" };
    char *why = NULL;

    CHECK_INT(vmg_peer_config_check(&cfg, &why), 0);
    cfg.clusters = "corosync,heartbeat";
    CHECK_INT(vmg_peer_config_check(&cfg, &why), -1);
    CHECK(why && strstr(why, "peer_timeout_clusters"));
    free(why);
    why = NULL;
    cfg.clusters = "llt";
    cfg.members = "cluster ssh:$(reboot)";
    CHECK_INT(vmg_peer_config_check(&cfg, &why), -1);
    CHECK(why && strstr(why, "peer_timeout_members"));
    free(why);
}

static void test_members(const void *data)
{
    char **members = NULL, *why = NULL;

    CHECK_INT(vmg_pt_members_expand("local, ssh:node2 guest:vm3@qemu+ssh://h/system",
                                    &members, &why), 0);
    CHECK_STR(members ? members[0] : NULL, "local");
    CHECK_STR(members ? members[1] : NULL, "ssh:node2");
    CHECK_STR(members ? members[2] : NULL, "guest:vm3@qemu+ssh://h/system");
    vmg_strv_free(members);
    CHECK_INT(vmg_pt_members_expand("ssh:node2;reboot", &members, &why), -1);
    free(why);
    why = NULL;
    CHECK_INT(vmg_pt_members_expand("ssh:-oProxyCommand=x", &members, &why), -1);
    free(why);
    why = NULL;
    CHECK_INT(vmg_pt_members_expand("telnet:node2", &members, &why), -1);
    free(why);
}

/* ------------------------------------------------------------------------
 * Corosync through a fake backend: the ring is a struct, so the generic
 * steps (plan, apply, settle, check, restore) run on the Corosync path
 * without corosync; tests/e2e/peer-timeout.sh covers the real ring. */

static struct {
    bool running;                   /* false: no corosync answers */
    bool present;                   /* totem.token is set */
    unsigned long long value;       /* its value */
    bool hold_present;              /* totem.hold is set */
    unsigned long long hold;        /* its value */
    unsigned long long hold_max;    /* the highest hold in force after any write */
    char log[256];                  /* the writes, in order: "hold=561 token=18750 ..." */
    unsigned writes, settles, confirms;
    unsigned long long confirmed;   /* the want of the last confirm */
    bool refuse_write, refuse_settle;
} ring;

/* The hold in force, as corosync's totem_volatile_config_read() derives
 * it when totem.hold is not set (HZ 100): 561 ms for the built-in 3000. */
static unsigned long long hold_in_force(void)
{
    unsigned long long token = ring.present ? ring.value : 3000;
    unsigned retransmit = (unsigned)((double)token / (4 + 0.2));

    return ring.hold_present ? ring.hold : (unsigned long long)(retransmit * 0.8 - 10);
}

static void ring_log(const char *key, bool present, unsigned long long value)
{
    size_t len = strlen(ring.log);

    if (present)
        snprintf(ring.log + len, sizeof(ring.log) - len, "%s%s=%llu", len ? " " : "", key, value);
    else
        snprintf(ring.log + len, sizeof(ring.log) - len, "%s%s=-", len ? " " : "", key);
    if (hold_in_force() > ring.hold_max)
        ring.hold_max = hold_in_force();
}

static int fake_read(struct vmg_pt_reading *now, bool *gone, char **reason)
{
    *gone = !ring.running;
    if (!ring.running)
        return vmg_error_set(reason, "the fake ring is down");
    now->present = ring.present;
    now->value = ring.present ? ring.value : 3000;
    return 0;
}

static int fake_write(bool present, unsigned long long value, char **reason)
{
    if (!ring.running || ring.refuse_write)
        return vmg_error_set(reason, "the fake ring refuses the write");
    ring.present = present;
    ring.value = present ? value : 0;
    ring.writes++;
    ring_log("token", present, value);
    return 0;
}

static int fake_hold_read(struct vmg_pt_reading *now, bool *gone, char **reason)
{
    *gone = !ring.running;
    if (!ring.running)
        return vmg_error_set(reason, "the fake ring is down");
    now->present = ring.hold_present;
    now->value = hold_in_force();
    return 0;
}

static int fake_hold_write(bool present, unsigned long long value, char **reason)
{
    if (!ring.running)
        return vmg_error_set(reason, "the fake ring refuses the write");
    ring.hold_present = present;
    ring.hold = present ? value : 0;
    ring_log("hold", present, value);
    return 0;
}

static int fake_settle(unsigned long long value, char **reason)
{
    ring.settles++;
    if (ring.refuse_settle)
        return vmg_error_set(reason, "no token came round the fake ring");
    return 0;
}

/* The fake ring's value is in force at once: confirm reads it back. */
static int fake_confirm(unsigned long long want, char **reason)
{
    ring.confirms++;
    ring.confirmed = want;
    if (!ring.present || ring.value < want)
        return vmg_error_set(reason, "fake totem.token in force is below %llu", want);
    return 0;
}

/* Only the cmap access is fake: the rest (the built-in value, the value
 * wanted, the pin's steps) is the real backends'. */
static struct vmg_pt_backend fake_corosync, fake_hold;

/* A ring with totem.token as given (0: absent), totem.hold absent, the
 * fakes in place. */
static void fake_ring(unsigned long long token)
{
    memset(&ring, 0, sizeof(ring));
    ring.running = true;
    ring.present = token != 0;
    ring.value = token;
    ring.hold_max = hold_in_force();
    vmg_pt_backend_override(VMG_PT_T_COROSYNC, NULL);
    fake_corosync = *vmg_pt_backend(VMG_PT_T_COROSYNC);
    fake_corosync.label = "fake totem.token";
    fake_corosync.read = fake_read;
    fake_corosync.write = fake_write;
    fake_corosync.settle = fake_settle;
    fake_corosync.confirm = fake_confirm;
    fake_corosync.describe = NULL;
    vmg_pt_backend_override(VMG_PT_T_COROSYNC_HOLD, NULL);
    fake_hold = *vmg_pt_backend(VMG_PT_T_COROSYNC_HOLD);
    fake_hold.read = fake_hold_read;
    fake_hold.write = fake_hold_write;
    fake_hold.describe = NULL;
    vmg_pt_backend_override(VMG_PT_T_COROSYNC, &fake_corosync);
    vmg_pt_backend_override(VMG_PT_T_COROSYNC_HOLD, &fake_hold);
}

static void real_ring(void)
{
    vmg_pt_backend_override(VMG_PT_T_COROSYNC, NULL);
    vmg_pt_backend_override(VMG_PT_T_COROSYNC_HOLD, NULL);
}

static struct vmg_pt_request corosync_request(unsigned long long pause_ms)
{
    struct vmg_pt_request req = {
        .clusters = VMG_PT_COROSYNC, .pause_ms = pause_ms, .margin_ms = 5000, .max_ms = 60000,
    };
    return req;
}

static bool state_has(const char *needle)
{
    char path[300];

    snprintf(path, sizeof(path), "%s/peer-timeout.state", state_dir);
    return needle ? file_has(path, needle) : exists(path);
}

/* (10000 + 5000) / 0.8 = 18750; an absent key comes back absent. */
static void test_fake_raise_restore(const void *data)
{
    struct vmg_pt_request req = corosync_request(10000);
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);

    fake_ring(0);
    CHECK_INT(raise_ok(&req, &a), 0);
    CHECK(ring.present && ring.value == 18750);
    CHECK_INT(ring.settles, 1);                         /* in force before "raised" */
    CHECK(state_has("target corosync 0 3000 18750"));
    CHECK_INT(release_ok(a.id), 0);
    CHECK(!ring.present);                               /* the key deleted again */
    CHECK(!state_has(NULL));

    fake_ring(5000);                                    /* the administrator's value */
    CHECK_INT(raise_ok(&req, &a), 0);
    CHECK_INT(ring.value, 18750);
    CHECK_INT(release_ok(a.id), 0);
    CHECK(ring.present && ring.value == 5000);

    fake_ring(30000);                                   /* higher already: never lowered */
    CHECK_INT(raise_ok(&req, &a), 0);
    CHECK_INT(ring.writes, 0);
    CHECK(!state_has("target"));
    CHECK_INT(release_ok(a.id), 0);
    CHECK_INT(ring.value, 30000);
    real_ring();
}

/* Changed by someone else while raised: theirs is kept, ours forgotten. */
static void test_fake_stale(const void *data)
{
    struct vmg_pt_request req = corosync_request(10000);
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);
    struct vmg_pt_holder b = lease_holder("nodeA.vm2.2.2", 600);

    fake_ring(5000);
    CHECK_INT(raise_ok(&req, &a), 0);
    ring.value = 9999;                                  /* the administrator */
    CHECK_INT(release_ok(a.id), 0);
    CHECK(ring.present && ring.value == 9999);
    CHECK(!state_has(NULL));

    /* Changed between two raises: the new value is the one to restore. */
    CHECK_INT(raise_ok(&req, &a), 0);
    ring.value = 7000;
    CHECK_INT(raise_ok(&req, &b), 0);
    CHECK_INT(ring.value, 18750);
    CHECK(state_has("target corosync 1 7000 18750"));
    CHECK_INT(release_ok(a.id), 0);
    CHECK_INT(release_ok(b.id), 0);
    CHECK_INT(ring.value, 7000);
    real_ring();
}

/* A killed helper (dead pid) and an expired lease are dropped by recover,
 * which restores; a live holder keeps the raise. */
static void test_fake_dead_holder(const void *data)
{
    struct vmg_pt_request req = corosync_request(10000);
    struct vmg_pt_holder dead = { .pid = dead_pid(), .start = 1 };
    struct vmg_pt_holder live = { .pid = 0 };
    struct vmg_pt_holder expired = lease_holder("peer.vm3.3.3", 0);

    fake_ring(5000);
    snprintf(dead.id, sizeof(dead.id), "nodeA.vm1.%ld.1", dead.pid);
    CHECK_INT(vmg_pt_holder_self(&live, "nodeA", "vm2", NULL), 0);
    CHECK_INT(raise_ok(&req, &dead), 0);
    CHECK_INT(raise_ok(&req, &live), 0);
    CHECK_INT(recover_ok(false), 0);
    CHECK_INT(ring.value, 18750);                       /* live still holds */
    CHECK(!state_has("holder nodeA.vm1."));             /* the dead one is gone */
    CHECK_INT(release_ok(live.id), 0);
    CHECK_INT(ring.value, 5000);

    CHECK_INT(raise_ok(&req, &expired), 0);
    CHECK_INT(recover_ok(false), 0);                    /* lease over: restore */
    CHECK_INT(ring.value, 5000);
    CHECK(!state_has(NULL));
    real_ring();
}

/* Corosync gone at restore time: the raised value went with it. */
static void test_fake_ring_down(const void *data)
{
    struct vmg_pt_request req = corosync_request(10000);
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);
    char *why = NULL;

    fake_ring(0);
    CHECK_INT(raise_ok(&req, &a), 0);
    ring.running = false;
    CHECK_INT(release_ok(a.id), 0);
    CHECK(!state_has(NULL));
    /* Not running at raise time: a failure with a reason, nothing recorded. */
    CHECK_INT(vmg_pt_local_raise(state_dir, &req, &a, NULL, &why), -1);
    CHECK(why && strstr(why, "fake ring is down"));
    free(why);
    CHECK(!state_has(NULL));
    real_ring();
}

/* A raise the fake ring refuses (*refuse set on a fresh ring): -1 with a
 * reason naming why, the administrator's 5000 in force again, nothing
 * recorded. */
static void expect_refused(bool *refuse, const char *fragment)
{
    struct vmg_pt_request req = corosync_request(10000);
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);
    char *why = NULL;

    fake_ring(5000);
    *refuse = true;
    CHECK_INT(vmg_pt_local_raise(state_dir, &req, &a, NULL, &why), -1);
    CHECK(why && strstr(why, fragment));
    free(why);
    CHECK(ring.present && ring.value == 5000);
    CHECK(!ring.hold_present);                          /* the pin (942 ms) removed */
    CHECK(strncmp(ring.log, "hold=942 ", 9) == 0 && strstr(ring.log, " hold=-") != NULL);
    CHECK(!state_has(NULL));
    real_ring();
}

/* A raise that cannot be written or does not come into force is undone. */
static void test_fake_refused(const void *data)
{
    expect_refused(&ring.refuse_settle, "no token");
    expect_refused(&ring.refuse_write, "refuses the write");
}

/* A second raise that finds our value high enough waits until it is in
 * force (read back) before its migration; an administrator's is not waited for. */
static void test_fake_overlap_confirm(const void *data)
{
    struct vmg_pt_request big = corosync_request(10000), small = corosync_request(5000);
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);
    struct vmg_pt_holder b = lease_holder("nodeB.vm2.2.2", 600);

    (void)data;
    fake_ring(0);
    CHECK_INT(raise_ok(&big, &a), 0);
    CHECK_INT(ring.settles, 1);
    CHECK_INT(ring.confirms, 0);
    CHECK_INT(raise_ok(&small, &b), 0);                 /* wants 12500, finds 18750 */
    CHECK_INT(ring.writes, 1);
    CHECK_INT(ring.confirms, 1);
    CHECK_INT(ring.confirmed, 12500);
    CHECK_INT(release_ok(a.id), 0);
    CHECK(ring.value == 18750);                         /* b still holds it */
    CHECK_INT(release_ok(b.id), 0);
    CHECK(!ring.present);
    fake_ring(30000);                                   /* the administrator's */
    CHECK_INT(raise_ok(&small, &b), 0);
    CHECK_INT(ring.confirms, 0);
    CHECK_INT(release_ok(b.id), 0);
}

/* totem.hold, which corosync derives from the token when it is not set,
 * pinned at the value in force before the token goes up (written first)
 * and unpinned after the token is back: the hold in force never changes. */
static void test_fake_hold_pinned(const void *data)
{
    struct vmg_pt_request req = corosync_request(10000), big = corosync_request(20000);
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);
    struct vmg_pt_holder b = lease_holder("nodeB.vm2.2.2", 600);

    (void)data;
    fake_ring(0);                                       /* 3000 built in: hold 561 */
    CHECK_INT(raise_ok(&req, &a), 0);
    CHECK_STR(ring.log, "hold=561 token=18750");
    CHECK_INT(ring.hold_max, 561);                      /* not 3561, derived from 18750 */
    CHECK(state_has("target corosync 0 3000 18750\ntarget corosync-hold 0 561 561\n"));
    CHECK_INT(raise_ok(&big, &b), 0);                   /* higher: our pin stays as it is */
    CHECK_STR(ring.log, "hold=561 token=18750 token=31250");
    CHECK_INT(release_ok(a.id), 0);
    CHECK(ring.hold_present && ring.hold == 561);       /* b still holds the raise */
    CHECK_INT(release_ok(b.id), 0);
    CHECK_STR(ring.log, "hold=561 token=18750 token=31250 token=- hold=-");
    CHECK(!ring.present && !ring.hold_present);
    CHECK_INT(ring.hold_max, 561);
    CHECK(!state_has(NULL));

    fake_ring(1000);                                    /* case M's guests: hold 180 */
    CHECK_INT(raise_ok(&req, &a), 0);
    CHECK_INT(release_ok(a.id), 0);
    CHECK_STR(ring.log, "hold=180 token=18750 token=1000 hold=-");
    CHECK_INT(ring.hold_max, 180);
    real_ring();
}

/* A configured totem.hold is the administrator's: neither set nor removed. */
static void test_fake_hold_configured(const void *data)
{
    struct vmg_pt_request req = corosync_request(10000);
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);

    (void)data;
    fake_ring(5000);
    ring.hold_present = true;
    ring.hold = 300;
    CHECK_INT(raise_ok(&req, &a), 0);
    CHECK(!state_has("corosync-hold"));
    CHECK_INT(release_ok(a.id), 0);
    CHECK_STR(ring.log, "token=18750 token=5000");
    CHECK(ring.hold_present && ring.hold == 300);

    /* Set by someone while pinned: theirs, kept at the restore. */
    ring.hold_present = false;
    CHECK_INT(raise_ok(&req, &a), 0);
    CHECK(ring.hold_present && ring.hold == 942);
    ring.hold = 400;
    CHECK_INT(release_ok(a.id), 0);
    CHECK(ring.hold_present && ring.hold == 400 && ring.value == 5000);
    CHECK(!state_has(NULL));
    real_ring();
}

/* The pin is in the state file: a killed helper's is removed by the next
 * action's recover, after the token; a token that cannot be restored keeps
 * it pinned (and recorded) until it is. */
static void test_fake_hold_recover(const void *data)
{
    struct vmg_pt_request req = corosync_request(10000);
    struct vmg_pt_holder dead = { .pid = dead_pid(), .start = 1 };
    struct vmg_pt_holder a = lease_holder("nodeA.vm1.1.1", 600);
    char *why = NULL;

    (void)data;
    fake_ring(1000);
    snprintf(dead.id, sizeof(dead.id), "nodeA.vm1.%ld.1", dead.pid);
    CHECK_INT(raise_ok(&req, &dead), 0);
    CHECK(state_has("target corosync 1 1000 18750\ntarget corosync-hold 0 180 180\n"));
    CHECK_INT(recover_ok(false), 0);
    CHECK_STR(ring.log, "hold=180 token=18750 token=1000 hold=-");
    CHECK(!state_has(NULL));

    CHECK_INT(raise_ok(&req, &a), 0);
    ring.refuse_write = true;
    CHECK_INT(vmg_pt_local_release(state_dir, a.id, &why), -1);
    free(why);
    CHECK(ring.value == 18750 && ring.hold_present && ring.hold == 180);
    CHECK(state_has("target corosync-hold 0 180 180"));
    ring.refuse_write = false;
    CHECK_INT(recover_ok(false), 0);
    CHECK(ring.value == 1000 && !ring.hold_present);
    CHECK_INT(ring.hold_max, 180);
    CHECK(!state_has(NULL));
    real_ring();
}

/* The migrating domain's member follows it to the target. */
static void test_member_follow(const void *data)
{
    char *m;

    (void)data;
    m = vmg_pt_member_follow("guest:vm1", "vm1", "qemu+tcp://n2/system");
    CHECK_STR(m, "guest:vm1|qemu+tcp://n2/system");
    free(m);
    m = vmg_pt_member_follow("guest:vm1@qemu:///system", "vm1", "qemu+tcp://n2/system");
    CHECK_STR(m, "guest:vm1@qemu:///system|qemu+tcp://n2/system");
    free(m);
    CHECK(vmg_pt_member_follow("guest:vm10", "vm1", "qemu+tcp://n2/system") == NULL);
    CHECK(vmg_pt_member_follow("ssh:vm1", "vm1", "qemu+tcp://n2/system") == NULL);
    CHECK(vmg_pt_member_follow("guest:vm1", "vm1", "qemu+tcp://u:secret@n2/system") == NULL);
    m = vmg_pt_member_moved("guest:vm1|qemu+tcp://n2/system");
    CHECK_STR(m, "guest:vm1@qemu+tcp://n2/system|qemu:///system");
    free(m);
    m = vmg_pt_member_moved("guest:vm1@qemu+tcp://n1/system|qemu+tcp://n2/system");
    CHECK_STR(m, "guest:vm1@qemu+tcp://n2/system|qemu+tcp://n1/system");
    free(m);
    CHECK(vmg_pt_member_moved("guest:vm2@qemu:///system") == NULL);
}

static const struct unit_case cases[] = {
    { "lltconfig query", test_parse_query, NULL },
    { "wanted value", test_wanted, NULL },
    { "raise and restore", test_raise_restore, NULL },
    { "overlapping holders", test_overlap, NULL },
    { "stale value", test_stale, NULL },
    { "dead holder", test_dead_holder, NULL },
    { "zombie holder", test_zombie_holder, NULL },
    { "busy lock", test_busy_lock, NULL },
    { "llttab", test_llttab, NULL },
    { "LLT not installed", test_llt_missing, NULL },
    { "LLT down", test_llt_down, NULL },
    { "members", test_members, NULL },
    { "config check", test_config_check, NULL },
    { "llttab line in the middle, in place", test_llttab_in_place, &llttab_middle },
    { "llttab line last, no final newline", test_llttab_in_place, &llttab_last_no_newline },
    { "llttab without line, no final newline", test_llttab_in_place, &llttab_none_no_newline },
    { "llttab with two lines, the last one", test_llttab_in_place, &llttab_two_lines },
    { "guest member follows its migration", test_member_follow, NULL },
    { "corosync overlapping raise waits until in force (fake ring)",
      test_fake_overlap_confirm, NULL },
    { "corosync raise and restore (fake ring)", test_fake_raise_restore, NULL },
    { "corosync stale value (fake ring)", test_fake_stale, NULL },
    { "corosync dead holder (fake ring)", test_fake_dead_holder, NULL },
    { "corosync down (fake ring)", test_fake_ring_down, NULL },
    { "corosync raise refused (fake ring)", test_fake_refused, NULL },
    { "corosync hold pinned while the token is raised (fake ring)", test_fake_hold_pinned, NULL },
    { "corosync hold configured is left alone (fake ring)", test_fake_hold_configured, NULL },
    { "corosync hold pin recovered after a kill (fake ring)", test_fake_hold_recover, NULL },
};

int main(void)
{
    char path[300];

    if (mkdtemp(tmpdir) == NULL)
        return 99;
    snprintf(state_dir, sizeof(state_dir), "%s/run/vmguard", tmpdir);
    snprintf(llt_state, sizeof(llt_state), "%s/llt.state", tmpdir);
    snprintf(llt_down, sizeof(llt_down), "%s.down", llt_state);
    snprintf(llttab, sizeof(llttab), "%s/llttab", tmpdir);
    snprintf(wrapper, sizeof(wrapper), "%s/lltconfig", tmpdir);
    if (write_wrapper() < 0)
        return 99;
    setenv("VMGUARD_LLTCONFIG", wrapper, 1);
    setenv("VMGUARD_LLTTAB", llttab, 1);
    vmg_log_init("test", "peer-timeout");
    UNIT_RUN(cases);
    vmg_log_fini();
    reset_llt();
    unlink(wrapper);
    /* Every case restored: no state may be left behind. */
    snprintf(path, sizeof(path), "%s/peer-timeout.state", state_dir);
    CHECK(!exists(path));
    snprintf(path, sizeof(path), "%s/peer-timeout.lock", state_dir);
    unlink(path);
    rmdir(state_dir);
    snprintf(path, sizeof(path), "%s/run", tmpdir);
    rmdir(path);
    rmdir(tmpdir);
    return unit_done();
}
