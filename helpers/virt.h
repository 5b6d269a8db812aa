/* What the helper needs around libvirt and libxml2, written once: the last
 * libvirt error as text, silencing the libraries' own printing (the helper
 * reports each error once, with context), and scoped cleanup of their
 * objects (see util.h):
 *   VMG_AUTOPTR(virDomainPtr) dom = NULL;
 *   VMG_AUTOPTR(virConnectPtr) conn = NULL;
 *   VMG_AUTOPTR(xmlDocPtr) doc = NULL; */
#ifndef VMG_VIRT_H
#define VMG_VIRT_H

#include <libvirt/libvirt.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "util.h"

/* The last libvirt error of this thread as one line, for a reason or a log;
 * never NULL. */
const char *vmg_virt_error(void);

/* libvirt prints every error to stderr by default, libxml2 every parse
 * error: both are silenced, for the calling thread's libxml2 and for all of
 * libvirt. */
void vmg_virt_quiet(void);
void vmg_xml_quiet(void);

/* virConnectOpen(uri) within timeout_ms.  libvirt's open has no timeout
 * of its own: to a node whose link is down, the TCP connect alone retries
 * its SYN for over a minute, an ssh transport waits as long, a daemon that
 * accepts but never answers holds it forever.  The open runs in a thread;
 * past the deadline the thread is left to finish or fail on its own (it
 * then closes what it opened) and the caller gets -1 with *reason.
 * 0 with *conn, or -1 with *reason. */
int vmg_virt_open_bounded(const char *uri, long long timeout_ms, virConnectPtr *conn,
                          char **reason);

/* fn(dom, flags) within timeout_ms, for the calls that wait on QEMU's
 * monitor: libvirt waits for QEMU's answer with no timeout of its own, so a
 * QEMU that does not answer (SIGSTOP, a migration stuck holding its lock)
 * blocks them for good.  The call runs in a thread holding its own
 * reference to dom; past the deadline it is left behind (a forced destroy
 * or the end of the process ends it).  0, or -1 with *reason and *code:
 * libvirt's error code, VIR_ERR_OPERATION_TIMEOUT when no answer came. */
typedef int (*vmg_domain_call_fn)(virDomainPtr dom, unsigned int flags);
int vmg_virt_domain_call_bounded(vmg_domain_call_fn fn, virDomainPtr dom, unsigned int flags,
                                 long long timeout_ms, int *code, char **reason);

/* libvirt's default event loop, run by a thread of its own: what a
 * connection opened afterwards needs for keepalive (virConnectSetKeepAlive:
 * "client has to implement and run event loop").  Once only; 0, or -1 with
 * *reason (then keepalive must not be asked for). */
int vmg_virt_event_loop_start(char **reason);

VMG_DEFINE_AUTOPTR(virDomainPtr, virDomainFree)
VMG_DEFINE_AUTOPTR(virConnectPtr, virConnectClose)
VMG_DEFINE_AUTOPTR(xmlDocPtr, xmlFreeDoc)
VMG_DEFINE_AUTOPTR(xmlXPathContextPtr, xmlXPathFreeContext)
VMG_DEFINE_AUTOPTR(xmlXPathObjectPtr, xmlXPathFreeObject)

#endif
