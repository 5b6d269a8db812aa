/* The domain XML checks on a document in memory: the unit tests' and the
 * fuzzer's entry point.
 * Only domain_xml.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_DOMAIN_XML_PRIV_H_ALLOW
#error "domain_xml_priv.h is for domain_xml.c and its unit tests only"
#endif
#ifndef VMG_DOMAIN_XML_PRIV_H
#define VMG_DOMAIN_XML_PRIV_H

#include <stddef.h>

#include "domain_xml.h"

/* Same checks on a document in memory (also the fuzzing entry point); every
 * failure is an invalid document, *reason says what follows its name. */
int vmg_domain_xml_parse(const char *text, size_t len, struct vmg_domain_xml *xml,
                         char **reason);

/* Canonical form of a UUID written with or without dashes; -1 if malformed. */
int vmg_uuid_canonical(const char *text, char out[37]);

#endif
