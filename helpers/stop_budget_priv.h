/* The duration parser of stop_budget.c, apart for its unit tests.
 * Only stop_budget.c and its tests include this (as libvirt's *priv.h). */
#ifndef VMG_STOP_BUDGET_PRIV_H_ALLOW
#error "stop_budget_priv.h is for stop_budget.c and its unit tests only"
#endif
#ifndef VMG_STOP_BUDGET_PRIV_H
#define VMG_STOP_BUDGET_PRIV_H

/* A Pacemaker duration ("90", "90s", "1500ms", "2min", "2m", "1h") in ms;
 * -1 when it is not one. */
long long vmg_parse_duration_ms(const char *text);

#endif
