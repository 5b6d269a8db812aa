/* libvirt and libxml2 glue (see virt.h). */
#include <build-config.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <libvirt/virterror.h>
#include <libxml/xmlerror.h>

#include "virt.h"

const char *vmg_virt_error(void)
{
    const char *message = virGetLastErrorMessage();

    return message ? message : "unknown libvirt error";
}

static void ignore_libvirt_error(void *data, virErrorPtr error)
{
}

void vmg_virt_quiet(void)
{
    virSetErrorFunc(NULL, ignore_libvirt_error);
}

static void ignore_xml_error(void *ctx, const char *msg, ...)
{
}

void vmg_xml_quiet(void)
{
    xmlSetGenericErrorFunc(NULL, ignore_xml_error);
}

/* Shared by the caller and the opening thread; the last one to let go
 * frees it (the caller lets go early when the deadline passes). */
struct open_call {
    atomic_int refs;
    char *uri;
    int done_fd;            /* eventfd: the thread is done */
    virConnectPtr conn;
    char *error;
};

static void open_call_unref(struct open_call *call)
{
    if (atomic_fetch_sub(&call->refs, 1) != 1)
        return;
    if (call->conn)
        virConnectClose(call->conn);
    free(call->error);
    free(call->uri);
    close(call->done_fd);
    free(call);
}

static void *open_thread(void *opaque)
{
    struct open_call *call = opaque;

    call->conn = virConnectOpen(call->uri);
    if (call->conn == NULL)
        call->error = strdup(vmg_virt_error());     /* libvirt errors are per thread */
    if (write(call->done_fd, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
        call->error = call->error ? call->error : strdup("cannot report the open");
    open_call_unref(call);
    return NULL;
}

int vmg_virt_open_bounded(const char *uri, long long timeout_ms, virConnectPtr *conn,
                          char **reason)
{
    struct open_call *call = calloc(1, sizeof(*call));
    struct pollfd done = { .events = POLLIN };
    long long deadline = vmg_now_ms() + timeout_ms, left;
    pthread_t thread;
    int ready = 0, rc;

    *conn = NULL;
    if (call == NULL || (call->uri = strdup(uri)) == NULL) {
        free(call);
        return vmg_error_set(reason, "out of memory");
    }
    atomic_init(&call->refs, 2);
    if ((call->done_fd = eventfd(0, EFD_CLOEXEC)) < 0 ||
        pthread_create(&thread, NULL, open_thread, call) != 0) {
        if (call->done_fd >= 0)
            close(call->done_fd);
        free(call->uri);
        free(call);
        return vmg_error_set(reason, "cannot start a thread to connect: %s", strerror(errno));
    }
    done.fd = call->done_fd;
    while ((left = deadline - vmg_now_ms()) > 0 &&
           ((ready = poll(&done, 1, (int)(left > 60000 ? 60000 : left))) == 0 ||
            (ready < 0 && errno == EINTR)))
        ;
    if (ready <= 0) {
        pthread_detach(thread);
        open_call_unref(call);
        return vmg_error_set(reason, "no answer within %lld ms", timeout_ms);
    }
    pthread_join(thread, NULL);
    *conn = call->conn;
    call->conn = NULL;
    rc = *conn ? 0 : vmg_error_set(reason, "%s", call->error ? call->error : "out of memory");
    open_call_unref(call);
    return rc;
}
