/* Parsing and checking the domain XML with libxml2.
 *
 * The file comes from the administrator, but it is read as root by every
 * action, so it is parsed defensively: no network, no DTD (and so no entity
 * expansion), bounded size, and only the few fields the helper needs are
 * interpreted.  libvirt validates the rest against its schema on define. */
#include <build-config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "domain_xml.h"
#define VMG_DOMAIN_XML_PRIV_H_ALLOW
#include "domain_xml_priv.h"
#include "util.h"
#include "virt.h"

int vmg_uuid_canonical(const char *text, char out[37])
{
    static const int dash_at[] = { 8, 12, 16, 20 };
    char hex[33];
    size_t n = 0, i, o = 0, d = 0;

    for (; *text; text++) {
        if (*text == '-')
            continue;
        if (!isxdigit((unsigned char)*text) || n == 32)
            return -1;
        hex[n++] = (char)tolower((unsigned char)*text);
    }
    if (n != 32)
        return -1;
    for (i = 0; i < 32; i++) {
        if (d < 4 && (int)i == dash_at[d]) {
            out[o++] = '-';
            d++;
        }
        out[o++] = hex[i];
    }
    out[o] = '\0';
    return 0;
}

/* Text of the only child element called name, or NULL with *count set. */
static xmlNodePtr only_child(xmlNodePtr parent, const char *name, int *count)
{
    xmlNodePtr child, found = NULL;

    *count = 0;
    for (child = parent->children; child; child = child->next) {
        if (child->type == XML_ELEMENT_NODE && xmlStrcmp(child->name, BAD_CAST name) == 0) {
            found = child;
            (*count)++;
        }
    }
    return *count == 1 ? found : NULL;
}

/* libvirt refuses names with '/' and we put names in file names and logs. */
static bool is_usable_name(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > 200 || strchr(name, '/') != NULL || name[0] == '.')
        return false;
    for (; *name; name++)
        if ((unsigned char)*name < 0x20 || *name == 0x7f)
            return false;
    return true;
}

static char *raw_content(xmlNodePtr node)
{
    xmlChar *content = xmlNodeGetContent(node);
    char *copy = content ? strdup((const char *)content) : NULL;

    xmlFree(content);
    return copy;
}

static char *trimmed_content(xmlNodePtr node)
{
    xmlChar *content = xmlNodeGetContent(node);
    char *start, *end, *copy;

    if (content == NULL)
        return NULL;
    start = (char *)content;
    while (isspace((unsigned char)*start))
        start++;
    end = start + strlen(start);
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    copy = strndup(start, end - start);
    xmlFree(content);
    return copy;
}

/* <devices><channel><target type='virtio' name='org.qemu.guest_agent.0'/> */
static bool has_guest_agent_channel(xmlNodePtr root)
{
    xmlNodePtr devices, channel, target;
    bool found = false;

    for (devices = root->children; devices && !found; devices = devices->next) {
        if (devices->type != XML_ELEMENT_NODE || xmlStrcmp(devices->name, BAD_CAST "devices"))
            continue;
        for (channel = devices->children; channel && !found; channel = channel->next) {
            if (channel->type != XML_ELEMENT_NODE || xmlStrcmp(channel->name, BAD_CAST "channel"))
                continue;
            for (target = channel->children; target && !found; target = target->next) {
                xmlChar *name;

                if (target->type != XML_ELEMENT_NODE || xmlStrcmp(target->name, BAD_CAST "target"))
                    continue;
                name = xmlGetProp(target, BAD_CAST "name");
                found = name && xmlStrcmp(name, BAD_CAST "org.qemu.guest_agent.0") == 0;
                xmlFree(name);
            }
        }
    }
    return found;
}

static bool has_mac_address(xmlNodePtr interface)
{
    xmlNodePtr mac;
    bool found = false;

    for (mac = interface->children; mac && !found; mac = mac->next) {
        xmlChar *address;

        if (mac->type != XML_ELEMENT_NODE || xmlStrcmp(mac->name, BAD_CAST "mac"))
            continue;
        address = xmlGetProp(mac, BAD_CAST "address");
        found = address && *address;
        xmlFree(address);
    }
    return found;
}

/* <devices><interface> without <mac address=...>. */
static unsigned count_nics_without_mac(xmlNodePtr root)
{
    xmlNodePtr devices, nic;
    unsigned count = 0;

    for (devices = root->children; devices; devices = devices->next) {
        if (devices->type != XML_ELEMENT_NODE || xmlStrcmp(devices->name, BAD_CAST "devices"))
            continue;
        for (nic = devices->children; nic; nic = nic->next)
            if (nic->type == XML_ELEMENT_NODE && !xmlStrcmp(nic->name, BAD_CAST "interface") &&
                !has_mac_address(nic))
                count++;
    }
    return count;
}

/* The document, parsed without network, DTD or entities; NULL after a reason. */
static xmlDocPtr parse_document(const char *text, size_t len, char **reason)
{
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;

    /* Errors are reported once, by us, with the file name. */
    vmg_xml_quiet();
    if ((ctxt = xmlNewParserCtxt()) == NULL) {
        vmg_error_set(reason, "cannot be parsed: out of memory");
        return NULL;
    }
    doc = xmlCtxtReadMemory(ctxt, text, (int)len, "domain.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL) {
        const xmlError *error = xmlCtxtGetLastError(ctxt);

        vmg_error_set(reason, "is not well-formed XML (line %d: %s)", error ? error->line : 0,
                      error && error->message ? error->message : "parse error");
        (*reason)[strcspn(*reason, "\n")] = '\0';
    } else if (doc->intSubset != NULL || doc->extSubset != NULL) {
        vmg_error_set(reason, "has a DOCTYPE; domain XML has none and entities are not "
                      "expanded");
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/* <uuid>, when there is one, in canonical form into xml->uuid. */
static int read_uuid(xmlNodePtr root, struct vmg_domain_xml *xml, char **reason)
{
    VMG_AUTOFREE(char *) uuid = NULL;
    char canonical[37];
    xmlNodePtr node;
    int count;

    node = only_child(root, "uuid", &count);
    if (count > 1)
        return vmg_error_set(reason, "has %d <uuid> elements", count);
    if (node == NULL)
        return 0;
    uuid = trimmed_content(node);
    if (uuid == NULL || vmg_uuid_canonical(uuid, canonical) < 0)
        return vmg_error_set(reason, "has a malformed <uuid>");
    if ((xml->uuid = strdup(canonical)) == NULL)
        return vmg_error_set(reason, "could not be copied: out of memory");
    return 0;
}

/* The few fields the helper interprets. */
static int read_fields(xmlDocPtr doc, struct vmg_domain_xml *xml, char **reason)
{
    xmlNodePtr root = xmlDocGetRootElement(doc), node;
    int count;

    if (root == NULL || xmlStrcmp(root->name, BAD_CAST "domain") != 0)
        return vmg_error_set(reason, "has root element <%s>, not <domain>",
                             root ? (const char *)root->name : "");
    node = only_child(root, "name", &count);
    if (node == NULL && count)
        return vmg_error_set(reason, "has %d <name> elements", count);
    if (node == NULL)
        return vmg_error_set(reason, "has no <name> element");
    /* Exactly as libvirt stores it: libvirt keeps blanks around a name, so
     * a trimmed copy would never find the domain. */
    xml->name = raw_content(node);
    if (xml->name == NULL || !is_usable_name(xml->name))
        return vmg_error_set(reason, "has an unusable domain <name> (empty, too long, '/' or "
                             "control characters)");
    if (isspace((unsigned char)xml->name[0]) ||
        isspace((unsigned char)xml->name[strlen(xml->name) - 1]))
        return vmg_error_set(reason, "has blanks around the domain <name> '%s': remove them "
                             "(libvirt keeps them as part of the name)", xml->name);
    if (read_uuid(root, xml, reason) < 0)
        return -1;
    xml->has_guest_agent = has_guest_agent_channel(root);
    xml->nics_without_mac = count_nics_without_mac(root);
    return 0;
}

int vmg_domain_xml_parse(const char *text, size_t len, struct vmg_domain_xml *xml,
                         char **reason)
{
    VMG_AUTOPTR(xmlDocPtr) doc = NULL;

    memset(xml, 0, sizeof(*xml));
    if (len == 0)
        return vmg_error_set(reason, "is empty");
    if (len > VMG_DOMAIN_XML_MAX_SIZE)
        return vmg_error_set(reason, "is larger than %zu bytes", VMG_DOMAIN_XML_MAX_SIZE);
    if (memchr(text, '\0', len) != NULL)
        return vmg_error_set(reason, "contains a NUL byte");
    if ((doc = parse_document(text, len, reason)) == NULL)
        return -1;
    if (read_fields(doc, xml, reason) < 0 ||
        ((xml->text = strndup(text, len)) == NULL &&
         vmg_error_set(reason, "could not be copied: out of memory") < 0)) {
        vmg_domain_xml_clear(xml);
        return -1;
    }
    return 0;
}

int vmg_domain_xml_with_uuid(const char *text, const char *uuid, char **out, char **reason)
{
    VMG_AUTOPTR(xmlDocPtr) doc = NULL;
    xmlNodePtr root, name, node;
    xmlChar *dump = NULL;
    int size = 0, count;

    *out = NULL;
    if ((doc = parse_document(text, strlen(text), reason)) == NULL)
        return -1;
    root = xmlDocGetRootElement(doc);
    if (root == NULL || (name = only_child(root, "name", &count)) == NULL)
        return vmg_error_set(reason, "has no <name> element");
    /* Right after <name>, where libvirt itself writes it. */
    if ((node = xmlNewDocNode(doc, NULL, BAD_CAST "uuid", BAD_CAST uuid)) == NULL ||
        xmlAddNextSibling(name, node) == NULL) {
        xmlFreeNode(node);
        return vmg_error_set(reason, "cannot be given a <uuid>: out of memory");
    }
    xmlDocDumpMemory(doc, &dump, &size);
    if (dump == NULL || (*out = strndup((const char *)dump, (size_t)size)) == NULL) {
        xmlFree(dump);
        return vmg_error_set(reason, "cannot be given a <uuid>: out of memory");
    }
    xmlFree(dump);
    return 0;
}

/* The whole file, at most VMG_DOMAIN_XML_MAX_SIZE bytes, into *text. */
static int read_bounded(const char *path, char **text, size_t *len,
                        enum vmg_domain_xml_fault *fault, char **reason)
{
    VMG_AUTOCLOSE int fd = -1;
    VMG_AUTOFREE(char *) buf = NULL;
    struct stat st;
    ssize_t got;
    size_t total = 0;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
        *fault = errno == ENOENT || errno == ENOTDIR ? VMG_DOMAIN_XML_MISSING
                                                     : VMG_DOMAIN_XML_UNREADABLE;
        return vmg_error_set(reason, "cannot be opened: %s", strerror(errno));
    }
    *fault = VMG_DOMAIN_XML_INVALID;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return vmg_error_set(reason, "is not a regular file");
    if ((size_t)st.st_size > VMG_DOMAIN_XML_MAX_SIZE)
        return vmg_error_set(reason, "is larger than %zu bytes", VMG_DOMAIN_XML_MAX_SIZE);
    /* One byte more than allowed tells a file that grew while we read it. */
    if ((buf = malloc(VMG_DOMAIN_XML_MAX_SIZE + 1)) == NULL)
        return vmg_error_set(reason, "cannot be read: out of memory");
    while ((got = read(fd, buf + total, VMG_DOMAIN_XML_MAX_SIZE + 1 - total)) > 0)
        total += (size_t)got;
    if (got < 0) {
        *fault = VMG_DOMAIN_XML_UNREADABLE;
        return vmg_error_set(reason, "cannot be read: %s", strerror(errno));
    }
    if (total > VMG_DOMAIN_XML_MAX_SIZE)
        return vmg_error_set(reason, "is larger than %zu bytes", VMG_DOMAIN_XML_MAX_SIZE);
    *text = vmg_steal(&buf);
    *len = total;
    return 0;
}

int vmg_domain_xml_load(const char *path, struct vmg_domain_xml *xml,
                        enum vmg_domain_xml_fault *fault, char **reason)
{
    VMG_AUTOFREE(char *) text = NULL;
    size_t len = 0;

    memset(xml, 0, sizeof(*xml));
    *fault = VMG_DOMAIN_XML_INVALID;
    if (read_bounded(path, &text, &len, fault, reason) < 0 ||
        vmg_domain_xml_parse(text, len, xml, reason) < 0)
        return vmg_error_set(reason, "domain XML %s %s", path, *reason);
    return 0;
}

/* libvirt's own output: trusted, still parsed without network or entities. */
static xmlDocPtr parse_libvirt_xml(const char *xml)
{
    vmg_xml_quiet();
    return xmlReadMemory(xml, (int)strlen(xml), "libvirt.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static xmlNodePtr first_child(xmlNodePtr parent, const char *name)
{
    xmlNodePtr child;

    for (child = parent ? parent->children : NULL; child; child = child->next)
        if (child->type == XML_ELEMENT_NODE && xmlStrcmp(child->name, BAD_CAST name) == 0)
            return child;
    return NULL;
}

static char *prop(xmlNodePtr node, const char *name)
{
    xmlChar *value = node ? xmlGetProp(node, BAD_CAST name) : NULL;
    char *copy = value ? strdup((const char *)value) : NULL;

    xmlFree(value);
    return copy;
}

char *vmg_domain_xml_cpu(const char *xml, char **mode)
{
    VMG_AUTOPTR(xmlDocPtr) doc = NULL;
    xmlBufferPtr buffer;
    xmlNodePtr cpu;
    char *text = NULL;

    *mode = NULL;
    doc = parse_libvirt_xml(xml);
    cpu = doc ? first_child(xmlDocGetRootElement(doc), "cpu") : NULL;
    if (cpu == NULL)
        return NULL;
    *mode = prop(cpu, "mode");
    if ((buffer = xmlBufferCreate()) == NULL)
        return NULL;
    if (xmlNodeDump(buffer, doc, cpu, 0, 0) > 0)
        text = strdup((const char *)xmlBufferContent(buffer));
    xmlBufferFree(buffer);
    return text;
}

/* The path a disk's <source> names, whatever its type calls the attribute. */
static char *disk_source(xmlNodePtr disk)
{
    static const char *const attributes[] = { "file", "dev", "dir", "name", "volume" };
    xmlNodePtr source = first_child(disk, "source");
    size_t i;
    char *value;

    for (i = 0; source && i < sizeof(attributes) / sizeof(attributes[0]); i++)
        if ((value = prop(source, attributes[i])) != NULL)
            return value;
    return NULL;
}

int vmg_domain_xml_disks(const char *xml, struct vmg_disk **disks, size_t *count,
                         char **reason)
{
    VMG_AUTOPTR(xmlDocPtr) doc = NULL;
    xmlNodePtr devices, node;
    struct vmg_disk *grown;

    *disks = NULL;
    *count = 0;
    if ((doc = parse_libvirt_xml(xml)) == NULL)
        return vmg_error_set(reason, "libvirt's domain XML does not parse");
    devices = first_child(xmlDocGetRootElement(doc), "devices");
    for (node = devices ? devices->children : NULL; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE || xmlStrcmp(node->name, BAD_CAST "disk"))
            continue;
        if ((grown = realloc(*disks, (*count + 1) * sizeof(**disks))) == NULL) {
            vmg_disks_free(*disks, *count);
            *disks = NULL;
            *count = 0;
            return vmg_error_set(reason, "out of memory");
        }
        *disks = grown;
        grown[*count].type = prop(node, "type");
        grown[*count].target = prop(first_child(node, "target"), "dev");
        grown[*count].source = disk_source(node);
        grown[*count].readonly = first_child(node, "readonly") != NULL;
        (*count)++;
    }
    return 0;
}

void vmg_disks_free(struct vmg_disk *disks, size_t count)
{
    size_t i;

    for (i = 0; disks && i < count; i++) {
        free(disks[i].target);
        free(disks[i].type);
        free(disks[i].source);
    }
    free(disks);
}

void vmg_domain_xml_clear(struct vmg_domain_xml *xml)
{
    free(xml->name);
    free(xml->uuid);
    free(xml->text);
    memset(xml, 0, sizeof(*xml));
}
