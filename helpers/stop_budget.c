/* The destroy reserve of stop and the stop timeout in the CIB (see
 * stop_budget.h). */
#include <build-config.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "cluster.h"
#include "stop_budget.h"
#define VMG_STOP_BUDGET_PRIV_H_ALLOW
#include "stop_budget_priv.h"
#include "util.h"

#define CIB_TIMEOUT_S 5

long long vmg_destroy_reserve_ms(long long left_ms)
{
    long long half = left_ms / 2;

    return half < VMG_DESTROY_MS ? half : VMG_DESTROY_MS;
}

long long vmg_parse_duration_ms(const char *text)
{
    static const struct { const char *unit; long long ms; } units[] = {
        { "", 1000 }, { "s", 1000 }, { "sec", 1000 }, { "ms", 1 }, { "msec", 1 },
        { "m", 60000 }, { "min", 60000 }, { "h", 3600000 }, { "hr", 3600000 },
    };
    long long value;
    char *end;
    size_t i;

    if (text == NULL || !isdigit((unsigned char)*text))
        return -1;
    errno = 0;
    value = strtoll(text, &end, 10);
    while (*end == ' ')
        end++;
    for (i = 0; errno == 0 && value < 1000000000LL && i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(end, units[i].unit) == 0)
            return value * units[i].ms;
    return -1;
}

static bool is_zero_interval(const char *interval)
{
    return interval == NULL || vmg_parse_duration_ms(interval) == 0;
}

static char *prop(xmlNode *node, const char *name)
{
    return (char *)xmlGetProp(node, BAD_CAST name);
}

/* One answer node: a stop op of interval 0, or the op_defaults timeout. */
static void read_answer(xmlNode *node, long long *op_ms, long long *default_ms)
{
    char *name = prop(node, "name"), *interval = prop(node, "interval");
    char *timeout = prop(node, xmlStrcmp(node->name, BAD_CAST "nvpair") == 0 ? "value"
                                                                               : "timeout");

    if (xmlStrcmp(node->name, BAD_CAST "op") == 0 && is_zero_interval(interval) && timeout)
        *op_ms = vmg_parse_duration_ms(timeout);
    else if (xmlStrcmp(node->name, BAD_CAST "nvpair") == 0 && timeout)
        *default_ms = vmg_parse_duration_ms(timeout);
    xmlFree(name);
    xmlFree(interval);
    xmlFree(timeout);
}

int vmg_stop_timeout_ms(const char *resource, long long *timeout_ms, char **reason)
{
    VMG_AUTOFREE(char *) xpath = NULL;
    long long op_ms = -1, default_ms = -1;
    xmlNode *answer = NULL, *node;
    bool found = false;
    char *raw;

    *timeout_ms = -1;
    if (!vmg_cib_name_ok(resource))
        return vmg_error_set(reason, "resource name '%.64s' cannot be looked up", resource);
    if (asprintf(&raw, "/cib/configuration/resources//primitive[@id='%s']"
                 " | /cib/configuration/resources//primitive[@id='%s']/operations/op"
                 "[@name='stop']"
                 " | /cib/configuration/op_defaults//nvpair[@name='timeout']",
                 resource, resource) < 0)
        return vmg_error_set(reason, "out of memory");
    xpath = raw;
    if (vmg_cluster_cib_query(xpath, CIB_TIMEOUT_S, &answer, reason) < 0)
        return -1;
    /* One match comes alone, several inside <xpath-query>. */
    for (node = answer && xmlStrcmp(answer->name, BAD_CAST "xpath-query") == 0
                ? answer->children : answer;
         node; node = node == answer ? NULL : node->next) {
        if (node->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrcmp(node->name, BAD_CAST "primitive") == 0)
            found = true;
        else
            read_answer(node, &op_ms, &default_ms);
    }
    vmg_cluster_cib_free(answer);
    if (!found)
        return vmg_error_set(reason, "the CIB has no resource %s", resource);
    *timeout_ms = op_ms >= 0 ? op_ms
                : default_ms >= 0 ? default_ms : VMG_PACEMAKER_DEFAULT_TIMEOUT_MS;
    return 0;
}
