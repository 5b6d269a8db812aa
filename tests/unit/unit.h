/* A minimal TAP producer for the C unit tests (automake's harness reads the
 * exit status; the TAP lines say which case failed and why). */
#ifndef VMG_UNIT_H
#define VMG_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failures;
static int unit_count;

#define CHECK(cond) do { \
    unit_count++; \
    if (cond) { \
        printf("ok %d - %s\n", unit_count, #cond); \
    } else { \
        unit_failures++; \
        printf("not ok %d - %s (%s:%d)\n", unit_count, #cond, __FILE__, __LINE__); \
    } \
} while (0)

#define CHECK_INT(got, want) do { \
    long long got_ = (long long)(got), want_ = (long long)(want); \
    unit_count++; \
    if (got_ == want_) { \
        printf("ok %d - %s == %lld\n", unit_count, #got, want_); \
    } else { \
        unit_failures++; \
        printf("not ok %d - %s: got %lld, want %lld (%s:%d)\n", unit_count, #got, \
               got_, want_, __FILE__, __LINE__); \
    } \
} while (0)

#define CHECK_STR(got, want) do { \
    const char *got_ = (got), *want_ = (want); \
    unit_count++; \
    if (got_ && want_ ? strcmp(got_, want_) == 0 : got_ == want_) { \
        printf("ok %d - %s == \"%s\"\n", unit_count, #got, want_ ? want_ : "(null)"); \
    } else { \
        unit_failures++; \
        printf("not ok %d - %s: got \"%s\", want \"%s\" (%s:%d)\n", unit_count, #got, \
               got_ ? got_ : "(null)", want_ ? want_ : "(null)", __FILE__, __LINE__); \
    } \
} while (0)

static inline int unit_done(void)
{
    printf("1..%d\n# %d passed, %d failed\n", unit_count, unit_count - unit_failures,
           unit_failures);
    return unit_failures ? 1 : 0;
}

#endif
