/* The error contract, monotonic time and string lists (see util.h). */
#include <build-config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

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

int vmg_state_dir_ensure(const char *dir, char **reason)
{
    VMG_AUTOFREE(char *) parent = NULL;
    char *slash;
    struct stat st;

    if ((parent = strdup(dir)) == NULL)
        return vmg_error_set(reason, "out of memory");
    slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if (mkdir(parent, 0755) < 0 && errno != EEXIST)
            return vmg_error_set(reason, "cannot create %s: %s", parent, strerror(errno));
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return vmg_error_set(reason, "cannot create state directory %s: %s", dir,
                             strerror(errno));
    if (lstat(dir, &st) < 0)
        return vmg_error_set(reason, "cannot examine %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
        return vmg_error_set(reason, "state directory %s is not a directory owned by uid %ld "
                             "and writable only by it: refusing to keep state there", dir,
                             (long)geteuid());
    return 0;
}
