/* libvirt and libxml2 glue (see virt.h). */
#include <build-config.h>

#include <libvirt/virterror.h>
#include <libxml/xmlerror.h>

#include "virt.h"

const char *vmg_virt_error(void)
{
    const char *message = virGetLastErrorMessage();

    return message ? message : "unknown libvirt error";
}

static void ignore_libvirt_error(void *data, virErrorPtr error)
{
}

void vmg_virt_quiet(void)
{
    virSetErrorFunc(NULL, ignore_libvirt_error);
}

static void ignore_xml_error(void *ctx, const char *msg, ...)
{
}

void vmg_xml_quiet(void)
{
    xmlSetGenericErrorFunc(NULL, ignore_xml_error);
}
