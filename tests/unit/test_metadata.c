/* metadata/VirtualMachine.xml and the helper's parameter tables must agree:
 * every parameter the helper reads is documented, with the same default,
 * and nothing documented is ignored. */
#include <build-config.h>

#include <stdlib.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "app_role.h"
#include "domain.h"
#include "migrate.h"
#include "peer_timeout.h"
#include "role_guard.h"
#include "split_brain.h"
#include "unit.h"

/* Counts by address: they are extern constants, not constant expressions. */
struct table {
    const struct vmg_param *params;
    const size_t *count;
};

static const struct vmg_param *find_param(const struct table *tables, size_t n,
                                          const char *name)
{
    size_t t, i;

    for (t = 0; t < n; t++)
        for (i = 0; i < *tables[t].count; i++)
            if (strcmp(tables[t].params[i].name, name) == 0)
                return &tables[t].params[i];
    return NULL;
}

static const char *metadata_type(enum vmg_param_type type)
{
    switch (type) {
    case VMG_PARAM_BOOL: return "boolean";
    case VMG_PARAM_UINT: return "integer";
    default: return "string";
    }
}

static const struct table tables[] = {
    { vmg_domain_params, &vmg_domain_params_count },
    { vmg_migrate_params, &vmg_migrate_params_count },
    { vmg_role_params, &vmg_role_params_count },
    { vmg_split_brain_params, &vmg_split_brain_params_count },
    { vmg_peer_params, &vmg_peer_params_count },
    { vmg_app_params, &vmg_app_params_count },
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

static xmlDocPtr doc;
static size_t documented;

/* Type and default of one documented parameter against its table entry. */
static void check_content(xmlNodePtr param, const struct vmg_param *p)
{
    xmlNodePtr child;

    for (child = param->children; p && child; child = child->next) {
        xmlChar *type, *dflt;

        if (child->type != XML_ELEMENT_NODE || xmlStrcmp(child->name, BAD_CAST "content"))
            continue;
        type = xmlGetProp(child, BAD_CAST "type");
        dflt = xmlGetProp(child, BAD_CAST "default");
        CHECK_STR((const char *)type, metadata_type(p->type));
        CHECK_STR((const char *)dflt, p->default_value ? p->default_value : "");
        xmlFree(type);
        xmlFree(dflt);
    }
}

static void test_documented(const void *data)
{
    xmlNodePtr root = xmlDocGetRootElement(doc), section, param;

    for (section = root->children; section; section = section->next) {
        if (section->type != XML_ELEMENT_NODE || xmlStrcmp(section->name, BAD_CAST "parameters"))
            continue;
        for (param = section->children; param; param = param->next) {
            xmlChar *name;
            const struct vmg_param *p;

            if (param->type != XML_ELEMENT_NODE)
                continue;
            documented++;
            name = xmlGetProp(param, BAD_CAST "name");
            p = find_param(tables, NTABLES, (const char *)name);
            printf("# parameter %s\n", (const char *)name);
            CHECK(p != NULL);
            check_content(param, p);
            xmlFree(name);
        }
    }
}

static void test_declared(const void *data)
{
    size_t declared = 0, t, i;

    for (t = 0; t < NTABLES; t++)
        declared += *tables[t].count;
    for (t = 0; t < NTABLES; t++)
        for (i = 0; i < *tables[t].count; i++)
            printf("# declared %s\n", tables[t].params[i].name);
    CHECK_INT(documented, declared);
}

static const struct unit_case cases[] = {
    { "documented parameters are declared alike", test_documented, NULL },
    { "declared parameters are documented", test_declared, NULL },
};

int main(void)
{
    doc = xmlReadFile(TEST_METADATA, NULL, XML_PARSE_NONET);
    if (doc == NULL) {
        printf("Bail out! cannot parse %s\n", TEST_METADATA);
        return 1;
    }
    UNIT_RUN(cases);
    xmlFreeDoc(doc);
    return unit_done();
}
