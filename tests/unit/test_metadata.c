/* metadata/VirtualMachine.xml and the helper's parameter tables must agree:
 * every parameter the helper reads is documented, with the same default,
 * and nothing documented is ignored. */
#include <build-config.h>

#include <stdlib.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "domain.h"
#include "migrate.h"
#include "peer_timeout.h"
#include "role_guard.h"
#include "split_brain.h"
#include "unit.h"

struct table {
    const struct vmg_param *params;
    size_t count;
};

static const struct vmg_param *find_param(const struct table *tables, size_t n,
                                          const char *name)
{
    size_t t, i;

    for (t = 0; t < n; t++)
        for (i = 0; i < tables[t].count; i++)
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

int main(void)
{
    const struct table tables[] = {
        { vmg_domain_params, vmg_domain_params_count },
        { vmg_migrate_params, vmg_migrate_params_count },
        { vmg_role_params, vmg_role_params_count },
        { vmg_split_brain_params, vmg_split_brain_params_count },
        { vmg_peer_params, vmg_peer_params_count },
    };
    size_t ntables = sizeof(tables) / sizeof(tables[0]);
    size_t documented = 0, declared = 0, t, i;
    xmlDocPtr doc = xmlReadFile(TEST_METADATA, NULL, XML_PARSE_NONET);
    xmlNodePtr root, section, param, child;

    if (doc == NULL) {
        printf("Bail out! cannot parse %s\n", TEST_METADATA);
        return 1;
    }
    root = xmlDocGetRootElement(doc);
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
            p = find_param(tables, ntables, (const char *)name);
            printf("# parameter %s\n", (const char *)name);
            CHECK(p != NULL);
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
            xmlFree(name);
        }
    }
    for (t = 0; t < ntables; t++)
        declared += tables[t].count;
    for (t = 0; t < ntables; t++)
        for (i = 0; i < tables[t].count; i++)
            printf("# declared %s\n", tables[t].params[i].name);
    CHECK_INT(documented, declared);
    xmlFreeDoc(doc);
    return unit_done();
}
