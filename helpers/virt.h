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

VMG_DEFINE_AUTOPTR(virDomainPtr, virDomainFree)
VMG_DEFINE_AUTOPTR(virConnectPtr, virConnectClose)
VMG_DEFINE_AUTOPTR(xmlDocPtr, xmlFreeDoc)
VMG_DEFINE_AUTOPTR(xmlXPathContextPtr, xmlXPathFreeContext)
VMG_DEFINE_AUTOPTR(xmlXPathObjectPtr, xmlXPathFreeObject)

#endif
