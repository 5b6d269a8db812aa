/* libFuzzer target: the domain XML parser and the parameter parser, the two
 * places where administrator-supplied bytes enter the helper.
 * The first input byte picks the parser; the rest is its input. */
#include <build-config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "domain.h"
#define VMG_DOMAIN_XML_PRIV_H_ALLOW
#include "domain_xml_priv.h"
#include "migrate.h"

static void fuzz_xml(const uint8_t *data, size_t size)
{
    struct vmg_domain_xml xml;
    struct vmg_disk *disks;
    char *reason = NULL, *text, *mode, *cpu;
    size_t n;

    if (vmg_domain_xml_parse((const char *)data, size, &xml, &reason) == 0)
        vmg_domain_xml_clear(&xml);
    free(reason);
    reason = NULL;

    /* The live-XML readers get libvirt's output, but must not crash on junk. */
    text = strndup((const char *)data, size);
    if (text == NULL)
        return;
    cpu = vmg_domain_xml_cpu(text, &mode);
    free(cpu);
    free(mode);
    if (vmg_domain_xml_disks(text, &disks, &n, &reason) == 0)
        vmg_disks_free(disks, n);
    free(reason);
    free(text);
}

/* Input: "name\0value" pairs; every table loads them from the environment. */
static void fuzz_params(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1), *reason = NULL, *p, *end;
    struct vmg_domain_config domain;
    struct vmg_migrate_config migrate;
    char *uri;

    if (copy == NULL)
        return;
    memcpy(copy, data, size);
    copy[size] = '\0';
    clearenv();
    for (p = copy, end = copy + size; p < end;) {
        char *value = p + strlen(p) + 1;
        char key[160];

        if (value >= end)
            break;
        snprintf(key, sizeof(key), "OCF_RESKEY_%.120s", p);
        if (*p && !strchr(p, '='))
            setenv(key, value, 1);
        p = value + strlen(value) + 1;
    }
    memset(&domain, 0, sizeof(domain));
    if (vmg_params_load(vmg_domain_params, vmg_domain_params_count, &domain, &reason) == 0)
        vmg_params_free(vmg_domain_params, vmg_domain_params_count, &domain);
    free(reason);
    reason = NULL;
    memset(&migrate, 0, sizeof(migrate));
    if (vmg_params_load(vmg_migrate_params, vmg_migrate_params_count, &migrate, &reason) == 0) {
        uri = NULL;
        vmg_migration_daemon_uri(&migrate, "qemu:///system", "node2", &uri, &reason);
        free(uri);
        uri = NULL;
        vmg_migration_data_uri(&migrate, "node2.example.com", "vm1", &uri, &reason);
        free(uri);
        vmg_params_free(vmg_migrate_params, vmg_migrate_params_count, &migrate);
    }
    free(reason);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        fuzz_params(data + 1, size - 1);
    else
        fuzz_xml(data + 1, size - 1);
    return 0;
}
