/* A minimal TAP producer for the C unit tests, read by automake's TAP driver
 * (build-aux/tap-driver.sh), which counts and names every line.
 *
 * Cases are named and table-driven, as libvirt's virTestRun() and
 * pacemaker's cmocka groups: a test file lists its cases in an array of
 * struct unit_case and hands it to UNIT_RUN(); every check then prints one
 * line "ok N - CASE: CHECK", so a failure in the logs says which case and
 * which check, and a case that stops checking shows up as a smaller count. */
#ifndef VMG_UNIT_H
#define VMG_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit_case {
    const char *name;
    void (*run)(const void *data);
    const void *data;
};

static int unit_failures;
static int unit_count;
static const char *unit_case_name = "setup";

/* The condition is evaluated before the count moves: a check may call a
 * helper that checks too (numbers must stay in order for the driver). */
#define CHECK(cond) do { \
    int ok_ = (cond) ? 1 : 0; \
    unit_count++; \
    if (ok_) { \
        printf("ok %d - %s: %s\n", unit_count, unit_case_name, #cond); \
    } else { \
        unit_failures++; \
        printf("not ok %d - %s: %s (%s:%d)\n", unit_count, unit_case_name, #cond, \
               __FILE__, __LINE__); \
    } \
} while (0)

#define CHECK_INT(got, want) do { \
    long long got_ = (long long)(got), want_ = (long long)(want); \
    unit_count++; \
    if (got_ == want_) { \
        printf("ok %d - %s: %s == %lld\n", unit_count, unit_case_name, #got, want_); \
    } else { \
        unit_failures++; \
        printf("not ok %d - %s: %s: got %lld, want %lld (%s:%d)\n", unit_count, \
               unit_case_name, #got, got_, want_, __FILE__, __LINE__); \
    } \
} while (0)

#define CHECK_STR(got, want) do { \
    const char *got_ = (got), *want_ = (want); \
    unit_count++; \
    if (got_ && want_ ? strcmp(got_, want_) == 0 : got_ == want_) { \
        printf("ok %d - %s: %s == \"%s\"\n", unit_count, unit_case_name, #got, \
               want_ ? want_ : "(null)"); \
    } else { \
        unit_failures++; \
        printf("not ok %d - %s: %s: got \"%s\", want \"%s\" (%s:%d)\n", unit_count, \
               unit_case_name, #got, got_ ? got_ : "(null)", want_ ? want_ : "(null)", \
               __FILE__, __LINE__); \
    } \
} while (0)

static inline int unit_done(void)
{
    printf("1..%d\n# %d passed, %d failed\n", unit_count, unit_count - unit_failures,
           unit_failures);
    return unit_failures ? 1 : 0;
}

/* Runs every case in order; checks made after it are named "teardown". */
static inline int unit_run(const struct unit_case *cases, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unit_case_name = cases[i].name;
        printf("# case: %s\n", cases[i].name);
        fflush(stdout);
        cases[i].run(cases[i].data);
    }
    unit_case_name = "teardown";
    return 0;
}

#define UNIT_RUN(cases) unit_run((cases), sizeof(cases) / sizeof((cases)[0]))

#endif
