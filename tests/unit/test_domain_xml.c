/* Domain XML parsing: what is accepted, and every way a file is refused. */
#include <build-config.h>

#include <stdlib.h>

#define VMG_DOMAIN_XML_PRIV_H_ALLOW
#include "domain_xml_priv.h"
#include "unit.h"

static int parse(const char *text, struct vmg_domain_xml *xml)
{
    char *reason = NULL;
    int rc = vmg_domain_xml_parse(text, strlen(text), xml, &reason);

    CHECK(rc == 0 ? reason == NULL : reason != NULL);
    if (reason)
        printf("# reason: %s\n", reason);
    free(reason);
    return rc;
}

/* The loader's outcome: "ok", or its fault; *reason set on failure only. */
static const char *load(const char *path, struct vmg_domain_xml *xml, char **reason)
{
    enum vmg_domain_xml_fault fault = VMG_DOMAIN_XML_INVALID;

    if (vmg_domain_xml_load(path, xml, &fault, reason) == 0)
        return *reason ? "ok, but a reason" : "ok";
    if (*reason == NULL)
        return "failed without a reason";
    return fault == VMG_DOMAIN_XML_MISSING ? "missing" :
           fault == VMG_DOMAIN_XML_UNREADABLE ? "unreadable" : "invalid";
}

static void expect_invalid(const char *text, const char *what)
{
    struct vmg_domain_xml xml;

    printf("# input: %s\n", what);
    CHECK_INT(parse(text, &xml), -1);
    CHECK(xml.name == NULL && xml.text == NULL);
}

static void test_accepts(const void *data)
{
    struct vmg_domain_xml xml;

    CHECK_INT(parse("<domain type='kvm'><name>web-1</name>"
                    "<uuid>ABCDEF01234567890ABCDEF012345678</uuid>"
                    "<devices><channel type='unix'><target type='virtio' "
                    "name='org.qemu.guest_agent.0'/></channel></devices></domain>", &xml),
              0);
    CHECK_STR(xml.name, "web-1");
    CHECK_STR(xml.uuid, "abcdef01-2345-6789-0abc-def012345678");
    CHECK(xml.has_guest_agent);
    vmg_domain_xml_clear(&xml);

    CHECK_INT(parse("<domain type='qemu'><name>db</name></domain>", &xml), 0);
    CHECK(xml.uuid == NULL);
    CHECK(!xml.has_guest_agent);
    vmg_domain_xml_clear(&xml);
}

static void test_refuses(const void *data)
{
    expect_invalid("", "empty");
    expect_invalid("<domain><name>x</name>", "truncated");
    expect_invalid("<network><name>x</name></network>", "wrong root");
    expect_invalid("<domain type='kvm'></domain>", "no name");
    expect_invalid("<domain><name>a</name><name>b</name></domain>", "two names");
    expect_invalid("<domain><name>  </name></domain>", "blank name");
    expect_invalid("<domain><name>../../etc/x</name></domain>", "name with slash");
    expect_invalid("<domain><name>.hidden</name></domain>", "name with leading dot");
    expect_invalid("<domain><name>a&#10;b</name></domain>", "name with newline");
    expect_invalid("<domain><name>x</name><uuid>not-a-uuid</uuid></domain>", "bad uuid");
    expect_invalid("<domain><name>x</name><uuid>1111111111111111111111111111111111</uuid>"
                   "</domain>", "long uuid");
}

static void test_files(const void *data)
{
    struct vmg_domain_xml xml;
    char *reason = NULL;

    CHECK_STR(load(TEST_DATA_DIR "/no-such-file.xml", &xml, &reason), "missing");
    CHECK(reason && strstr(reason, "no-such-file.xml"));
    free(reason);
    reason = NULL;

    CHECK_STR(load(TEST_DATA_DIR, &xml, &reason), "invalid");
    free(reason);
    reason = NULL;

    /* Entity bombs and external entities never get expanded. */
    CHECK_STR(load(TEST_DATA_DIR "/vm-billion-laughs.xml", &xml, &reason), "invalid");
    CHECK(reason && (strstr(reason, "DOCTYPE") || strstr(reason, "entity")));
    free(reason);
    reason = NULL;
    CHECK_STR(load(TEST_DATA_DIR "/vm-xxe.xml", &xml, &reason), "invalid");
    free(reason);
    reason = NULL;

    CHECK_STR(load(TEST_DATA_DIR "/vm-new.xml", &xml, &reason), "ok");
    CHECK_STR(xml.name, "vm-new");
    vmg_domain_xml_clear(&xml);
}

static void test_huge(const void *data)
{
    size_t len = VMG_DOMAIN_XML_MAX_SIZE + 64;
    char *big = malloc(len + 1);
    struct vmg_domain_xml xml;
    char *reason = NULL;

    memset(big, ' ', len);
    memcpy(big, "<domain><name>x</name>", 22);
    memcpy(big + len - 9, "</domain>", 9);
    big[len] = '\0';
    CHECK_INT(vmg_domain_xml_parse(big, len, &xml, &reason), -1);
    CHECK(reason && strstr(reason, "larger"));
    free(reason);
    free(big);
}

static void test_empty(const void *data)
{
    struct vmg_domain_xml xml;
    char *reason = NULL;

    CHECK_INT(vmg_domain_xml_parse("", 0, &xml, &reason), -1);
    CHECK(reason && strstr(reason, "empty"));
    free(reason);
}

static void test_uuid(const void *data)
{
    char out[37];

    CHECK_INT(vmg_uuid_canonical("12345678-9abc-def0-1234-56789ABCDEF0", out), 0);
    CHECK_STR(out, "12345678-9abc-def0-1234-56789abcdef0");
    CHECK_INT(vmg_uuid_canonical("12345678", out), -1);
    CHECK_INT(vmg_uuid_canonical("g2345678-9abc-def0-1234-56789abcdef0", out), -1);
}

static const struct unit_case cases[] = {
    { "accepted", test_accepts, NULL },
    { "refused", test_refuses, NULL },
    { "files", test_files, NULL },
    { "huge", test_huge, NULL },
    { "empty", test_empty, NULL },
    { "uuid", test_uuid, NULL },
};

int main(void)
{
    UNIT_RUN(cases);
    return unit_done();
}
