/* `vmguard peer-timeout ...`: what a peer's helper runs on this node (raise,
 * restore), and what an administrator or a test runs by hand (query,
 * recover, guard).  An entry point of main.c: OCF codes. */
#include <build-config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ocf.h"
#include "peer_timeout_int.h"
#include "util.h"

struct cli_args {
    const char *holder;
    unsigned long long lease_s, pause_ms, margin_ms, max_ms, hold_s;
    const char *clusters;
    const char *state_dir, *guest_helper;   /* keep */
    bool llt_required, llttab, have_pause;
};

static void cli_usage(void)
{
    fprintf(stderr,
            "usage: vmguard peer-timeout raise --holder ID --lease SECONDS --pause-ms MS\n"
            "                 [--margin-ms MS] [--max-ms MS] --clusters corosync,llt\n"
            "                 [--llt-required] [--llttab]\n"
            "       vmguard peer-timeout restore --holder ID\n"
            "       vmguard peer-timeout recover        (parameters from OCF_RESKEY_*)\n"
            "       vmguard peer-timeout query\n"
            "       vmguard peer-timeout guard --pause-ms MS [--hold SECONDS]\n"
            "                 (raise as migrate_to would, with OCF_RESKEY_* parameters; hold\n"
            "                  until SIGTERM/SIGINT or SECONDS, then restore)\n"
            "       vmguard peer-timeout keep --state-dir DIR [--guest-helper PATH] [--llttab]\n"
            "                 (the keeper a raise starts detached; runs until nothing is raised)\n");
}

static bool cli_number(const char *text, unsigned long long *value)
{
    char *end;

    if (text == NULL || *text < '0' || *text > '9')
        return false;
    errno = 0;
    *value = strtoull(text, &end, 10);
    return errno == 0 && *end == '\0';
}

static int cli_parse(int argc, char **argv, struct cli_args *a)
{
    int i;

    memset(a, 0, sizeof(*a));
    a->margin_ms = 5000;
    a->max_ms = 60000;
    for (i = 1; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;

        if (strcmp(opt, "--llt-required") == 0)
            a->llt_required = true;
        else if (strcmp(opt, "--llttab") == 0)
            a->llttab = true;
        else if (strcmp(opt, "--holder") == 0 && val)
            a->holder = val, i++;
        else if (strcmp(opt, "--clusters") == 0 && val)
            a->clusters = val, i++;
        else if (strcmp(opt, "--state-dir") == 0 && val && val[0] == '/')
            a->state_dir = val, i++;
        else if (strcmp(opt, "--guest-helper") == 0 && val && val[0] == '/')
            a->guest_helper = val, i++;
        else if (strcmp(opt, "--lease") == 0)
            ok = cli_number(val, &a->lease_s), i++;
        else if (strcmp(opt, "--pause-ms") == 0)
            ok = a->have_pause = cli_number(val, &a->pause_ms), i++;
        else if (strcmp(opt, "--margin-ms") == 0)
            ok = cli_number(val, &a->margin_ms), i++;
        else if (strcmp(opt, "--max-ms") == 0)
            ok = cli_number(val, &a->max_ms), i++;
        else if (strcmp(opt, "--hold") == 0)
            ok = cli_number(val, &a->hold_s), i++;
        else
            ok = false;
        if (!ok) {
            fprintf(stderr, "vmguard peer-timeout: bad or incomplete option '%s'\n", opt);
            return -1;
        }
    }
    if (a->holder && (!vmg_pt_safe_word(a->holder) || strlen(a->holder) >= VMG_PT_ID_MAX)) {
        fprintf(stderr, "vmguard peer-timeout: bad holder id\n");
        return -1;
    }
    return 0;
}

/* A peer asked us (ssh or guest agent) to raise this node for its holder. */
static int cli_raise(const struct vmg_env *env, const struct cli_args *a)
{
    struct vmg_pt_request req = { 0 };
    struct vmg_pt_holder holder = { .pid = 0 };
    VMG_AUTOFREE(char *) summary = NULL;
    VMG_AUTOFREE(char *) why = NULL;

    if (!a->holder || !a->lease_s || !a->have_pause || !a->clusters ||
        vmg_pt_parse_clusters(a->clusters, &req.clusters, &why) < 0 || a->max_ms < 1000 ||
        a->max_ms > 300000) {
        cli_usage();
        return OCF_ERR_ARGS;
    }
    req.pause_ms = a->pause_ms;
    req.margin_ms = a->margin_ms;
    req.max_ms = a->max_ms;
    req.llt_required = a->llt_required;
    req.llttab = a->llttab;
    req.keeper = true;
    snprintf(holder.id, sizeof(holder.id), "%s", a->holder);
    holder.expires = vmg_pt_lease_end(a->lease_s);
    if (vmg_pt_local_raise(env->state_dir, &req, &holder, &summary, &why) < 0) {
        qb_log(LOG_ERR, "cannot raise the peer timeouts for %s: %s", a->holder, why);
        printf("failed: %s\n", why);
        return OCF_ERR_GENERIC;
    }
    /* One line: the requester logs the last line of our output. */
    for (char *p = summary; p && *p; p++)
        if (*p == '\n')
            *p = ';';
    printf("%s in force for %s until restored or %llu s\n",
           summary && *summary ? summary : "nothing to raise;", a->holder, a->lease_s);
    return OCF_SUCCESS;
}

static int cli_restore(const struct vmg_env *env, const struct cli_args *a)
{
    VMG_AUTOFREE(char *) why = NULL;

    if (!a->holder) {
        cli_usage();
        return OCF_ERR_ARGS;
    }
    if (vmg_pt_local_release(env->state_dir, a->holder, &why) < 0) {
        printf("failed: %s\n", why);
        return OCF_ERR_GENERIC;
    }
    printf("released %s\n", a->holder);
    return OCF_SUCCESS;
}

static int cli_query(const struct vmg_env *env)
{
    VMG_AUTOFREE(struct vmg_pt_state *) st = NULL;
    VMG_AUTOFREE(char *) why = NULL;
    size_t i;
    int k;

    if ((st = calloc(1, sizeof(*st))) == NULL)
        return OCF_ERR_GENERIC;
    for (k = 0; k < VMG_PT_T_COUNT; k++)
        if (vmg_pt_backend(k)->describe)
            vmg_pt_backend(k)->describe();
    if (vmg_pt_state_load(env->state_dir, st, &why) < 0)
        printf("state unreadable: %s\n", why);
    for (k = 0; k < VMG_PT_T_COUNT; k++)
        if (st->t[k].active)
            printf("target %s saved=%s%llu raised=%llu\n", vmg_pt_backend(k)->name,
                   st->t[k].saved_present ? "" : "absent/", st->t[k].saved, st->t[k].raised);
    for (i = 0; i < st->nh; i++)
        printf("holder %s %s\n", st->h[i].id, vmg_pt_holder_alive(&st->h[i]) ? "alive" : "dead");
    for (i = 0; i < st->nr; i++)
        printf("remote %s %s\n", st->r[i].holder, st->r[i].member);
    return OCF_SUCCESS;
}

static int load_config(struct vmg_peer_config *cfg, struct vmg_env *env)
{
    VMG_AUTOFREE(char *) why = NULL;

    memset(cfg, 0, sizeof(*cfg));
    if (vmg_env_load(env, &why) < 0 ||
        vmg_params_load(vmg_peer_params, vmg_peer_params_count, cfg, &why) < 0) {
        ocf_exit_reason("%s", why);
        return -1;
    }
    return 0;
}

/* What migrate_to does around the migration, for an administrator's planned
 * pause and for the end-to-end test: raise, hold, restore. */
static int cli_guard(const struct cli_args *a)
{
    struct vmg_peer_config cfg;
    struct vmg_env env;
    struct vmg_peer_guard *guard = NULL;
    struct timespec hold = { (time_t)a->hold_s, 0 };
    VMG_AUTOFREE(char *) why = NULL;
    sigset_t stop;
    int rc = OCF_ERR_GENERIC;

    if (!a->have_pause) {
        cli_usage();
        return OCF_ERR_ARGS;
    }
    if (load_config(&cfg, &env) < 0)
        return OCF_ERR_CONFIGURED;
    /* A stop request during the raise is served after it, by the restore. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigprocmask(SIG_BLOCK, &stop, NULL);
    if (vmg_peer_guard_raise(&cfg, &env, a->pause_ms, NULL, &guard, &why) < 0) {
        ocf_exit_reason("peer timeouts not raised: %s", why);
    } else {
        printf("in force pid=%ld%s\n", (long)getpid(), guard ? "" : " (nothing configured)");
        fflush(stdout);
        if (a->hold_s)
            sigtimedwait(&stop, NULL, &hold);
        else
            sigwaitinfo(&stop, NULL);
        rc = vmg_peer_guard_restore(guard, NULL) < 0 ? OCF_ERR_GENERIC : OCF_SUCCESS;
        printf("restored\n");
    }
    vmg_params_free(vmg_peer_params, vmg_peer_params_count, &cfg);
    return rc;
}

/* Everything at once, remote members included, and then the keeper for
 * whatever could not be restored yet: what an administrator runs by hand. */
static int cli_recover(const struct vmg_peer_config *cfg, const struct vmg_env *env)
{
    const char *helper = cfg->guest_helper ? cfg->guest_helper : VMG_PT_DEFAULT_GUEST_HELPER;
    VMG_AUTOFREE(char *) why = NULL;
    int rc = OCF_SUCCESS;

    if (vmg_pt_recover_dir(env->state_dir, cfg->llttab, helper, &why) < 0) {
        printf("failed: %s\n", why);
        rc = OCF_ERR_GENERIC;
    }
    if (vmg_pt_state_exists(env->state_dir) &&
        vmg_pt_keeper_arm(env->state_dir, cfg->llttab, helper, &why) < 0) {
        printf("no keeper: %s\n", why);
        rc = OCF_ERR_GENERIC;
    }
    return rc;
}

int vmg_peer_timeout_cli(int argc, char **argv)
{
    struct vmg_peer_config cfg;
    struct cli_args a;
    struct vmg_env env;
    VMG_AUTOFREE(char *) why = NULL;
    int rc;

    if (argc < 1 || cli_parse(argc, argv, &a) < 0) {
        cli_usage();
        return OCF_ERR_ARGS;
    }
    if (strcmp(argv[0], "guard") == 0)
        return cli_guard(&a);
    if (vmg_env_load(&env, &why) < 0) {
        ocf_exit_reason("%s", why);
        return OCF_ERR_CONFIGURED;
    }
    if (strcmp(argv[0], "raise") == 0)
        return cli_raise(&env, &a);
    if (strcmp(argv[0], "restore") == 0)
        return cli_restore(&env, &a);
    if (strcmp(argv[0], "query") == 0)
        return cli_query(&env);
    if (strcmp(argv[0], "recover") == 0) {
        if (load_config(&cfg, &env) < 0)
            return OCF_ERR_CONFIGURED;
        rc = cli_recover(&cfg, &env);
        vmg_params_free(vmg_peer_params, vmg_peer_params_count, &cfg);
        return rc;
    }
    if (strcmp(argv[0], "keep") == 0) {
        if (a.state_dir == NULL) {
            cli_usage();
            return OCF_ERR_ARGS;
        }
        return vmg_pt_keeper_run(a.state_dir, a.llttab, a.guest_helper, &why) < 0
               ? OCF_ERR_GENERIC : OCF_SUCCESS;
    }
    cli_usage();
    return OCF_ERR_ARGS;
}
