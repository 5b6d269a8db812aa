/* Networks and storage pools before the domain (see start_resources.h). */
#include <build-config.h>

#include <string.h>

#include <libxml/parser.h>

#include "log.h"
#include "start_resources.h"
#include "virt.h"

/* Deduplicated values of an XPath over the domain XML. */
static int names_of(xmlXPathContextPtr xp, const char *xpath, vmg_strv *names, size_t *n,
                    char **reason)
{
    VMG_AUTOPTR(xmlXPathObjectPtr) found = NULL;
    int i;

    found = xmlXPathEvalExpression(BAD_CAST xpath, xp);
    if (found == NULL)
        return vmg_error_set(reason, "cannot evaluate %s", xpath);
    for (i = 0; found->nodesetval && i < found->nodesetval->nodeNr; i++) {
        xmlChar *value = xmlNodeGetContent(found->nodesetval->nodeTab[i]);
        int rc = value && *value ? vmg_strv_add_unique(names, n, (const char *)value) : 0;

        xmlFree(value);
        if (rc < 0)
            return vmg_error_set(reason, "out of memory");
    }
    return 0;
}

static int start_pool(virConnectPtr conn, const char *name, char **reason)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(conn, name);
    int rc = 0, active;

    if (pool == NULL)
        return vmg_error_set(reason, "storage pool %s is not defined: %s", name,
                             vmg_virt_error());
    active = virStoragePoolIsActive(pool);
    if (active == 1) {
        if (virStoragePoolRefresh(pool, 0) < 0)
            qb_log(LOG_WARNING, "cannot refresh storage pool %s: %s", name, vmg_virt_error());
    } else if (virStoragePoolCreate(pool, 0) < 0) {
        rc = vmg_error_set(reason, "cannot start storage pool %s: %s", name, vmg_virt_error());
    } else {
        qb_log(LOG_NOTICE, "storage pool %s started", name);
    }
    virStoragePoolFree(pool);
    return rc;
}

static int start_network(virConnectPtr conn, const char *name, char **reason)
{
    virNetworkPtr net = virNetworkLookupByName(conn, name);
    int rc = 0;

    if (net == NULL)
        return vmg_error_set(reason, "network %s is not defined: %s", name, vmg_virt_error());
    if (virNetworkIsActive(net) != 1) {
        if (virNetworkCreate(net) < 0)
            rc = vmg_error_set(reason, "cannot start network %s: %s", name, vmg_virt_error());
        else
            qb_log(LOG_NOTICE, "network %s started", name);
    }
    virNetworkFree(net);
    return rc;
}

int vmg_start_resources(virConnectPtr conn, const char *domain_xml, char **reason)
{
    VMG_AUTOPTR(xmlDocPtr) doc = NULL;
    VMG_AUTOPTR(xmlXPathContextPtr) xp = NULL;
    VMG_AUTOPTR(vmg_strv) pools = NULL;
    VMG_AUTOPTR(vmg_strv) networks = NULL;
    size_t npools = 0, nnetworks = 0, i;

    /* config's text, checked by domain_xml.c already (no DOCTYPE). */
    vmg_xml_quiet();
    doc = xmlReadMemory(domain_xml, (int)strlen(domain_xml), "domain.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL || (xp = xmlXPathNewContext(doc)) == NULL)
        return vmg_error_set(reason, "cannot parse the domain XML");
    if (names_of(xp, "/domain/devices/disk/source/@pool", &pools, &npools, reason) < 0 ||
        names_of(xp, "/domain/devices/interface[@type='network']/source/@network", &networks,
                 &nnetworks, reason) < 0)
        return -1;
    for (i = 0; i < npools; i++)
        if (start_pool(conn, pools[i], reason) < 0)
            return -1;
    for (i = 0; i < nnetworks; i++)
        if (start_network(conn, networks[i], reason) < 0)
            return -1;
    return 0;
}
