/* What only the unit tests of domain_xml.c call.
 * Only domain_xml.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_DOMAIN_XML_PRIV_H_ALLOW
#error "domain_xml_priv.h is for domain_xml.c and its unit tests only"
#endif
#ifndef VMG_DOMAIN_XML_PRIV_H
#define VMG_DOMAIN_XML_PRIV_H

#include <stddef.h>

#include "domain_xml.h"

/* Canonical form of a UUID written with or without dashes; -1 if malformed. */
int vmg_uuid_canonical(const char *text, char out[37]);

#endif
