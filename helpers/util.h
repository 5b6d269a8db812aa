/* Small tools every part of the helper uses, written once: the error
 * contract, scoped cleanup, monotonic time and NULL-terminated string lists.
 * libc only, so any module may include it.
 *
 * The error contract.  OCF exit codes are decided by the action layer only
 * (see ocf.h).  Below it, a function that can fail returns 0 on success and
 * -1 on failure, and then has set *reason (caller frees) to one sentence
 * saying what failed: never NULL, so no caller needs a fallback text.
 * vmg_error_set() is the one way to set it.  Where a function has more
 * outcomes than success and failure (a file that is missing rather than
 * invalid, corosync not running at all), the outcome goes to an
 * out-parameter or a documented enum; failure itself follows the contract.
 * A function that cannot fail returns void, or its value; a parser of a
 * few characters that can only say "not valid" (vmg_uuid_canonical,
 * vmg_llt_parse_query) returns -1 alone and its caller, which knows what
 * it was reading, writes the sentence.  The caller initialises the reason
 * to NULL and frees it, also after a success that left it NULL. */
#ifndef VMG_UTIL_H
#define VMG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

/* Formats the reason, frees the earlier *reason and stores the new one;
 * returns -1.  The arguments may use *reason itself ("cannot read X: %s",
 * *reason): it is formatted before it is freed.  Out of memory the reason
 * is "out of memory"; if even that cannot be copied the helper aborts, as
 * GLib does: nothing sensible is left to report. */
int vmg_error_set(char **reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Scoped cleanup, libvirt's g_autofree/g_autoptr in plain C (GCC and clang's
 * cleanup attribute): the variable is released when it goes out of scope,
 * so a function needs no label just to free.  Initialise it (NULL, -1);
 * hand ownership on by copying and setting it to NULL (vmg_steal).
 *   VMG_AUTOFREE(char *) text = NULL;
 *   VMG_AUTOPTR(virDomainPtr) dom = NULL;     (types declared in virt.h)
 *   VMG_AUTOCLOSE int fd = -1;
 * The analyzers of tests/static-analysis.sh (clang-tidy 14, cppcheck 2.10)
 * ignore the cleanup attribute and report each such pointer as a leak at
 * every return (measured on a six-line sample).  What they analyse instead
 * is static storage, which never leaks; so a scoped variable is always
 * initialised with a constant (NULL, -1) and assigned after, or the
 * analysis does not compile. */
#if defined(__clang_analyzer__) || defined(__CPPCHECK__)
#define VMG_SCOPED(release) static
#else
#define VMG_SCOPED(release) __attribute__((cleanup(release)))
#endif

static inline void vmg_freep(void *p)
{
    free(*(void **)p);
}
#define VMG_AUTOFREE(type) VMG_SCOPED(vmg_freep) type

#define VMG_DEFINE_AUTOPTR(type, release) \
    static inline void vmg_autoptr_##type(type *p) \
    { \
        if (*p) \
            release(*p); \
    }
#define VMG_AUTOPTR(type) VMG_SCOPED(vmg_autoptr_##type) type

static inline void vmg_closep(int *fd)
{
    if (*fd >= 0)
        close(*fd);
}
#define VMG_AUTOCLOSE __attribute__((cleanup(vmg_closep)))

/* Closes *fd early and leaves -1 behind (an unlock before a long wait). */
static inline void vmg_close(int *fd)
{
    vmg_closep(fd);
    *fd = -1;
}

/* Returns *fd and leaves -1 behind: the scope no longer closes it. */
static inline int vmg_steal_fd(int *fd)
{
    int value = *fd;

    *fd = -1;
    return value;
}

/* Returns *p and leaves NULL behind: the scope no longer frees it. */
static inline void *vmg_steal(void *p)
{
    void **slot = p, *value = *slot;

    *slot = NULL;
    return value;
}

/* CLOCK_MONOTONIC in milliseconds: every deadline and wait of the helper. */
long long vmg_now_ms(void);
/* Sleeps ms, resuming after signals. */
void vmg_sleep_ms(long long ms);

/* NULL-terminated lists of strings.  The builders only allocate: they
 * return -1 for out of memory and leave the reason to the caller, who knows
 * what it was building.  *n counts the items (the list is then n + 1 long). */
typedef char **vmg_strv;
void vmg_strv_free(char **strv);
/* Appends item, which the list then owns (freed on failure too). */
int vmg_strv_push(char ***strv, size_t *n, char *item);
/* Appends a copy of item unless the list has it already. */
int vmg_strv_add_unique(char ***strv, size_t *n, const char *item);
VMG_DEFINE_AUTOPTR(vmg_strv, vmg_strv_free)

/* Creates the state directory dir (mode 0700, its parent 0755) unless it
 * exists, and checks that it is a directory owned by us and writable only
 * by us: what restores a cluster or names the domain started here is kept
 * there.  0, or -1 with *reason. */
int vmg_state_dir_ensure(const char *dir, char **reason);

#endif
