/* The parser of `lltconfig -T query`, checked against real output by the
 * unit tests.
 * Only llt_peerinact.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_LLT_PEERINACT_PRIV_H_ALLOW
#error "llt_peerinact_priv.h is for llt_peerinact.c and its unit tests only"
#endif
#ifndef VMG_LLT_PEERINACT_PRIV_H
#define VMG_LLT_PEERINACT_PRIV_H

#include "llt_peerinact.h"

/* Finds "peerinact = N" (or "peerinact:N") in query output; -1 if absent. */
int vmg_llt_parse_query(const char *output, unsigned *centisec);

#endif
