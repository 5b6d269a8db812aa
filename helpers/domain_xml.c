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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "domain_xml.h"
#include "util.h"
#include "virt.h"

static enum vmg_domain_xml_error fail(enum vmg_domain_xml_error code, char **reason,
                                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum vmg_domain_xml_error fail(enum vmg_domain_xml_error code, char **reason,
                                      const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(reason, fmt, ap) < 0)
        *reason = NULL;
    va_end(ap);
    return code;
}

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

enum vmg_domain_xml_error vmg_domain_xml_parse(const char *text, size_t len,
                                               struct vmg_domain_xml *xml, char **reason)
{
    enum vmg_domain_xml_error rc = VMG_DOMAIN_XML_INVALID;
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    xmlNodePtr root, node;
    char *uuid = NULL;
    char canonical[37];
    int count;

    memset(xml, 0, sizeof(*xml));
    *reason = NULL;
    if (len == 0)
        return fail(rc, reason, "is empty");
    if (len > VMG_DOMAIN_XML_MAX_SIZE)
        return fail(rc, reason, "is larger than %zu bytes", VMG_DOMAIN_XML_MAX_SIZE);
    if (memchr(text, '\0', len) != NULL)
        return fail(rc, reason, "contains a NUL byte");

    /* Errors are reported once, by us, with the file name. */
    vmg_xml_quiet();
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        fail(rc, reason, "cannot be parsed: out of memory");
        goto cleanup;
    }
    doc = xmlCtxtReadMemory(ctxt, text, (int)len, "domain.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL) {
        const xmlError *error = xmlCtxtGetLastError(ctxt);

        fail(rc, reason, "is not well-formed XML (line %d: %s)",
             error ? error->line : 0, error && error->message ? error->message : "parse error");
        if (*reason)
            (*reason)[strcspn(*reason, "\n")] = '\0';
        goto cleanup;
    }
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        fail(rc, reason, "has a DOCTYPE; domain XML has none and entities are not expanded");
        goto cleanup;
    }
    root = xmlDocGetRootElement(doc);
    if (root == NULL || xmlStrcmp(root->name, BAD_CAST "domain") != 0) {
        fail(rc, reason, "has root element <%s>, not <domain>",
             root ? (const char *)root->name : "");
        goto cleanup;
    }

    node = only_child(root, "name", &count);
    if (node == NULL) {
        if (count)
            fail(rc, reason, "has %d <name> elements", count);
        else
            fail(rc, reason, "has no <name> element");
        goto cleanup;
    }
    xml->name = trimmed_content(node);
    if (xml->name == NULL || !is_usable_name(xml->name)) {
        fail(rc, reason, "has an unusable domain <name> (empty, too long, '/' or control characters)");
        goto cleanup;
    }

    node = only_child(root, "uuid", &count);
    if (count > 1) {
        fail(rc, reason, "has %d <uuid> elements", count);
        goto cleanup;
    }
    if (node) {
        uuid = trimmed_content(node);
        if (uuid == NULL || vmg_uuid_canonical(uuid, canonical) < 0) {
            fail(rc, reason, "has a malformed <uuid>");
            goto cleanup;
        }
        xml->uuid = strdup(canonical);
    }

    xml->has_guest_agent = has_guest_agent_channel(root);
    xml->text = strndup(text, len);
    if (xml->text == NULL || (node && xml->uuid == NULL)) {
        fail(rc, reason, "could not be copied: out of memory");
        goto cleanup;
    }
    rc = VMG_DOMAIN_XML_OK;

cleanup:
    free(uuid);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    if (rc != VMG_DOMAIN_XML_OK)
        vmg_domain_xml_clear(xml);
    return rc;
}

static enum vmg_domain_xml_error read_bounded(const char *path, char **text, size_t *len,
                                              char **reason)
{
    enum vmg_domain_xml_error rc = VMG_DOMAIN_XML_MISSING;
    struct stat st;
    ssize_t got;
    size_t total = 0;
    int fd;

    *text = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return fail(rc, reason, "cannot be opened: %s", strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        fail(VMG_DOMAIN_XML_INVALID, reason, "is not a regular file");
        rc = VMG_DOMAIN_XML_INVALID;
        goto cleanup;
    }
    if ((size_t)st.st_size > VMG_DOMAIN_XML_MAX_SIZE) {
        rc = fail(VMG_DOMAIN_XML_INVALID, reason, "is larger than %zu bytes",
                  VMG_DOMAIN_XML_MAX_SIZE);
        goto cleanup;
    }
    /* One byte more than allowed tells a file that grew while we read it. */
    *text = malloc(VMG_DOMAIN_XML_MAX_SIZE + 1);
    if (*text == NULL) {
        rc = fail(VMG_DOMAIN_XML_INVALID, reason, "cannot be read: out of memory");
        goto cleanup;
    }
    while ((got = read(fd, *text + total, VMG_DOMAIN_XML_MAX_SIZE + 1 - total)) > 0)
        total += (size_t)got;
    if (got < 0) {
        rc = fail(VMG_DOMAIN_XML_MISSING, reason, "cannot be read: %s", strerror(errno));
        goto cleanup;
    }
    if (total > VMG_DOMAIN_XML_MAX_SIZE) {
        rc = fail(VMG_DOMAIN_XML_INVALID, reason, "is larger than %zu bytes",
                  VMG_DOMAIN_XML_MAX_SIZE);
        goto cleanup;
    }
    *len = total;
    rc = VMG_DOMAIN_XML_OK;

cleanup:
    close(fd);
    if (rc != VMG_DOMAIN_XML_OK) {
        free(*text);
        *text = NULL;
    }
    return rc;
}

enum vmg_domain_xml_error vmg_domain_xml_load(const char *path, struct vmg_domain_xml *xml,
                                              char **reason)
{
    enum vmg_domain_xml_error rc;
    char *text = NULL, *why = NULL;
    size_t len = 0;

    memset(xml, 0, sizeof(*xml));
    rc = read_bounded(path, &text, &len, &why);
    if (rc == VMG_DOMAIN_XML_OK)
        rc = vmg_domain_xml_parse(text, len, xml, &why);
    if (rc != VMG_DOMAIN_XML_OK && asprintf(reason, "domain XML %s %s", path,
                                            why ? why : "is unusable") < 0)
        *reason = NULL;
    free(why);
    free(text);
    return rc;
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
    xmlDocPtr doc = parse_libvirt_xml(xml);
    xmlBufferPtr buffer = NULL;
    xmlNodePtr cpu;
    char *text = NULL;

    *mode = NULL;
    cpu = doc ? first_child(xmlDocGetRootElement(doc), "cpu") : NULL;
    if (cpu == NULL)
        goto cleanup;
    *mode = prop(cpu, "mode");
    buffer = xmlBufferCreate();
    if (buffer && xmlNodeDump(buffer, doc, cpu, 0, 0) > 0)
        text = strdup((const char *)xmlBufferContent(buffer));

cleanup:
    if (buffer)
        xmlBufferFree(buffer);
    xmlFreeDoc(doc);
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

int vmg_domain_xml_disks(const char *xml, struct vmg_disk **disks, size_t *count)
{
    xmlDocPtr doc = parse_libvirt_xml(xml);
    xmlNodePtr devices, node;
    struct vmg_disk *list = NULL, *grown;
    size_t n = 0;
    int rc = -1;

    *disks = NULL;
    *count = 0;
    if (doc == NULL)
        return -1;
    devices = first_child(xmlDocGetRootElement(doc), "devices");
    for (node = devices ? devices->children : NULL; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE || xmlStrcmp(node->name, BAD_CAST "disk"))
            continue;
        grown = realloc(list, (n + 1) * sizeof(*list));
        if (grown == NULL)
            goto cleanup;
        list = grown;
        list[n].type = prop(node, "type");
        list[n].target = prop(first_child(node, "target"), "dev");
        list[n].source = disk_source(node);
        list[n].readonly = first_child(node, "readonly") != NULL;
        n++;
    }
    *disks = list;
    *count = n;
    list = NULL;
    rc = 0;

cleanup:
    vmg_disks_free(list, n);
    xmlFreeDoc(doc);
    return rc;
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
