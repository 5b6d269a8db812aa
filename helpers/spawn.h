/* Small tools of the peer-timeout guard: running a fixed program, writing a file atomically.
 *
 * Programs run never through a shell: execve() with the argv the caller
 * built, a minimal environment, stdin from /dev/null and every other
 * descriptor closed, so a parameter value can never become a command and no
 * secret of ours leaks into the child. */
#ifndef VMG_SPAWN_H
#define VMG_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/* Output kept from a child: enough for every answer we parse, bounded so a
 * runaway child cannot make us allocate without limit. */
#define VMG_SPAWN_OUTPUT_MAX 65536

struct vmg_spawn {
    pid_t pid;
    int fd;             /* read end of the child's stdout+stderr */
    char *output;       /* NUL-terminated, filled by vmg_spawn_wait */
    size_t len;
    int status;         /* exit code, or 128 + signal */
};

/* Starts argv[0] (absolute path) with argv.  -1 with *reason when it could
 * not even be started. */
int vmg_spawn_start(struct vmg_spawn *child, const char *const argv[], char **reason);

/* The same with the environment envp: for the administrator's own programs
 * (monitor_scripts), which get the resource's environment as under
 * VirtualDomain; never for a program of ours. */
int vmg_spawn_start_env(struct vmg_spawn *child, const char *const argv[], char *const envp[],
                        char **reason);

/* Collects output until the child exits or deadline_ms (vmg_now_ms())
 * passes; then kills it.  0 when it exited (look at
 * child->status), -1 with *reason when it had to be killed. */
int vmg_spawn_wait(struct vmg_spawn *child, long long deadline_ms, char **reason);

/* start + wait; 0 only when the program exited 0, else -1 with *reason that
 * quotes the last line of its output. */
int vmg_spawn_run(const char *const argv[], unsigned timeout_ms, char **output, char **reason);

void vmg_spawn_clear(struct vmg_spawn *child);

/* Replaces path with data: temporary file in the same directory, fsync,
 * rename, fsync of the directory, so a crash leaves the old or the new
 * content, never a mix.  The file gets mode. */
int vmg_write_atomic(const char *path, const char *data, size_t len, mode_t mode, char **reason);

/* Reads a whole small file (at most max bytes) into *data (caller frees);
 * 0 with *data NULL when it does not exist, -1 with *reason. */
int vmg_read_small_file(const char *path, size_t max, char **data, char **reason);

/* The last non-empty line of text (into buf), for error messages. */
const char *vmg_spawn_last_line(const char *text, char *buf, size_t size);

#endif
