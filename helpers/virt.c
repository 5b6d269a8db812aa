/* libvirt and libxml2 glue (see virt.h). */
#include <build-config.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
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

/* Whether the thread behind done_fd (an eventfd) wrote it before deadline. */
static bool wait_done(int done_fd, long long deadline)
{
    struct pollfd done = { .fd = done_fd, .events = POLLIN };
    long long left;
    int ready = 0;

    while ((left = deadline - vmg_now_ms()) > 0 &&
           ((ready = poll(&done, 1, (int)(left > 60000 ? 60000 : left))) == 0 ||
            (ready < 0 && errno == EINTR)))
        ;
    return ready > 0;
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
        vmg_error_set(&call->error, "%s", vmg_virt_error());   /* libvirt's are per thread */
    if (write(call->done_fd, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0 && call->error == NULL)
        vmg_error_set(&call->error, "cannot report the open");
    open_call_unref(call);
    return NULL;
}

int vmg_virt_open_bounded(const char *uri, long long timeout_ms, virConnectPtr *conn,
                          char **reason)
{
    struct open_call *call = calloc(1, sizeof(*call));
    long long deadline = vmg_now_ms() + timeout_ms;
    pthread_t thread;
    int rc;

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
    if (!wait_done(call->done_fd, deadline)) {
        pthread_detach(thread);
        open_call_unref(call);
        return vmg_error_set(reason, "no answer within %lld ms", timeout_ms);
    }
    pthread_join(thread, NULL);
    *conn = call->conn;
    call->conn = NULL;
    rc = *conn ? 0 : vmg_error_set(reason, "%s", call->error);
    open_call_unref(call);
    return rc;
}

/* Shared by the caller and the calling thread, as struct open_call. */
struct domain_call {
    atomic_int refs;
    vmg_domain_call_fn fn;
    virDomainPtr dom;           /* its own reference */
    unsigned int flags;
    int done_fd;
    int rc;
    int code;                   /* libvirt's error code when rc < 0 */
    char *error;
};

static void domain_call_unref(struct domain_call *call)
{
    if (atomic_fetch_sub(&call->refs, 1) != 1)
        return;
    if (call->dom)
        virDomainFree(call->dom);
    free(call->error);
    if (call->done_fd >= 0)
        close(call->done_fd);
    free(call);
}

static void *domain_call_thread(void *opaque)
{
    struct domain_call *call = opaque;

    call->rc = call->fn(call->dom, call->flags);
    if (call->rc < 0) {
        call->code = virGetLastErrorCode();
        vmg_error_set(&call->error, "%s", vmg_virt_error());   /* libvirt's are per thread */
    }
    /* Unwritten, the caller sees no answer: a timeout, and never reads rc. */
    if (write(call->done_fd, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
        call->rc = -1;
    domain_call_unref(call);
    return NULL;
}

int vmg_virt_domain_call_bounded(vmg_domain_call_fn fn, virDomainPtr dom, unsigned int flags,
                                 long long timeout_ms, int *code, char **reason)
{
    struct domain_call *call = calloc(1, sizeof(*call));
    long long deadline = vmg_now_ms() + timeout_ms;
    pthread_t thread;
    int rc;

    *code = VIR_ERR_INTERNAL_ERROR;
    if (call == NULL)
        return vmg_error_set(reason, "out of memory");
    *call = (struct domain_call){ .fn = fn, .dom = dom, .flags = flags, .done_fd = -1 };
    atomic_init(&call->refs, 2);
    if (virDomainRef(dom) < 0) {
        free(call);
        return vmg_error_set(reason, "%s", vmg_virt_error());
    }
    if ((call->done_fd = eventfd(0, EFD_CLOEXEC)) < 0 ||
        pthread_create(&thread, NULL, domain_call_thread, call) != 0) {
        atomic_store(&call->refs, 1);
        domain_call_unref(call);
        return vmg_error_set(reason, "cannot start a thread for the call");
    }
    if (!wait_done(call->done_fd, deadline)) {
        /* Left behind: it ends when libvirt answers, or with the process. */
        pthread_detach(thread);
        domain_call_unref(call);
        *code = VIR_ERR_OPERATION_TIMEOUT;
        return vmg_error_set(reason, "no answer within %lld ms", timeout_ms);
    }
    pthread_join(thread, NULL);
    *code = call->rc < 0 ? call->code : VIR_ERR_OK;
    rc = call->rc < 0 ? vmg_error_set(reason, "%s", call->error) : 0;
    domain_call_unref(call);
    return rc;
}

static void *event_loop(void *opaque)
{
    for (;;)
        if (virEventRunDefaultImpl() < 0)
            vmg_sleep_ms(100);
    return NULL;
}

int vmg_virt_event_loop_start(char **reason)
{
    static bool started;
    pthread_t thread;

    if (started)
        return 0;
    if (virEventRegisterDefaultImpl() < 0)
        return vmg_error_set(reason, "cannot register libvirt's event loop: %s",
                             vmg_virt_error());
    if (pthread_create(&thread, NULL, event_loop, NULL) != 0)
        return vmg_error_set(reason, "cannot start a thread for libvirt's event loop");
    pthread_detach(thread);
    started = true;
    return 0;
}
