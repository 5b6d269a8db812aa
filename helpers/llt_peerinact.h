/* Veritas LLT's peer inactivity timeout (peerinact), in 0.01 s units.
 *
 * Runtime value: `lltconfig -T peerinact:N`, read back with
 * `lltconfig -T query`, both run with execve() and a fixed argv.
 * Persistent value (only when the user asks): a `set-timer peerinact:N` line
 * in /etc/llttab, preceded by a marker comment that records the line we
 * replaced, so a restore needs no other state and survives a reboot.
 *
 * Paths: VMG_LLTCONFIG and VMG_LLTTAB (set by the build); the test suite
 * overrides them with VMGUARD_LLTCONFIG and VMGUARD_LLTTAB. */
#ifndef VMG_LLT_PEERINACT_H
#define VMG_LLT_PEERINACT_H

#include <stdbool.h>

#ifndef VMG_LLTCONFIG
#define VMG_LLTCONFIG "/sbin/lltconfig"
#endif
#ifndef VMG_LLTTAB
#define VMG_LLTTAB "/etc/llttab"
#endif
#define VMG_LLTHOSTS "/etc/llthosts"

/* Our marker line, before our set-timer line, which takes the place of the
 * set-timer peerinact line LLT went by (the last one), recorded verbatim:
 *   # vmguard: raised peerinact:2500 for a live migration; was: peerinact:1600; line: ORIGINAL
 * ("was: none" when there was no line: both are appended, and " (no final
 * newline)" says the file ended without one).  A restore puts ORIGINAL back
 * in place byte for byte. */
#define VMG_LLTTAB_MARKER "# vmguard: raised peerinact:"

const char *vmg_llt_lltconfig_path(void);
const char *vmg_llt_llttab_path(void);
/* The cluster's nodes, "ID NAME" per line (VMGUARD_LLTHOSTS in tests). */
const char *vmg_llt_llthosts_path(void);

/* True when lltconfig is installed (executable). */
bool vmg_llt_available(void);

/* Current runtime peerinact from `lltconfig -T query`. */
int vmg_llt_peerinact_get(unsigned *centisec, char **reason);

/* `lltconfig -T peerinact:N`, then query: -1 unless LLT reports N. */
int vmg_llt_peerinact_set(unsigned centisec, char **reason);

struct vmg_llttab {
    bool present;           /* a set-timer peerinact line is there */
    unsigned centisec;      /* its value (the last one wins, as in LLT) */
    bool marked;            /* our marker is there: we raised it */
    unsigned raised;        /* from the marker: what we wrote */
    bool was_present;       /* from the marker: what we replaced */
    unsigned was_centisec;
};

/* A missing file reads as no line. */
int vmg_llttab_read(const char *path, struct vmg_llttab *tab, char **reason);

/* Writes `set-timer peerinact:N` (atomically).  The first raise records the
 * line it replaces in the marker; later raises keep that original. */
int vmg_llttab_raise(const char *path, unsigned centisec, char **reason);

/* Puts back what the marker recorded and removes the marker.  When the line
 * no longer holds what we wrote (the administrator changed it), leaves the
 * line, removes only the marker, sets *stale and returns 0.  Needs no other
 * state, so it also cleans up after a reboot. */
int vmg_llttab_restore(const char *path, bool *stale, char **reason);

#endif
