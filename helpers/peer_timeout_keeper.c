/* Peer-timeout guard: the keeper, the process that makes a raise end on
 * its own.
 *
 * A raise on a member used to be restored only by a later vmguard action on
 * that member; members of a guest cluster and quorum-only nodes never run
 * one, so a dead caller could leave totem.token at peer_timeout_max until
 * Corosync restarted.  Now every raise arms a keeper for its node's state
 * directory: one detached process (double fork, setsid, descriptors closed,
 * an exec of this same helper as `vmguard peer-timeout keep`, so it outlives
 * a SIGKILL of the raise and of Pacemaker's action) that re-reads the state
 * file every VMG_PT_KEEPER_POLL_MS, sleeps exactly until the next lease end,
 * and restores through the same locked steps as everybody else
 * (vmg_pt_recover_local/remotes), so it is idempotent with the normal
 * restore: whoever comes first puts the value back, the other finds nothing.
 *
 * One keeper per directory: it holds the flock of peer-timeout.keeper for
 * its whole life; a second one started meanwhile finds it taken and ends.
 * It ends when the state is empty, deciding that under the state lock and
 * dropping its own lock before the state lock, so a raise that records a
 * holder after that decision always finds the keeper lock free and starts a
 * new keeper.  Any action (monitor, start, stop) re-arms it from the state
 * file, after a reboot or a kill of the keeper.
 *
 * Remote members of a dead holder are restored by a child of the keeper,
 * all in parallel and each bounded, so a member that does not answer never
 * delays a local lease end. */
#include <build-config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "peer_timeout_int.h"
#include "util.h"

#define KEEPER_LOCK "peer-timeout.keeper"
/* A restore that failed (LLT answering nothing, a full disk) is retried at
 * this pace rather than in a tight loop; remote members, whose restore can
 * take a connect timeout, less often. */
#define LOCAL_RETRY_MS 1000
#define REMOTE_RETRY_MS 5000
#define AFTER_RESTORE_MS 20

/* What the keeper passes on of its caller's environment: the test suite's
 * stand-ins and where to log.  No OCF_RESKEY_* value, no credential. */
static const char *const passed_env[] = {
    "VMGUARD_SSH", "VMGUARD_LLTCONFIG", "VMGUARD_LLTTAB", "VMGUARD_LLTHOSTS",
    "HA_LOGFILE", "HA_LOGFACILITY", "HA_debug",
};

/* ------------------------------------------------------------- timing */

static unsigned sooner(unsigned sleep_ms, unsigned long long now_ms, unsigned long long end_s)
{
    unsigned long long end_ms = end_s * 1000;

    return end_ms > now_ms && end_ms - now_ms < sleep_ms ? (unsigned)(end_ms - now_ms)
                                                         : sleep_ms;
}

static bool holder_live_at(const struct vmg_pt_holder *h, unsigned long long now_ms)
{
    return h->pid > 0 ? vmg_pt_holder_alive(h) : h->expires * 1000 > now_ms;
}

static bool remote_pending(const struct vmg_pt_state *st, size_t r, unsigned long long now_ms)
{
    size_t j;

    if (st->r[r].expires * 1000 <= now_ms)
        return false;
    for (j = 0; j < st->nh; j++)
        if (strcmp(st->h[j].id, st->r[r].holder) == 0 && holder_live_at(&st->h[j], now_ms))
            return false;
    return true;
}

static unsigned decide(const struct vmg_pt_state *st, unsigned long long now_ms,
                       unsigned *sleep_ms)
{
    unsigned due = 0;
    bool live = false, active = false;
    size_t i;
    int k;

    *sleep_ms = VMG_PT_KEEPER_POLL_MS;
    for (k = 0; k < VMG_PT_T_COUNT; k++)
        active |= st->t[k].active;
    if (!active && st->nh == 0 && st->nr == 0)
        return VMG_PT_KEEP_EXIT;
    for (i = 0; i < st->nh; i++) {
        const struct vmg_pt_holder *h = &st->h[i];

        if (holder_live_at(h, now_ms)) {
            live = true;
            if (h->pid <= 0)
                *sleep_ms = sooner(*sleep_ms, now_ms, h->expires);
        } else if (!vmg_pt_has_remotes(st, h->id)) {
            due |= VMG_PT_KEEP_LOCAL;           /* to be dropped */
        }
    }
    for (i = 0; i < st->nr; i++) {
        if (st->r[i].expires * 1000 <= now_ms)
            due |= VMG_PT_KEEP_LOCAL;           /* expired: to be dropped */
        else if (remote_pending(st, i, now_ms))
            due |= VMG_PT_KEEP_REMOTE;
        else
            *sleep_ms = sooner(*sleep_ms, now_ms, st->r[i].expires);
    }
    if (active && !live)
        due |= VMG_PT_KEEP_LOCAL;
    return due;
}

int vmg_pt_keeper_next(const char *dir, unsigned long long now_ms, unsigned *sleep_ms,
                       char **reason)
{
    VMG_AUTOFREE(struct vmg_pt_state *) st = NULL;

    *sleep_ms = VMG_PT_KEEPER_POLL_MS;
    if ((st = calloc(1, sizeof(*st))) == NULL)
        return vmg_error_set(reason, "out of memory");
    /* Without the lock: the file is replaced atomically, and every step
     * taken on what is read here re-reads it under the lock. */
    if (vmg_pt_state_load(dir, st, reason) < 0)
        return -1;
    return (int)decide(st, now_ms, sleep_ms);
}

/* ------------------------------------------------------------ the loop */

static char *path_in(const char *dir, const char *name)
{
    char *path;

    return asprintf(&path, "%s/%s", dir, name) < 0 ? NULL : path;
}

/* The keeper lock, taken without waiting: -1 when another keeper has it. */
static int keeper_lock(const char *dir, int *fd, bool *busy, char **reason)
{
    VMG_AUTOFREE(char *) path = NULL;
    VMG_AUTOCLOSE int lock = -1;

    *busy = false;
    if ((path = path_in(dir, KEEPER_LOCK)) == NULL)
        return vmg_error_set(reason, "out of memory");
    if ((lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
        return vmg_error_set(reason, "cannot open %s: %s", path, strerror(errno));
    if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
        *busy = errno == EWOULDBLOCK;
        return vmg_error_set(reason, "%s: %s", path,
                             *busy ? "another keeper runs" : strerror(errno));
    }
    *fd = vmg_steal_fd(&lock);
    return 0;
}

/* Ends the keeper if the state is empty: decided under the state lock, and
 * the keeper lock dropped before the state lock (see the top). */
static bool try_exit(const char *dir, int *keeper_fd)
{
    VMG_AUTOFREE(struct vmg_pt_state *) st = NULL;
    VMG_AUTOFREE(char *) why = NULL;
    VMG_AUTOCLOSE int fd = -1;
    unsigned sleep_ms;

    if ((st = calloc(1, sizeof(*st))) == NULL ||
        vmg_pt_lock(dir, &fd, VMG_PT_RECOVER_LOCK_WAIT_MS, NULL, &why) < 0 ||
        vmg_pt_state_load(dir, st, &why) < 0 ||
        decide(st, vmg_pt_boot_ms(), &sleep_ms) != VMG_PT_KEEP_EXIT)
        return false;
    vmg_close(keeper_fd);
    return true;
}

/* The dead holders' remote members, in a child: no local lease end waits
 * for a connect timeout.  The keeper is single-threaded (a fresh exec that
 * has opened no library connection), so the fork is safe. */
static pid_t start_remote_child(const char *dir, const char *guest_helper)
{
    pid_t pid = fork();

    if (pid == 0) {
        VMG_AUTOFREE(char *) why = NULL;

        if (vmg_pt_recover_remotes(dir, guest_helper, &why) < 0)
            qb_log(LOG_ERR, "keeper: remote restores incomplete: %s", why);
        _exit(0);
    }
    if (pid < 0)
        qb_log(LOG_ERR, "keeper: cannot fork for the remote restores: %s", strerror(errno));
    return pid;
}

struct keeper {
    const char *dir, *guest_helper;
    pid_t child;                    /* the remote restores running, or -1 */
    long long local_retry_at, remote_retry_at;  /* vmg_now_ms() */
};

static void keeper_step(struct keeper *k, unsigned due)
{
    VMG_AUTOFREE(char *) why = NULL;
    long long now = vmg_now_ms();

    if (k->child > 0 && waitpid(k->child, NULL, WNOHANG) == k->child) {
        k->child = -1;
        k->remote_retry_at = now + REMOTE_RETRY_MS;
    }
    if ((due & VMG_PT_KEEP_LOCAL) && now >= k->local_retry_at &&
        vmg_pt_recover_local(k->dir, &why) < 0) {
        qb_log(LOG_ERR, "keeper: restore incomplete: %s (retrying in %d ms)", why,
               LOCAL_RETRY_MS);
        k->local_retry_at = now + LOCAL_RETRY_MS;
    }
    if ((due & VMG_PT_KEEP_REMOTE) && k->child <= 0 && now >= k->remote_retry_at)
        k->child = start_remote_child(k->dir, k->guest_helper);
}

int vmg_pt_keeper_run(const char *dir, bool llttab, const char *guest_helper, char **reason)
{
    struct keeper k = { dir, guest_helper ? guest_helper : VMG_PT_DEFAULT_GUEST_HELPER,
                        -1, 0, 0 };
    VMG_AUTOCLOSE int lock = -1, probe = -1;
    bool busy;
    int due;

    /* The directory's checks (ours, not group-writable) come with its lock. */
    if (vmg_pt_lock(dir, &probe, VMG_PT_RECOVER_LOCK_WAIT_MS, NULL, reason) < 0)
        return -1;
    vmg_close(&probe);
    if (keeper_lock(dir, &lock, &busy, reason) < 0)
        return -1;
    qb_log(LOG_INFO, "keeper of %s started", dir);
    for (;;) {
        unsigned sleep_ms;

        due = vmg_pt_keeper_next(dir, vmg_pt_boot_ms(), &sleep_ms, reason);
        if (due < 0)
            break;
        if (due == VMG_PT_KEEP_EXIT && k.child <= 0 && try_exit(dir, &lock))
            break;
        keeper_step(&k, (unsigned)due);
        /* After a restore, look again soon: the next lease may be due. */
        vmg_sleep_ms((due & VMG_PT_KEEP_LOCAL) && vmg_now_ms() >= k.local_retry_at
                     ? AFTER_RESTORE_MS : sleep_ms);
    }
    if (k.child > 0)
        waitpid(k.child, NULL, 0);
    if (due < 0) {
        qb_log(LOG_ERR, "keeper of %s stops: %s", dir, *reason);
        return -1;
    }
    if (llttab && vmg_pt_restore_orphans(reason) < 0)
        return -1;
    qb_log(LOG_INFO, "keeper of %s ends: nothing is raised any more", dir);
    return 0;
}

/* ------------------------------------------------------------- arming */

/* Runs in the children: only async-signal-safe calls until execve. */
static void detached_exec(const char *const argv[], char *const envp[])
{
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    sigset_t none;
    int null_fd;
    pid_t pid;

    if (setsid() < 0)
        _exit(1);
    pid = fork();
    if (pid != 0)
        _exit(pid < 0 ? 1 : 0);
    null_fd = open("/dev/null", O_RDWR);
    if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(null_fd, STDOUT_FILENO) < 0 ||
        dup2(null_fd, STDERR_FILENO) < 0 || chdir("/") < 0)
        _exit(126);
    close_range(3, ~0U, 0);
    /* The guard blocks SIGTERM while it holds; Pacemaker may ignore some. */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    sigaction(SIGTERM, &dfl, NULL);
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGHUP, &dfl, NULL);
    sigaction(SIGPIPE, &dfl, NULL);
    execve(argv[0], (char *const *)argv, envp);
    _exit(127);
}

static int build_env(char **envp, size_t size, char **reason)
{
    size_t i, n = 0;

    envp[n++] = strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
    envp[n++] = strdup("LC_ALL=C");
    envp[n++] = strdup("OCF_RESOURCE_INSTANCE=peer-timeout-keeper");
    for (i = 0; i < sizeof(passed_env) / sizeof(passed_env[0]) && n + 1 < size; i++) {
        const char *value = getenv(passed_env[i]);

        if (value && *value && asprintf(&envp[n], "%s=%s", passed_env[i], value) >= 0)
            n++;
    }
    envp[n] = NULL;
    for (i = 0; i < n; i++)
        if (envp[i] == NULL)
            return vmg_error_set(reason, "out of memory");
    return 0;
}

static int spawn_keeper(const char *dir, bool llttab, const char *guest_helper,
                        char **reason)
{
    char self[PATH_MAX], *envp[16] = { NULL };
    const char *argv[10];
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    size_t a = 0;
    int status = 0, rc;
    pid_t pid;

    if (len <= 0)
        return vmg_error_set(reason, "cannot find the helper's own path: %s", strerror(errno));
    self[len] = '\0';
    argv[a++] = self;
    argv[a++] = "peer-timeout";
    argv[a++] = "keep";
    argv[a++] = "--state-dir";
    argv[a++] = dir;
    argv[a++] = "--guest-helper";
    argv[a++] = guest_helper ? guest_helper : VMG_PT_DEFAULT_GUEST_HELPER;
    if (llttab)
        argv[a++] = "--llttab";
    argv[a] = NULL;
    if ((rc = build_env(envp, sizeof(envp) / sizeof(envp[0]), reason)) == 0) {
        pid = fork();
        if (pid == 0)
            detached_exec(argv, envp);
        if (pid < 0)
            rc = vmg_error_set(reason, "cannot fork the keeper: %s", strerror(errno));
        else if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
                 WEXITSTATUS(status) != 0)
            rc = vmg_error_set(reason, "the keeper did not start (status %d)", status);
    }
    for (a = 0; envp[a]; a++)
        free(envp[a]);
    return rc;
}

int vmg_pt_keeper_arm(const char *dir, bool llttab, const char *guest_helper, char **reason)
{
    VMG_AUTOCLOSE int fd = -1;
    bool busy = false;

    if (keeper_lock(dir, &fd, &busy, reason) < 0) {
        if (!busy)
            return -1;
        if (reason) {
            free(*reason);
            *reason = NULL;
        }
        return 0;                           /* one runs: it re-reads the state */
    }
    vmg_close(&fd);
    return spawn_keeper(dir, llttab, guest_helper, reason);
}
