/* The domain XML named by the `config` parameter. */
#ifndef VMG_DOMAIN_XML_H
#define VMG_DOMAIN_XML_H

#include <stdbool.h>
#include <stddef.h>

/* Larger files are not domain definitions; refusing them bounds memory. */
#define VMG_DOMAIN_XML_MAX_SIZE ((size_t)1024 * 1024)

struct vmg_domain_xml {
    char *name;     /* <name>, required */
    char *uuid;     /* <uuid> in canonical 8-4-4-4-12 lower case, or NULL */
    char *text;     /* the whole document as read, for libvirt */
    bool has_guest_agent;   /* a channel to org.qemu.guest_agent.0 */
    /* <interface>s with no <mac address=...>: libvirt invents a new MAC at
     * every cold start, and the LAN's ARP caches point at the old one. */
    unsigned nics_without_mac;
};

/* Why a domain XML cannot be used; it decides the action's exit code. */
enum vmg_domain_xml_fault {
    VMG_DOMAIN_XML_MISSING,     /* does not exist: not installed on this node (yet) */
    VMG_DOMAIN_XML_UNREADABLE,  /* there, but open or read failed (EACCES, EIO, ESTALE):
                                   may pass, says nothing about the domain */
    VMG_DOMAIN_XML_INVALID,     /* present but not a usable definition */
};

/* Reads and checks path.  0, or -1 with *fault and *reason, which names the
 * file ("domain XML /etc/x.xml is not well-formed XML ..."). */
int vmg_domain_xml_load(const char *path, struct vmg_domain_xml *xml,
                        enum vmg_domain_xml_fault *fault, char **reason);
/* Same checks on a document in memory (a saved state's XML; also the
 * fuzzing entry point); every failure is an invalid document, *reason says
 * what follows its name. */
int vmg_domain_xml_parse(const char *text, size_t len, struct vmg_domain_xml *xml,
                         char **reason);
static inline bool vmg_domain_xml_has_guest_agent(const struct vmg_domain_xml *xml)
{
    return xml->has_guest_agent;
}
void vmg_domain_xml_clear(struct vmg_domain_xml *xml);

/* text (a domain XML without <uuid>) with <uuid>uuid</uuid> added after its
 * <name>, into *out (caller frees).  -1 with *reason when text does not
 * parse. */
int vmg_domain_xml_with_uuid(const char *text, const char *uuid, char **out, char **reason);

/* A disk of a (live) domain definition, for the shared-storage check. */
struct vmg_disk {
    char *target;       /* vda, sdb ... */
    char *type;         /* file, block, network, volume, dir */
    char *source;       /* path, or NULL for network and empty drives */
    bool readonly;
};

/* The <cpu> element of xml serialized, with its mode attribute (NULL when
 * absent, the default "custom"); NULL when the domain has no <cpu>. */
char *vmg_domain_xml_cpu(const char *xml, char **mode);
/* The <disk> devices of xml; -1 with *reason when xml does not parse. */
int vmg_domain_xml_disks(const char *xml, struct vmg_disk **disks, size_t *count,
                         char **reason);
void vmg_disks_free(struct vmg_disk *disks, size_t count);

#endif
