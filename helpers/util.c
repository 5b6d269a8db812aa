/* The error contract, monotonic time and string lists (see util.h). */
#include <build-config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

int vmg_error_set(char **reason, const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;

    if (reason == NULL)
        return -1;
    va_start(ap, fmt);
    if (vasprintf(&text, fmt, ap) < 0)
        text = NULL;
    va_end(ap);
    if (text == NULL && (text = strdup("out of memory")) == NULL)
        abort();
    free(*reason);
    *reason = text;
    return -1;
}

long long vmg_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

void vmg_sleep_ms(long long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

void vmg_strv_free(char **strv)
{
    size_t i;

    if (strv == NULL)
        return;
    for (i = 0; strv[i]; i++)
        free(strv[i]);
    free(strv);
}

int vmg_strv_push(char ***strv, size_t *n, char *item)
{
    char **grown = realloc(*strv, (*n + 2) * sizeof(**strv));

    if (grown == NULL || item == NULL) {
        free(item);
        if (grown)
            *strv = grown;
        return -1;
    }
    grown[(*n)++] = item;
    grown[*n] = NULL;
    *strv = grown;
    return 0;
}

int vmg_strv_add_unique(char ***strv, size_t *n, const char *item)
{
    size_t i;

    for (i = 0; i < *n; i++)
        if (strcmp((*strv)[i], item) == 0)
            return 0;
    return vmg_strv_push(strv, n, strdup(item));
}
