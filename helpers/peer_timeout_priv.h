/* The peer-timeout guard's internals that its unit tests call as well (as
 * libvirt's vircommandpriv.h): this node's raise, release and recover, the
 * holders, the member words, and the table of operations per cluster,
 * which a test may replace to drive the guard without a cluster. */
#ifndef VMG_PEER_TIMEOUT_PRIV_H_ALLOW
#error "peer_timeout_priv.h is for the peer_timeout family and its unit tests only"
#endif
#ifndef VMG_PEER_TIMEOUT_PRIV_H
#define VMG_PEER_TIMEOUT_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "peer_timeout.h"

/* The clusters a request asks to guard. */
enum {
    VMG_PT_COROSYNC = 1,
    VMG_PT_LLT = 2,
};

#define VMG_PT_ID_MAX 160
#define VMG_PT_MEMBER_MAX 512

/* What one holder asks of this node. */
struct vmg_pt_request {
    unsigned clusters;              /* VMG_PT_* bits */
    unsigned long long pause_ms, margin_ms, max_ms;
    bool llt_required, llttab;
    /* Arm this node's keeper once the holder is recorded (the unit tests
     * drive the keeper in-process instead); guest_helper is for the
     * keeper's restores of guest members (NULL: the default). */
    bool keeper;
    const char *guest_helper;
};

/* One migration holding the raise: alive while its process (pid + start
 * time, against pid reuse) lives, or, for a raise requested by a peer
 * (pid 0), until its lease expires (CLOCK_BOOTTIME seconds). */
struct vmg_pt_holder {
    char id[VMG_PT_ID_MAX];
    long pid;
    unsigned long long start;
    unsigned long long expires;
};

/* Parses peer_timeout_clusters ("corosync,llt") into VMG_PT_* bits; -1
 * with *reason on an unknown name. */
int vmg_pt_parse_clusters(const char *text, unsigned *clusters, char **reason);

/* Fills holder for the calling process. */
int vmg_pt_holder_self(struct vmg_pt_holder *holder, const char *node, const char *resource,
                       char **reason);

/* Raises this node's timeouts for holder and records it (state first).
 * *summary (may be NULL) says what was done. */
int vmg_pt_local_raise(const char *state_dir, const struct vmg_pt_request *req,
                       const struct vmg_pt_holder *holder, char **summary, char **reason);

/* Drops holder; when no live holder remains, restores what was saved,
 * leaving any value that is no longer ours.  0 also when holder is unknown. */
int vmg_pt_local_release(const char *state_dir, const char *holder_id, char **reason);

/* Drops dead holders (restoring at their remote members first) and restores
 * when none is left.  llttab: also look for our marker in llttab. */
int vmg_pt_local_recover(const char *state_dir, bool llttab, char **reason);

/* The keeper (peer_timeout_keeper.c): a detached process per node that
 * restores what the state holds when its holders end, whether or not
 * anything of vmguard runs again.  vmg_pt_keeper_next() is its timing: what
 * is due in dir's state at now_ms (CLOCK_BOOTTIME ms), as VMG_PT_KEEP_*
 * bits (0: nothing yet), and in *sleep_ms how long it may sleep before it
 * looks again.  -1 with *reason when the state cannot be read. */
enum {
    VMG_PT_KEEP_EXIT = 1,           /* nothing left: the keeper ends */
    VMG_PT_KEEP_LOCAL = 2,          /* a holder ended: restore here */
    VMG_PT_KEEP_REMOTE = 4,         /* a dead holder's members to restore */
};
#define VMG_PT_KEEPER_POLL_MS 250   /* a dead process holder is seen within this */
int vmg_pt_keeper_next(const char *dir, unsigned long long now_ms, unsigned *sleep_ms,
                       char **reason);
/* The keeper's loop, in this process: returns when nothing is left (0), or
 * -1 with *reason when the state cannot be read or another keeper runs. */
int vmg_pt_keeper_run(const char *dir, bool llttab, const char *guest_helper, char **reason);

/* A guest member that is the domain being migrated: member + "|" +
 * target_uri (the transport's second try), or NULL when member is another
 * one or the URI cannot be recorded (a password, a separator, too long).
 * vmg_pt_member_moved(): after the migration, guest:DOM@TARGET|SOURCE; NULL
 * for a member without a second URI.  Caller frees. */
char *vmg_pt_member_follow(const char *member, const char *domain, const char *target_uri);
char *vmg_pt_member_moved(const char *member);

/* True when text contains only characters that mean the same to every shell
 * and cannot start an option. */
bool vmg_pt_safe_word(const char *text);

/* Splits a peer_timeout_members value into words and expands "cluster"
 * into "local" plus ssh:NODE for every other node of this host's cluster
 * (Corosync nodelist, else /etc/llthosts).  Checks every word.  The result
 * is NULL-terminated, without duplicates; caller frees with vmg_strv_free. */
int vmg_pt_members_expand(const char *text, char ***members, char **reason);

/* ------------------------------------------------------------------------
 * What is raised: one backend per kind of value, as libvirt's
 * vircgroupbackend.h has one per cgroup version.  The generic code
 * (peer_timeout_targets.c) plans, applies, checks and restores through
 * read/write/settle; a backend overrides a step only where its cluster
 * differs (LLT may be absent; llttab is a file that records its own
 * original).  Order: the state file's, and the order of restores. */
enum vmg_pt_kind {
    VMG_PT_T_COROSYNC,              /* totem.token, ms, through libcmap */
    VMG_PT_T_COROSYNC_HOLD,         /* totem.hold, ms, pinned while the token is raised */
    VMG_PT_T_LLT,                   /* LLT's peerinact at run time, 0.01 s */
    VMG_PT_T_LLTTAB,                /* the set-timer peerinact line of llttab */
    VMG_PT_T_COUNT,
};

/* A value as read: for Corosync the configured totem.token, or the
 * effective one when the key is absent (present false). */
struct vmg_pt_reading {
    bool present;
    unsigned long long value;
};

struct vmg_pt_state;

struct vmg_pt_backend {
    const char *name;               /* in the state file */
    const char *label;              /* in logs: "corosync totem.token" */
    const char *unit;               /* in logs: "ms", "x 0.01 s" */
    unsigned cluster;               /* the VMG_PT_* bit of a request that asks for it */
    unsigned ms_per_unit;           /* 1, or 10 for centiseconds */
    unsigned long long builtin;     /* in force when the value is absent (Corosync) */
    /* The value to set, in percent of pause + margin (0: 100).  Corosync's
     * is 125 (divided by 0.8): an idle ring holds the token for ~0.19 x
     * token (measured). */
    unsigned want_pct;
    /* A pin: a value the cluster derives from the one of kind pin_of when
     * it is not configured (Corosync's totem.hold from totem.token), which
     * the raise must not change.  Where pin_of is about to be written and
     * the pin is not configured, it is set to the value in force (written
     * before pin_of); it is removed once pin_of is restored, never while
     * pin_of stays raised.  A configured value is left alone. */
    bool pin;
    enum vmg_pt_kind pin_of;

    /* The value in force.  -1 with *reason, and *gone when the cluster does
     * not run here: at restore time the value we set went with it. */
    int (*read)(struct vmg_pt_reading *now, bool *gone, char **reason);
    /* Sets the value (present) or removes it (!present: the cluster's
     * built-in default); returns once set, not necessarily in force. */
    int (*write)(bool present, unsigned long long value, char **reason);
    /* Optional: waits until a value just written is in force (Corosync arms
     * it at the next token).  Called outside the state lock. */
    int (*settle)(unsigned long long value, char **reason);
    /* Optional: an overlapping raise found the value (set by another
     * holder, maybe a moment ago) high enough; waits, bounded, until the
     * value in force, read back, is at least want. */
    int (*confirm)(unsigned long long want, char **reason);
    /* Optional: `vmguard peer-timeout query` prints the live value. */
    void (*describe)(void);

    /* Optional overrides of the generic steps (peer_timeout_int.h): plan
     * the value (want: in the backend's unit), restore it, tell whether a
     * raise reached the cluster. */
    int (*plan)(enum vmg_pt_kind kind, struct vmg_pt_state *st, const struct vmg_pt_request *req,
                unsigned long long want, bool apply[VMG_PT_T_COUNT], char **summary,
                char **reason);
    int (*restore)(enum vmg_pt_kind kind, struct vmg_pt_state *st, char **reason);
    bool (*in_force)(enum vmg_pt_kind kind, struct vmg_pt_state *st);
    /* Optional: restores a raise that outlived the state (llttab after a
     * reboot); run by recover when peer_timeout_llttab asks for it. */
    int (*orphan)(char **reason);
};

/* The backend of kind in use. */
const struct vmg_pt_backend *vmg_pt_backend(enum vmg_pt_kind kind);
/* Replaces the backend of kind; NULL puts the real one back.  A test may
 * copy the real one and replace only its read and write. */
void vmg_pt_backend_override(enum vmg_pt_kind kind, const struct vmg_pt_backend *backend);

/* Value to set in ms for the target of kind: pause + margin, times its
 * backend's want_pct, capped at max_ms. */
unsigned long long vmg_pt_wanted_ms(const struct vmg_pt_request *req, enum vmg_pt_kind kind);

#endif
