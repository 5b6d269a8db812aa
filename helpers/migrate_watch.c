/* The job watchdog of a live migration.
 *
 * virDomainMigrateToURI3 blocks until libvirt is done, so it runs in a
 * thread while this one reads the job statistics: it logs progress, raises
 * the max downtime step by step or switches to post-copy when pre-copy stops
 * converging, and aborts the job before Pacemaker's timeout, so the VM keeps
 * running on the source instead of being killed with its migration. */
#include <build-config.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "log.h"
#include "migrate.h"
#define VMG_MIGRATE_WATCH_PRIV_H_ALLOW
#include "migrate_watch_priv.h"
#include "util.h"
#include "virt.h"

#define POLL_MS 500
/* What the caller keeps after giving up on a migration libvirt does not
 * end, to report it: before the restore's reserve. */
#define GIVE_UP_MARGIN_MS 2000
#define PROGRESS_LOG_MS 5000
/* Kept before Pacemaker's timeout for the abort and the report. */
#define ABORT_MARGIN_MIN_MS 5000
#define ABORT_MARGIN_MAX_MS 30000
/* An iteration that leaves more than this share of the previous one's
 * remaining data did not make progress. */
#define STALL_RATIO 0.9
/* Stalled iterations before the watchdog escalates, and, once nothing is
 * left to escalate, before it gives up. */
#define STALLS_BEFORE_ESCALATION 2
#define STALLS_BEFORE_GIVING_UP 4
/* Past the limit by this factor after a stalled iteration, the downtime
 * estimate is not noise: give up at once unless post-copy is left. */
#define HOPELESS_FACTOR 2
#define MIB (1024ULL * 1024ULL)

/* Each thread's state is shared with the caller and freed by whoever lets
 * go last: when libvirt does not answer, the caller gives up on the
 * threads before Pacemaker's timeout and leaves them behind. */
struct migration_thread {
    atomic_int refs;
    virDomainPtr dom;           /* its own reference */
    const char *daemon_uri;
    virTypedParameterPtr params;
    int nparams;
    unsigned int flags;
    atomic_bool done;
    int done_fd;                        /* eventfd: wakes the watchdog at the end */
    int rc;
    char *error;
};

struct watch_state {
    unsigned long long iteration;
    unsigned long long remaining_at_iteration;
    unsigned long long downtime_ms;     /* current max downtime, 0 = QEMU's */
    unsigned stalls;
    long long next_progress_ms;         /* monotonic */
    bool postcopy;
    long long timeout_at_ms;            /* migrate_options --timeout; 0: none */
    char verdict[192];                  /* why the watchdog gives up */
    atomic_int *decision;               /* the watcher's, shared with the waiting thread */
};

/* The watchdog's switch to post-copy and an abort exclude each other,
 * whichever thread decides first: libvirt may return from the switch after
 * the waiting thread's abort time (4 s late under ASan in the lab), and an
 * abort issued then fails the post-copy the watchdog chose, so the guest
 * moves cold; a post-copy under way is never aborted. */
enum { DECIDED_NOTHING, DECIDED_POSTCOPY, DECIDED_ABORT };

int (*vmg_migration_perform)(virDomainPtr dom, const char *dconnuri,
                             virTypedParameterPtr params, unsigned int nparams,
                             unsigned int flags) = virDomainMigrateToURI3;
int (*vmg_migration_job_stats)(virDomainPtr dom, int *type, virTypedParameterPtr *params,
                               int *nparams, unsigned int flags) = virDomainGetJobStats;
int (*vmg_migration_abort)(virDomainPtr dom) = virDomainAbortJob;
int (*vmg_migration_start_postcopy)(virDomainPtr dom,
                                    unsigned int flags) = virDomainMigrateStartPostCopy;

static volatile sig_atomic_t termination_requested;

static void on_termination(int signo)
{
    termination_requested = 1;
}

static void migration_thread_free(struct migration_thread *t)
{
    if (t->done_fd >= 0)
        close(t->done_fd);
    if (t->dom)
        virDomainFree(t->dom);
    free(t->error);
    free(t);
}

static void migration_thread_unref(struct migration_thread *t)
{
    if (atomic_fetch_sub(&t->refs, 1) == 1)
        migration_thread_free(t);
}

static void *migration_thread_main(void *opaque)
{
    struct migration_thread *t = opaque;

    t->rc = vmg_migration_perform(t->dom, t->daemon_uri, t->params, (unsigned int)t->nparams,
                                  t->flags);
    if (t->rc < 0)
        vmg_error_set(&t->error, "%s", vmg_virt_error());  /* libvirt's are per thread */
    atomic_store(&t->done, true);
    if (write(t->done_fd, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0 && t->error == NULL)
        vmg_error_set(&t->error, "cannot report the end of the migration");
    migration_thread_unref(t);
    return NULL;
}

long long vmg_migration_abort_margin_ms(const struct vmg_context *ctx)
{
    long long margin = (long long)ctx->env.timeout_ms / 10;

    if (margin < ABORT_MARGIN_MIN_MS)
        margin = ABORT_MARGIN_MIN_MS;
    if (margin > ABORT_MARGIN_MAX_MS)
        margin = ABORT_MARGIN_MAX_MS;
    return margin;
}

static unsigned long long stat_ull(virTypedParameterPtr params, int n, const char *name)
{
    unsigned long long value = 0;

    virTypedParamsGetULLong(params, n, name, &value);
    return value;
}

static void log_progress(struct vmg_context *ctx, virTypedParameterPtr stats, int n)
{
    int throttle = 0;

    virTypedParamsGetInt(stats, n, VIR_DOMAIN_JOB_AUTO_CONVERGE_THROTTLE, &throttle);
    qb_log(LOG_INFO, "migrating %s: %llu s, iteration %llu, %llu of %llu MiB left, "
           "dirty %llu pages/s, %llu MiB/s, expected downtime %llu ms, CPU throttle %d%%",
           ctx->xml.name, stat_ull(stats, n, VIR_DOMAIN_JOB_TIME_ELAPSED) / 1000,
           stat_ull(stats, n, VIR_DOMAIN_JOB_MEMORY_ITERATION),
           stat_ull(stats, n, VIR_DOMAIN_JOB_DATA_REMAINING) / MIB,
           stat_ull(stats, n, VIR_DOMAIN_JOB_DATA_TOTAL) / MIB,
           stat_ull(stats, n, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE),
           stat_ull(stats, n, VIR_DOMAIN_JOB_MEMORY_BPS) / MIB,
           stat_ull(stats, n, VIR_DOMAIN_JOB_DOWNTIME), throttle);
}

static void set_downtime(struct vmg_context *ctx, virDomainPtr dom, struct watch_state *w,
                         unsigned long long ms)
{
    if (virDomainMigrateSetMaxDowntime(dom, ms, 0) < 0) {
        qb_log(LOG_WARNING, "cannot set the max downtime of %s to %llu ms: %s",
               ctx->xml.name, ms, vmg_virt_error());
        return;
    }
    w->downtime_ms = ms;
    qb_log(LOG_INFO, "max downtime of %s set to %llu ms", ctx->xml.name, ms);
}

static bool start_postcopy(struct vmg_context *ctx, virDomainPtr dom, struct watch_state *w,
                           const char *why)
{
    int nothing = DECIDED_NOTHING;

    if (!atomic_compare_exchange_strong(w->decision, &nothing, DECIDED_POSTCOPY))
        return false;           /* the waiting thread aborts the migration */
    if (vmg_migration_start_postcopy(dom, 0) < 0) {
        qb_log(LOG_WARNING, "cannot switch %s to post-copy: %s", ctx->xml.name,
               vmg_virt_error());
        atomic_store(w->decision, DECIDED_NOTHING);
        return false;
    }
    w->postcopy = true;
    qb_log(LOG_NOTICE, "%s %s: switched to post-copy", ctx->xml.name, why);
    return true;
}

/* The pause QEMU would need to send what is left at the rate it achieves;
 * 0 when the rate is not known yet. */
static unsigned long long needed_downtime_ms(virTypedParameterPtr stats, int n)
{
    unsigned long long bps = stat_ull(stats, n, VIR_DOMAIN_JOB_MEMORY_BPS);
    unsigned long long remaining = stat_ull(stats, n, VIR_DOMAIN_JOB_DATA_REMAINING);

    return bps ? remaining / bps * 1000 + remaining % bps * 1000 / bps : 0;
}

/* Post-copy pulls pages on demand, each fault a round trip: measured rates
 * are a floor, so the estimate doubles the pre-copy time and adds the
 * switch-over itself. */
#define POSTCOPY_RATE_FACTOR 2
#define POSTCOPY_SWITCH_MS 2000

bool vmg_postcopy_fits(unsigned long long remaining, unsigned long long bps, long long left_ms)
{
    unsigned long long need_ms;

    if (bps == 0 || left_ms <= 0)
        return false;
    need_ms = remaining / bps * 1000 + remaining % bps * 1000 / bps;
    return need_ms * POSTCOPY_RATE_FACTOR + POSTCOPY_SWITCH_MS <= (unsigned long long)left_ms;
}

/* A pre-copy measured at this share of its cap or above is held back by
 * the cap, not by the link.  QEMU's rate of a pass hovers around the cap
 * (the bench's 5 MiB/s cap: 4 to 5 MiB/s). */
#define CAP_BOUND_RATIO 0.8

unsigned long long vmg_postcopy_rate(unsigned long long measured_bps,
                                     unsigned long long precopy_cap_mib,
                                     unsigned long long postcopy_mib)
{
    unsigned long long postcopy_bps = postcopy_mib * MIB;

    if (postcopy_mib == 0 || measured_bps == 0)
        return measured_bps;
    if (precopy_cap_mib && measured_bps >= (double)(precopy_cap_mib * MIB) * CAP_BOUND_RATIO)
        return postcopy_bps;
    return measured_bps < postcopy_bps ? measured_bps : postcopy_bps;
}

/* The time a post-copy may take: up to the watchdog's own margin. */
static bool postcopy_in_time(struct vmg_context *ctx, const struct vmg_migrate_config *cfg,
                             virTypedParameterPtr stats, int n, long long margin)
{
    unsigned long long remaining = stat_ull(stats, n, VIR_DOMAIN_JOB_DATA_REMAINING);
    unsigned long long measured = stat_ull(stats, n, VIR_DOMAIN_JOB_MEMORY_BPS);
    unsigned long long cap = cfg->bandwidth ? cfg->bandwidth : cfg->speed;
    unsigned long long bps = vmg_postcopy_rate(measured, cap, cfg->postcopy_bandwidth);
    long long left = vmg_ms_left(ctx) - margin;

    if (vmg_postcopy_fits(remaining, bps, left))
        return true;
    qb_log(LOG_NOTICE, "%s: post-copy of %llu MiB at %llu MiB/s would not end in the %lld ms "
           "left: staying in pre-copy, which can still be aborted%s", ctx->xml.name,
           remaining / MIB, bps / MIB, left > 0 ? left : 0,
           cfg->postcopy_bandwidth ? "" : " (the rate measured in pre-copy, held to any "
           "migration_bandwidth cap that post-copy does not keep; migration_postcopy_bandwidth "
           "lets the estimate count on the link)");
    return false;
}

/* Post-copy is still to try: allowed, not yet on, and it would finish. */
static bool postcopy_left(struct vmg_context *ctx, const struct vmg_migrate_config *cfg,
                          const struct watch_state *w, virTypedParameterPtr stats, int n,
                          long long margin)
{
    return !w->postcopy && strcmp(cfg->postcopy, "auto") == 0 &&
           postcopy_in_time(ctx, cfg, stats, n, margin);
}

/* One step of escalation; false when nothing is left to try.  Goes straight
 * to the downtime the remaining data needs (with a quarter more), doubling
 * when that is not known. */
static bool escalate(struct vmg_context *ctx, const struct vmg_migrate_config *cfg,
                     virDomainPtr dom, struct watch_state *w, unsigned long long needed,
                     bool postcopy)
{
    unsigned long long current = w->downtime_ms ? w->downtime_ms : 300, next;

    if (postcopy && start_postcopy(ctx, dom, w, "does not converge"))
        return true;
    if (current >= cfg->downtime_limit)
        return false;
    next = needed > current ? needed + needed / 4 : current * 2;
    if (next > cfg->downtime_limit)
        next = cfg->downtime_limit;
    qb_log(LOG_NOTICE, "%s does not converge: raising max downtime from %llu to %llu ms",
           ctx->xml.name, current, next);
    set_downtime(ctx, dom, w, next);
    return w->downtime_ms == next;
}

/* Counts iterations that leave nearly as much to send as the one before;
 * true when a new iteration began since the last poll. */
static bool track_convergence(virTypedParameterPtr stats, int n, struct watch_state *w)
{
    unsigned long long iteration = stat_ull(stats, n, VIR_DOMAIN_JOB_MEMORY_ITERATION);
    unsigned long long remaining = stat_ull(stats, n, VIR_DOMAIN_JOB_DATA_REMAINING);

    if (iteration <= w->iteration)
        return false;
    if (w->iteration >= 1 && remaining > w->remaining_at_iteration * STALL_RATIO)
        w->stalls++;
    else if (remaining < w->remaining_at_iteration * STALL_RATIO)
        w->stalls = 0;
    w->iteration = iteration;
    w->remaining_at_iteration = remaining;
    return true;
}

/* virsh migrate --timeout: past it, switch to post-copy or suspend the
 * guest so the rest is sent while it does not dirty memory (the target
 * resumes it), as virsh does. */
static void act_on_timeout(struct vmg_context *ctx, const struct vmg_migrate_config *cfg,
                           virDomainPtr dom, struct watch_state *w)
{
    w->timeout_at_ms = 0;
    if (cfg->timeout_postcopy) {
        start_postcopy(ctx, dom, w, "reached the --timeout of migrate_options");
    } else if (virDomainSuspend(dom) < 0) {
        qb_log(LOG_WARNING, "cannot suspend %s at the --timeout of migrate_options: %s",
               ctx->xml.name, vmg_virt_error());
    } else {
        qb_log(LOG_NOTICE, "%s reached the --timeout of migrate_options: suspended, the "
               "migration completes offline", ctx->xml.name);
    }
}

/* libvirt's job statistics, released at the end of the scope. */
struct job_stats {
    virTypedParameterPtr params;
    int n;
};

static void job_stats_clear(struct job_stats *js)
{
    virTypedParamsFree(js->params, js->n);
}

/* Returns a reason to abort now, or NULL to keep going. */
static const char *watch_once(struct vmg_context *ctx, const struct vmg_migrate_config *cfg,
                              virDomainPtr dom, struct watch_state *w, long long margin)
{
    VMG_SCOPED(job_stats_clear) struct job_stats js = { NULL, 0 };
    int type = VIR_DOMAIN_JOB_NONE;
    unsigned long long needed;
    bool new_iteration, postcopy;

    if (termination_requested)
        return "the helper was asked to terminate";
    /* A post-copy cannot be aborted: it was only started if it fits. */
    if (!w->postcopy && vmg_ms_left(ctx) <= margin)
        return "it would not finish before Pacemaker's timeout";
    if (vmg_migration_job_stats(dom, &type, &js.params, &js.n, 0) < 0 ||
        type == VIR_DOMAIN_JOB_NONE)
        return NULL;        /* not started yet, or just finished */

    if (vmg_now_ms() >= w->next_progress_ms) {
        log_progress(ctx, js.params, js.n);
        w->next_progress_ms = vmg_now_ms() + PROGRESS_LOG_MS;
    }
    if (w->postcopy)
        return NULL;        /* post-copy always completes: never abort it */
    if (w->timeout_at_ms && vmg_now_ms() >= w->timeout_at_ms) {
        act_on_timeout(ctx, cfg, dom, w);
        return NULL;
    }
    new_iteration = track_convergence(js.params, js.n, w);
    if (strcmp(cfg->postcopy, "always") == 0 && w->iteration >= 2 &&
        postcopy_in_time(ctx, cfg, js.params, js.n, margin) &&
        start_postcopy(ctx, dom, w, "finished its first pre-copy pass"))
        return NULL;
    /* Decided as an iteration begins: what is left then is what the
     * switch-over would have to send; later in the pass it is less. */
    if (!new_iteration || w->stalls == 0)
        return NULL;
    needed = needed_downtime_ms(js.params, js.n);
    postcopy = postcopy_left(ctx, cfg, w, js.params, js.n, margin);
    if (needed > cfg->downtime_limit * HOPELESS_FACTOR && !postcopy) {
        /* Waiting for Pacemaker's timeout would only delay the cold move. */
        snprintf(w->verdict, sizeof(w->verdict), "it does not converge: what is left needs "
                 "about %llu ms of downtime, far above migration_downtime_limit (%llu ms)",
                 needed, cfg->downtime_limit);
        return w->verdict;
    }
    if (w->stalls >= STALLS_BEFORE_ESCALATION && escalate(ctx, cfg, dom, w, needed, postcopy)) {
        w->stalls = 0;
        return NULL;
    }
    if (w->stalls >= STALLS_BEFORE_GIVING_UP)
        return "it does not converge and the downtime limit is reached";
    return NULL;
}

static void collect_stats(virDomainPtr dom, virConnectPtr dconn,
                          struct vmg_migration_result *result)
{
    virTypedParameterPtr stats = NULL;
    virDomainPtr remote = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    int type, n = 0;

    /* The source keeps them while the domain object lives; a transient
     * domain is gone after success, but the target has them too. */
    if (virDomainGetJobStats(dom, &type, &stats, &n, VIR_DOMAIN_JOB_STATS_COMPLETED) < 0 ||
        n == 0) {
        virTypedParamsFree(stats, n);
        stats = NULL;
        n = 0;
        if (dconn && virDomainGetUUID(dom, uuid) == 0 &&
            (remote = virDomainLookupByUUID(dconn, uuid)) != NULL &&
            virDomainGetJobStats(remote, &type, &stats, &n, VIR_DOMAIN_JOB_STATS_COMPLETED) < 0)
            n = 0;
    }
    if (n > 0) {
        result->stats_known = true;
        result->elapsed_ms = stat_ull(stats, n, VIR_DOMAIN_JOB_TIME_ELAPSED);
        result->downtime_ms = stat_ull(stats, n, VIR_DOMAIN_JOB_DOWNTIME);
        result->data_mib = stat_ull(stats, n, VIR_DOMAIN_JOB_DATA_PROCESSED) / MIB;
    }
    virTypedParamsFree(stats, n);
    if (remote)
        virDomainFree(remote);
}

/* The watchdog in a thread of its own: its libvirt calls (job statistics,
 * downtime, abort) need QEMU's monitor, which a QEMU stuck in the last
 * pass of a migration over a cut link does not answer (the lab's fast link
 * cut: nothing logged after the first progress line, migrate_to killed by
 * Pacemaker's timeout).  It works on copies of what it reads, so that it
 * can be left behind. */
struct watcher {
    atomic_int refs;
    atomic_bool stop;
    struct vmg_context ctx;             /* a copy: the name and the deadline */
    struct vmg_migrate_config cfg;      /* a copy: postcopy and the downtimes */
    virDomainPtr dom;                   /* its own reference */
    long long margin;
    struct watch_state w;
    atomic_int decision;                /* DECIDED_*: w.decision points here */
    _Atomic(const char *) abort_reason; /* set once, points into w or is static */
    atomic_bool postcopy;
};

static void watcher_free(struct watcher *wa)
{
    if (wa->dom)
        virDomainFree(wa->dom);
    free(wa->ctx.xml.name);
    free(wa->cfg.postcopy);
    free(wa);
}

static void watcher_unref(struct watcher *wa)
{
    if (atomic_fetch_sub(&wa->refs, 1) == 1)
        watcher_free(wa);
}

/* The abort is issued once, by the first thread to decide it, and never
 * once the watchdog is switching to post-copy. */
static bool claim_abort(struct watcher *wa, const char *reason)
{
    int nothing = DECIDED_NOTHING;

    if (!atomic_compare_exchange_strong(&wa->decision, &nothing, DECIDED_ABORT))
        return false;
    atomic_store(&wa->abort_reason, reason);
    return true;
}

static int abort_job(virDomainPtr dom, unsigned int flags)
{
    return vmg_migration_abort(dom);
}

/* The watchdog's time limit, kept by the waiting thread: the watchdog's
 * own calls may be the ones that block.  With the fast link cut before
 * QEMU's stream was connected, libvirtd holds the job while its connect()
 * retries (16 s in the lab before "No route to host"; over a minute where
 * the SYNs are only dropped), and the job-statistics call waits for it.
 * The abort waits for libvirt at most until until_ms. */
static void abort_in_time(struct watcher *wa, long long until_ms)
{
    static const char reason[] = "it would not finish before Pacemaker's timeout";
    VMG_AUTOFREE(char *) why = NULL;
    int code;

    if (!claim_abort(wa, reason)) {
        if (atomic_load(&wa->decision) == DECIDED_POSTCOPY)
            qb_log(LOG_INFO, "%s is switching to post-copy, which cannot be aborted: "
                   "waiting for it to end", wa->ctx.xml.name);
        return;         /* or the watchdog's own abort is issued already */
    }
    qb_log(LOG_WARNING, "aborting the migration of %s: %s (the watchdog itself is waiting "
           "for libvirt)", wa->ctx.xml.name, reason);
    if (vmg_virt_domain_call_bounded(abort_job, wa->dom, 0, until_ms - vmg_now_ms(), &code,
                                     &why) < 0)
        qb_log(LOG_ERR, "cannot abort the migration of %s: %s", wa->ctx.xml.name, why);
}

static void *watcher_main(void *opaque)
{
    struct watcher *wa = opaque;
    const char *reason;

    while (!atomic_load(&wa->stop)) {
        vmg_sleep_ms(POLL_MS);
        if (atomic_load(&wa->stop) || atomic_load(&wa->decision) == DECIDED_ABORT)
            continue;
        reason = watch_once(&wa->ctx, &wa->cfg, wa->dom, &wa->w, wa->margin);
        atomic_store(&wa->postcopy, wa->w.postcopy);
        if (reason == NULL || atomic_load(&wa->stop))
            continue;
        if (!claim_abort(wa, reason))
            continue;           /* the waiting thread was first */
        qb_log(LOG_WARNING, "aborting the migration of %s: %s", wa->ctx.xml.name, reason);
        if (vmg_migration_abort(wa->dom) < 0)
            qb_log(LOG_ERR, "cannot abort the migration of %s: %s", wa->ctx.xml.name,
                   vmg_virt_error());
    }
    watcher_unref(wa);
    return NULL;
}

static struct watcher *watcher_new(const struct vmg_context *ctx,
                                   const struct vmg_migrate_config *cfg, virDomainPtr dom,
                                   long long margin)
{
    struct watcher *wa = calloc(1, sizeof(*wa));

    if (wa == NULL)
        return NULL;
    atomic_init(&wa->refs, 2);
    wa->ctx.deadline_ms = ctx->deadline_ms;
    wa->ctx.xml.name = strdup(ctx->xml.name);
    wa->cfg = *cfg;             /* scalars; the one string read is copied below */
    wa->cfg.postcopy = strdup(cfg->postcopy);
    wa->margin = margin;
    if (wa->ctx.xml.name == NULL || wa->cfg.postcopy == NULL || virDomainRef(dom) < 0) {
        free(wa->ctx.xml.name);
        free(wa->cfg.postcopy);
        free(wa);
        return NULL;
    }
    wa->dom = dom;
    atomic_init(&wa->decision, DECIDED_NOTHING);
    wa->w.decision = &wa->decision;
    if (cfg->timeout_s)
        wa->w.timeout_at_ms = vmg_now_ms() + (long long)cfg->timeout_s * 1000;
    return wa;
}

/* Waits for the migration thread until deadline_ms; false when it is
 * still running then. */
static bool wait_migration(const struct migration_thread *t, long long deadline_ms)
{
    struct pollfd end = { .fd = t->done_fd, .events = POLLIN };
    long long left;

    while (!atomic_load(&t->done) && (left = deadline_ms - vmg_now_ms()) > 0)
        poll(&end, 1, left > POLL_MS ? POLL_MS : (int)left);
    return atomic_load(&t->done);
}

/* The migration and watchdog threads, started; NULL after a reason. */
static struct migration_thread *start_threads(struct migration_thread *t, struct watcher *wa,
                                              struct vmg_migration_result *result)
{
    pthread_t thread;

    if (t == NULL || wa == NULL || (t->done_fd = eventfd(0, EFD_CLOEXEC)) < 0 ||
        pthread_create(&thread, NULL, migration_thread_main, t) != 0) {
        vmg_error_set(&result->error, "cannot start the migration thread");
        return NULL;
    }
    pthread_detach(thread);
    if (pthread_create(&thread, NULL, watcher_main, wa) != 0) {
        /* Unwatched, it still ends before the guardian's abort time. */
        qb_log(LOG_ERR, "cannot start the migration watchdog: %s", strerror(errno));
        atomic_fetch_sub(&wa->refs, 1);
    } else {
        pthread_detach(thread);
    }
    return t;
}

void vmg_migration_run(struct vmg_context *ctx, const struct vmg_migrate_config *cfg,
                       virDomainPtr dom, virConnectPtr dconn, const char *daemon_uri,
                       virTypedParameterPtr params, int nparams, unsigned int flags,
                       long long reserve_ms, struct vmg_migration_result *result)
{
    struct migration_thread *t = calloc(1, sizeof(*t));
    struct sigaction action = { .sa_handler = on_termination }, old_term;
    long long margin = vmg_migration_abort_margin_ms(ctx) + reserve_ms;
    /* After the watchdog's abort, before the reserve: its own last word. */
    long long give_up_at = vmg_now_ms() + vmg_ms_left(ctx) - reserve_ms - GIVE_UP_MARGIN_MS;
    /* The watchdog's own limit, two polls later: it acts first when it can. */
    long long abort_at = vmg_now_ms() + vmg_ms_left(ctx) - margin + 2LL * POLL_MS;
    struct watcher *wa = watcher_new(ctx, cfg, dom, margin);
    const char *abort_reason;

    memset(result, 0, sizeof(*result));
    if (t) {
        *t = (struct migration_thread){ .dom = dom, .daemon_uri = daemon_uri,
                                        .params = params, .nparams = nparams, .flags = flags,
                                        .done_fd = -1 };
        atomic_init(&t->refs, 2);
        t->dom = virDomainRef(dom) == 0 ? dom : NULL;
    }
    /* Before the start: a short migration may end before the first poll. */
    if (wa && (cfg->max_downtime || cfg->downtime))
        set_downtime(ctx, dom, &wa->w, cfg->max_downtime ? cfg->max_downtime : cfg->downtime);
    sigaction(SIGTERM, &action, &old_term);
    if (t == NULL || t->dom == NULL || start_threads(t, wa, result) == NULL) {
        /* No thread started: what they would have shared is the caller's. */
        if (t)
            migration_thread_free(t);
        if (wa)
            watcher_free(wa);
        if (result->error == NULL)
            vmg_error_set(&result->error, "cannot start the migration thread");
        sigaction(SIGTERM, &old_term, NULL);
        return;
    }
    if (!wait_migration(t, abort_at) && atomic_load(&wa->decision) != DECIDED_ABORT)
        abort_in_time(wa, give_up_at);
    if (!wait_migration(t, give_up_at)) {
        /* Left behind: the process ends soon, the guardian aborts later. */
        atomic_store(&wa->stop, true);
        vmg_error_set(&result->error, "libvirt did not end the migration before Pacemaker's "
                      "timeout (QEMU or libvirtd does not answer); the VM may be paused here");
        result->switched_to_postcopy = atomic_load(&wa->postcopy);
        qb_log(LOG_ERR, "giving up on the migration of %s: %s", ctx->xml.name, result->error);
        migration_thread_unref(t);
        watcher_unref(wa);
        sigaction(SIGTERM, &old_term, NULL);
        return;
    }
    atomic_store(&wa->stop, true);
    abort_reason = atomic_load(&wa->abort_reason);
    result->switched_to_postcopy = atomic_load(&wa->postcopy);
    result->succeeded = t->rc == 0;
    if (result->succeeded) {
        collect_stats(dom, dconn, result);
    } else if (abort_reason) {
        result->aborted_by_watchdog = true;
        vmg_error_set(&result->error, "%s", abort_reason);
    } else {
        result->error = t->error;
        t->error = NULL;
    }
    migration_thread_unref(t);
    watcher_unref(wa);
    sigaction(SIGTERM, &old_term, NULL);
}

void vmg_migration_result_clear(struct vmg_migration_result *result)
{
    free(result->error);
    memset(result, 0, sizeof(*result));
}
