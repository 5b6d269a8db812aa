/* The floor of the monitor's cost: a process that links libvirt only,
 * initialises it (virGetVersion runs virInitialize, as every libvirt client
 * does) and exits.  bench/startcost.sh and bench/run-all compare the helper
 * with it; issue 16 asks for a monitor within 1.2x of it. */
#include <stddef.h>

#include <libvirt/libvirt.h>

int main(void)
{
    unsigned long version;

    return virGetVersion(&version, NULL, NULL) < 0;
}
