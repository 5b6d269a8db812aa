/* Reaching the members of a guarded cluster other than this node.
 *
 * Every member runs the same thing: `vmguard peer-timeout raise|restore ...`
 * on itself, so each keeps its own state and recovers on its own.  The
 * transports only carry that command:
 *   ssh:HOST           host-cluster peer: ssh -o BatchMode=yes, fixed argv,
 *                      every argument checked against a safe alphabet because
 *                      ssh hands the joined words to the remote shell;
 *   guest:DOM[@URI]    guest-cluster member: QEMU guest agent guest-exec via
 *                      libvirt (virDomainQemuAgentCommand), no shell either. */
#ifndef VMG_PEER_TIMEOUT_REMOTE_H
#define VMG_PEER_TIMEOUT_REMOTE_H

#include <stddef.h>

#include "spawn.h"

#ifndef VMG_SSH
#define VMG_SSH "/usr/bin/ssh"
#endif

#define VMG_PT_MEMBER_MAX 512

struct vmg_pt_call {
    const char *member;         /* "ssh:HOST" or "guest:DOM[@URI]" (not owned) */
    int rc;                     /* 0: the command exited 0 */
    char *output;               /* what it printed (last lines are the answer) */
    char *reason;               /* why rc != 0 */
    struct vmg_spawn child;     /* ssh only */
};

/* True when text contains only characters that mean the same to every shell
 * and cannot start an option. */
bool vmg_pt_safe_word(const char *text);

/* Splits a peer_timeout_members value into words and expands "cluster"
 * into "local" plus ssh:NODE for every other node of this host's cluster
 * (Corosync nodelist, else /etc/llthosts).  Checks every word.  The result
 * is NULL-terminated, without duplicates; caller frees with vmg_strv_free. */
int vmg_pt_members_expand(const char *text, char ***members, char **reason);

/* Runs `HELPER peer-timeout ARGS` on each member, ssh members in parallel,
 * all within timeout_ms; fills calls[i] (caller: vmg_pt_calls_clear).
 * guest_helper: the path of vmguard inside guests. */
void vmg_pt_call_all(struct vmg_pt_call *calls, size_t n, const char *const args[],
                     const char *guest_helper, unsigned timeout_ms);

void vmg_pt_calls_clear(struct vmg_pt_call *calls, size_t n);

#endif
