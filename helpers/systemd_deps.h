/* Shutdown ordering on a host that runs systemd, as VirtualDomain sets it up
 * at start and migrate_from: drop-ins for resource-agents-deps.target
 * (which pacemaker.service is ordered after) make a reboot stop Pacemaker,
 * and with it the cluster's VMs, before libvirtd, and pull in
 * virt-guest-shutdown.target:
 *
 *   /run/systemd/system/resource-agents-deps.target.d/
 *       99-VirtualDomain-libvirt.conf     [Unit] After=libvirtd.service
 *       99-VirtualDomain-machines.conf    [Unit] Wants=virt-guest-shutdown.target
 *
 * The same file names as VirtualDomain, so a node running both agents has
 * one set.  Unlike VirtualDomain, the files are written (atomically, mode
 * 0644) and systemd reloaded only when they are not already there as
 * they should be, so a start does not reload systemd every time. */
#ifndef VMG_SYSTEMD_DEPS_H
#define VMG_SYSTEMD_DEPS_H

struct vmg_systemd_host {
    const char *root;           /* "" on a real host; a directory in the tests */
    const char *systemctl;      /* absolute path */
    unsigned timeout_ms;        /* for each systemctl run */
};

/* The real host: root "", systemctl where it is installed. */
void vmg_systemd_host_default(struct vmg_systemd_host *host, unsigned timeout_ms);

/* Nothing when PID 1 is not systemd (root/proc/1/comm).  -1 with *reason
 * when a file or systemctl failed; the caller only logs it. */
int vmg_systemd_deps(const struct vmg_systemd_host *host, char **reason);

#endif
