/* fork + execve of a fixed argv, output captured, bounded in time. */
#include <build-config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "util.h"

/* What a cluster tool needs and nothing of the caller's (Pacemaker's or a
 * test's) environment: no OCF_RESKEY_* values, no credentials. */
static char *const minimal_env[] = {
    "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
    "LC_ALL=C",
    NULL,
};

/* Runs in the child: only async-signal-safe calls until execve. */
static void child_exec(const char *const argv[], char *const envp[], int out_fd)
{
    int null_fd = open("/dev/null", O_RDONLY);

    if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
        dup2(out_fd, STDOUT_FILENO) < 0 || dup2(out_fd, STDERR_FILENO) < 0)
        _exit(126);
    /* Do not hand our libvirt/cmap/lock descriptors to the program. */
    close_range(3, ~0U, 0);
    execve(argv[0], (char *const *)argv, envp);
    _exit(127);
}

int vmg_spawn_start(struct vmg_spawn *child, const char *const argv[], char **reason)
{
    return vmg_spawn_start_env(child, argv, minimal_env, reason);
}

int vmg_spawn_start_env(struct vmg_spawn *child, const char *const argv[], char *const envp[],
                        char **reason)
{
    int fds[2];

    memset(child, 0, sizeof(*child));
    child->pid = -1;
    child->fd = -1;
    if (argv[0] == NULL || argv[0][0] != '/')
        return vmg_error_set(reason, "refusing to run '%s': not an absolute path",
                          argv[0] ? argv[0] : "(null)");
    if (access(argv[0], X_OK) != 0)
        return vmg_error_set(reason, "cannot run %s: %s", argv[0], strerror(errno));
    if (pipe2(fds, O_CLOEXEC) < 0)
        return vmg_error_set(reason, "cannot create a pipe for %s: %s", argv[0], strerror(errno));

    child->pid = fork();
    if (child->pid < 0) {
        int err = errno;

        close(fds[0]);
        close(fds[1]);
        return vmg_error_set(reason, "cannot fork to run %s: %s", argv[0], strerror(err));
    }
    if (child->pid == 0)
        child_exec(argv, envp, fds[1]);
    close(fds[1]);
    child->fd = fds[0];
    return 0;
}

static void append_output(struct vmg_spawn *child, const char *buf, size_t n)
{
    size_t room = VMG_SPAWN_OUTPUT_MAX - child->len;

    if (child->output == NULL) {
        child->output = calloc(1, VMG_SPAWN_OUTPUT_MAX + 1);
        if (child->output == NULL)
            return;
    }
    if (n > room)
        n = room;
    memcpy(child->output + child->len, buf, n);
    child->len += n;
    child->output[child->len] = '\0';
}

/* Reads until EOF or the deadline; true on EOF. */
static bool drain(struct vmg_spawn *child, long long deadline_ms)
{
    char buf[4096];

    for (;;) {
        long long now = vmg_now_ms();
        struct pollfd pfd = { .fd = child->fd, .events = POLLIN };
        ssize_t n;
        int rc;

        if (now >= deadline_ms)
            return false;
        rc = poll(&pfd, 1, (int)(deadline_ms - now > 1000 ? 1000 : deadline_ms - now));
        if (rc < 0 && errno != EINTR)
            return false;
        if (rc <= 0)
            continue;
        n = read(child->fd, buf, sizeof(buf));
        if (n == 0)
            return true;
        if (n < 0 && errno != EINTR && errno != EAGAIN)
            return true;
        if (n > 0)
            append_output(child, buf, (size_t)n);
    }
}

/* The child closed its output (or was killed): reap it, waiting a little for
 * a program that closed stdout but still runs. */
static int reap(struct vmg_spawn *child, long long deadline_ms)
{
    int status;

    for (;;) {
        pid_t rc = waitpid(child->pid, &status, WNOHANG);

        if (rc == child->pid)
            break;
        if (rc < 0 && errno != EINTR)
            return -1;
        if (vmg_now_ms() >= deadline_ms) {
            kill(child->pid, SIGKILL);
            while (waitpid(child->pid, &status, 0) < 0 && errno == EINTR)
                ;
            child->pid = -1;
            return -1;
        }
        usleep(10000);
    }
    child->pid = -1;
    child->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return 0;
}

int vmg_spawn_wait(struct vmg_spawn *child, long long deadline_ms, char **reason)
{
    bool eof;
    int rc;

    if (child->pid < 0)
        return vmg_error_set(reason, "no child to wait for");
    eof = drain(child, deadline_ms);
    close(child->fd);
    child->fd = -1;
    if (!eof)
        kill(child->pid, SIGKILL);
    rc = reap(child, eof ? deadline_ms + 1000 : vmg_now_ms() + 5000);
    if (child->output == NULL)
        append_output(child, "", 0);
    if (!eof || rc < 0)
        return vmg_error_set(reason, "it did not finish in time and was killed");
    return 0;
}

void vmg_spawn_clear(struct vmg_spawn *child)
{
    if (child->fd >= 0)
        close(child->fd);
    if (child->pid > 0) {
        kill(child->pid, SIGKILL);
        while (waitpid(child->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    free(child->output);
    memset(child, 0, sizeof(*child));
    child->pid = -1;
    child->fd = -1;
}

const char *vmg_spawn_last_line(const char *text, char *buf, size_t size)
{
    const char *end, *start;
    size_t len;

    if (size == 0)
        return "";
    if (text == NULL)
        text = "";
    end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
        end--;
    start = end;
    while (start > text && start[-1] != '\n')
        start--;
    len = end > start ? (size_t)(end - start) : 0;
    snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), start);
    if (len == 0)
        snprintf(buf, size, "no output");
    return buf;
}

int vmg_spawn_run(const char *const argv[], unsigned timeout_ms, char **output, char **reason)
{
    struct vmg_spawn child;
    char last[256];
    int rc = -1;

    if (output)
        *output = NULL;
    if (vmg_spawn_start(&child, argv, reason) < 0)
        return -1;
    if (vmg_spawn_wait(&child, vmg_now_ms() + timeout_ms, reason) < 0)
        vmg_error_set(reason, "%s: %s", argv[0], *reason);
    else if (child.status != 0)
        vmg_error_set(reason, "%s exited with %d: %s", argv[0], child.status,
                      vmg_spawn_last_line(child.output, last, sizeof(last)));
    else
        rc = 0;
    if (rc == 0 && output)
        *output = vmg_steal(&child.output);
    vmg_spawn_clear(&child);
    return rc;
}

/* The directory to fsync after a rename into it. */
static char *directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* A temporary file's path: the file goes with it at the end of the scope,
 * unless the path was stolen (vmg_steal) once the file was renamed. */
static void unlink_freep(char **path)
{
    if (*path) {
        unlink(*path);
        free(*path);
    }
}

int vmg_write_atomic(const char *path, const char *data, size_t len, mode_t mode, char **reason)
{
    VMG_SCOPED(unlink_freep) char *tmp = NULL;
    VMG_AUTOFREE(char *) dir = NULL;
    VMG_AUTOCLOSE int fd = -1, dir_fd = -1;
    size_t done = 0;

    if (asprintf(&tmp, "%s.vmguard-tmp.%ld", path, (long)getpid()) < 0) {
        tmp = NULL;
        return vmg_error_set(reason, "out of memory writing %s", path);
    }
    if ((dir = directory_of(path)) == NULL)
        return vmg_error_set(reason, "out of memory writing %s", path);

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return vmg_error_set(reason, "cannot create %s: %s", tmp, strerror(errno));
    /* O_CREAT honours the umask; the mode is part of the contract. */
    if (fchmod(fd, mode) < 0)
        return vmg_error_set(reason, "cannot set the mode of %s: %s", tmp, strerror(errno));
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return vmg_error_set(reason, "cannot write %s: %s", tmp, strerror(errno));
        done += (size_t)n;
    }
    if (fsync(fd) < 0 || close(vmg_steal_fd(&fd)) < 0)
        return vmg_error_set(reason, "cannot flush %s to disk: %s", tmp, strerror(errno));
    if (rename(tmp, path) < 0)
        return vmg_error_set(reason, "cannot rename the new file over %s: %s", path,
                             strerror(errno));
    free(vmg_steal(&tmp));
    /* The rename itself must reach the disk too. */
    dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0 || fsync(dir_fd) < 0)
        return vmg_error_set(reason, "cannot flush directory %s: %s", dir, strerror(errno));
    return 0;
}

int vmg_read_small_file(const char *path, size_t max, char **data, char **reason)
{
    VMG_AUTOCLOSE int fd = -1;
    VMG_AUTOFREE(char *) buf = NULL;
    size_t len = 0;

    *data = NULL;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return errno == ENOENT ? 0 : vmg_error_set(reason, "cannot open %s: %s", path,
                                                   strerror(errno));
    if ((buf = malloc(max + 1)) == NULL)
        return vmg_error_set(reason, "out of memory reading %s", path);
    for (;;) {
        ssize_t n = read(fd, buf + len, max + 1 - len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return vmg_error_set(reason, "cannot read %s: %s", path, strerror(errno));
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max)
            return vmg_error_set(reason, "%s is larger than expected: refusing to use it", path);
    }
    buf[len] = '\0';
    *data = vmg_steal(&buf);
    return 0;
}
