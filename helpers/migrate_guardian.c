/* The migration guardian: a process of its own session that outlives a
 * killed migrate_to and aborts the migration it leaves running, or one
 * still running when Pacemaker's timeout nears (a watchdog stuck in a
 * libvirt call cannot).
 *
 * Two halves.  vmguard-guardian (guardian_main.c, libc only) waits beside
 * every migrate_to: about 1 MiB of RSS, where a second helper costs a whole
 * libvirt client (issue 16: the migrate_to tree was 1.7x VirtualDomain's).
 * Only when it must act does it exec the helper's "migration-guardian"
 * (vmg_migration_guardian below) on the same pipe.  Without the waiter
 * (a build tree without it) the helper itself waits, as before.
 *
 * It aborts only its own migration: the domain's job must be an outgoing
 * migration (VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT).  A backup, a dump or
 * an incoming migration that runs meanwhile is not ours to cancel. */
#include <build-config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "context.h"
#include "domain.h"
#include "guardian.h"
#include "log.h"
#include "migrate.h"
#define VMG_MIGRATE_GUARDIAN_PRIV_H_ALLOW
#include "migrate_guardian_priv.h"
#include "ocf.h"
#include "peer_timeout.h"
#include "virt.h"

/* The helper's own path and the waiter's beside it; *waiter is empty when
 * there is no waiter to run. */
static int guardian_paths(char *helper, size_t hsize, char *waiter, size_t wsize)
{
    ssize_t n = readlink("/proc/self/exe", helper, hsize - 1);
    char *slash;

    waiter[0] = '\0';
    if (n <= 0)
        return -1;
    helper[n] = '\0';
    if ((slash = strrchr(helper, '/')) != NULL &&
        (size_t)snprintf(waiter, wsize, "%.*s/%s", (int)(slash - helper), helper,
                         VMG_GUARDIAN_WAITER) < wsize &&
        access(waiter, X_OK) != 0)
        waiter[0] = '\0';
    return 0;
}

int vmg_guardian_start(long long abort_at_ms)
{
    int fds[2], devnull;
    char fd_text[16], abort_at_text[24], helper[PATH_MAX], waiter[PATH_MAX + 32];
    pid_t pid;

    if (guardian_paths(helper, sizeof(helper), waiter, sizeof(waiter)) < 0) {
        qb_log(LOG_WARNING, "cannot start the migration guardian: no /proc/self/exe");
        return -1;
    }
    if (pipe2(fds, O_CLOEXEC) < 0) {
        qb_log(LOG_WARNING, "cannot create the guardian pipe: %s", strerror(errno));
        return -1;
    }
    snprintf(fd_text, sizeof(fd_text), "%d", fds[0]);
    snprintf(abort_at_text, sizeof(abort_at_text), "%lld", abort_at_ms);
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    pid = fork();
    if (pid == 0) {
        /* Its own session: Pacemaker kills migrate_to's process group on
         * timeout.  No stdio: execd waits for its pipes to close. */
        setsid();
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
        }
        fcntl(fds[0], F_SETFD, 0);
        if (waiter[0])
            execl(waiter, VMG_GUARDIAN_WAITER, fd_text, abort_at_text, helper, (char *)NULL);
        execl(helper, "vmguard", "migration-guardian", fd_text, abort_at_text, (char *)NULL);
        _exit(127);
    }
    if (devnull >= 0)
        close(devnull);
    close(fds[0]);
    if (pid < 0) {
        qb_log(LOG_WARNING, "cannot start the migration guardian: %s", strerror(errno));
        close(fds[1]);
        return -1;
    }
    return fds[1];
}

void vmg_guardian_release(int fd)
{
    if (fd < 0)
        return;
    if (write(fd, "D", 1) != 1)
        qb_log(LOG_WARNING, "cannot release the migration guardian: %s", strerror(errno));
    close(fd);
}

bool vmg_migration_job_is_outgoing(int type, virTypedParameterPtr params, int nparams)
{
    int operation;

    if (type == VIR_DOMAIN_JOB_NONE)
        return false;
    /* libvirt >= 3.3 names the operation of every job; without it, a job
     * cannot be proven ours. */
    if (virTypedParamsGetInt(params, nparams, VIR_DOMAIN_JOB_OPERATION, &operation) != 1)
        return false;
    return operation == VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT;
}

/* Aborts the outgoing migration job of the domain, if one runs; why ends
 * the log line. */
static void abort_migration_job(struct vmg_context *ctx, const char *why)
{
    virTypedParameterPtr params = NULL;
    int type = VIR_DOMAIN_JOB_NONE, nparams = 0;
    enum vmg_health health;
    const char *detail;
    VMG_AUTOPTR(virDomainPtr) dom = NULL;

    if ((dom = vmg_domain_lookup(ctx, &health, &detail)) == NULL)
        return;
    if (virDomainGetJobStats(dom, &type, &params, &nparams, 0) < 0) {
        qb_log(LOG_ERR, "migrate_to of %s %s: cannot read its job: %s", ctx->xml.name, why,
               vmg_virt_error());
        return;
    }
    if (vmg_migration_job_is_outgoing(type, params, nparams)) {
        qb_log(LOG_WARNING, "migrate_to of %s %s: aborting the migration so the VM keeps "
               "running here", ctx->xml.name, why);
        if (virDomainAbortJob(dom) < 0)
            qb_log(LOG_ERR, "cannot abort the migration of %s: %s", ctx->xml.name,
                   vmg_virt_error());
    } else if (type != VIR_DOMAIN_JOB_NONE) {
        qb_log(LOG_NOTICE, "migrate_to of %s %s: the job running is not an outgoing "
               "migration; left alone", ctx->xml.name, why);
    }
    virTypedParamsFree(params, nparams);
}

int vmg_migration_guardian(int fd, long long abort_at_ms)
{
    struct vmg_context ctx;
    enum vmg_guardian_wake wake;
    int rc;

    signal(SIGPIPE, SIG_IGN);
    wake = vmg_guardian_wait(fd, abort_at_ms);
    if (wake == VMG_GUARDIAN_RELEASED) {
        close(fd);
        return OCF_SUCCESS;
    }
    rc = vmg_context_open(&ctx, "migration-guardian", VMG_NEEDS_PARAMS | VMG_NEEDS_LIBVIRT);
    if (wake == VMG_GUARDIAN_OVERDUE) {
        if (rc == OCF_SUCCESS)
            abort_migration_job(&ctx, "is still migrating as Pacemaker's timeout nears");
        wake = vmg_guardian_wait(fd, -1);
    }
    close(fd);
    if (wake == VMG_GUARDIAN_ORPHANED) {
        if (rc == OCF_SUCCESS)
            abort_migration_job(&ctx, "was killed while migrating");
        vmg_peer_guard_recover_env(&ctx.env);
    }
    vmg_context_close(&ctx);
    return rc;
}
