/* Running a fixed program elsewhere: on a host over ssh, or inside a guest
 * through its QEMU guest agent.  Written once for every user: the
 * peer-timeout guard (`vmguard peer-timeout` on the other members) and the
 * application commands of an HA pair (app_role.c).
 *
 * Neither transport has a shell of ours in between:
 *   ssh     ssh -o BatchMode=yes -o ConnectTimeout=5 -T -- HOST ARGV...; ssh
 *           joins the words for the remote shell, so every word must be made
 *           of characters that mean themselves to any shell
 *           (vmg_rexec_shell_literal), the host and the program must not
 *           start with '-';
 *   guest   guest-exec {path, arg[], capture-output} through
 *           virDomainQemuAgentCommand (in the cluster plugin, cluster.h:
 *           loaded only when a guest command runs), then guest-exec-status
 *           polled until it
 *           exited: the agent execs the argv as given (no shell), so any
 *           characters are fine. */
#ifndef VMG_REMOTE_EXEC_H
#define VMG_REMOTE_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include <libvirt/libvirt.h>

#include "spawn.h"

/* Longest word, and most words, that a command may have. */
#define VMG_REXEC_WORD_MAX 512
#define VMG_REXEC_ARGS_MAX 32

/* Characters that mean themselves to any shell (non-empty, bounded). */
bool vmg_rexec_shell_literal(const char *text);
/* A shell literal that no program takes for an option. */
bool vmg_rexec_safe_word(const char *text);

/* Starts `ssh ... -- host argv...` (argv NULL-terminated, argv[0] the remote
 * program); wait for it with vmg_spawn_wait().  -1 with *reason when a word
 * is unsafe or ssh could not be started.  $VMGUARD_SSH (absolute) replaces
 * ssh for the test suite. */
int vmg_rexec_ssh_start(struct vmg_spawn *child, const char *host, const char *const argv[],
                        char **reason);

/* One run of a command, as both transports report it. */
struct vmg_rexec_result {
    int status;         /* exit code; 255 from ssh: could not connect */
    char *output;       /* stdout then stderr, NUL-terminated (caller frees) */
};

/* Runs argv on host over ssh until deadline_ms (vmg_now_ms()).  0 when the
 * command exited (whatever its code, in *res), -1 with *reason when it could
 * not run or did not finish in time (then it was killed). */
int vmg_rexec_ssh(const char *host, const char *const argv[], long long deadline_ms,
                  struct vmg_rexec_result *res, char **reason);

/* Runs argv inside dom through its guest agent, same contract.  A command
 * still running at the deadline is left to the guest (the agent has no
 * kill); its pid is in the reason. */
int vmg_rexec_guest(virDomainPtr dom, const char *const argv[], long long deadline_ms,
                    struct vmg_rexec_result *res, char **reason);

void vmg_rexec_result_clear(struct vmg_rexec_result *res);

#endif
