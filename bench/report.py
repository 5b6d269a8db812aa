#!/usr/bin/python3
"""Summarise bench/run-all's results.jsonl as Markdown (medians and ratios to VirtualDomain).

    bench/report.py RESULTS.jsonl > summary.md
"""
import json
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
for r in rows:   # empty values recorded by the shell steps mean "unknown"
    for k in [k for k, v in r.items() if v == ""]:
        del r[k]


def sel(**kw):
    return [r for r in rows if all(r.get(k) == v for k, v in kw.items())]


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def q(xs, p):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def fmt(x, nd=1):
    if x is None:
        return "–"
    if isinstance(x, float) and x.is_integer() and nd == 0:
        return str(int(x))
    return f"{x:.{nd}f}"


def ratio(vd, ours, nd=1):
    """How many times VirtualDomain's figure is ours (> 1: ours is smaller/better)."""
    if vd is None or ours is None or ours == 0:
        return "–"
    return f"{vd / ours:.{nd}f}x"


out = []
p = out.append
machine = (sel(step="machine") or [{}])[0]
end = (sel(step="machine-end") or [{}])[0]
p("# vmguard vs VirtualDomain: bench/run-all results\n")
p(f"- date {machine.get('date')}, vmguard {machine.get('vmguard')} (helper sha256 "
  f"{machine.get('helper_sha256')}..., built {machine.get('helper_built')})")
p(f"- {machine.get('cpus')} CPUs ({machine.get('cpu_model')}), {machine.get('mem_mib')} MiB, "
  f"kernel {machine.get('kernel')}")
p(f"- libvirt {machine.get('libvirt')}, QEMU {machine.get('qemu')} ({machine.get('virt')}), "
  f"pacemaker {machine.get('pacemaker')}, corosync {machine.get('corosync')}, "
  f"resource-agents {machine.get('resource_agents')}")
p(f"- load average at start {machine.get('load_start')}, at end {end.get('load_end')}; "
  f"total run time {end.get('total_s')} s")
steps = sel(step="step-time")
if steps:
    p("- step times: " + ", ".join(f"{s['name']} {s['seconds']} s (load at end {s['load_end']})"
                                  for s in steps))
p("")

# ---------------------------------------------------------------- monitor
mon = [r for r in sel(step="monitor", action="monitor") if not r.get("tag")]
if mon:
    p("## monitor (running VM)\n")
    n = {a: len([r for r in mon if r["agent"] == a]) for a in ("vmguard", "vd")}
    p(f"{n['vmguard']} + {n['vd']} calls, alternating.  Medians (p90 in brackets).  "
      "\"x better\" = VirtualDomain's figure / vmguard's.\n")
    p("| | vmguard | VirtualDomain | x better |")
    p("|---|---|---|---|")
    stats = {}
    for a in ("vmguard", "vd"):
        rs = [r for r in mon if r["agent"] == a]
        stats[a] = {
            "wall": med([r["wall_ms"] for r in rs]), "wall90": q([r["wall_ms"] for r in rs], 0.9),
            "cpu": med([r["cpu_ms"] for r in rs]), "cpu90": q([r["cpu_ms"] for r in rs], 0.9),
            "user": med([r["user_ms"] for r in rs]), "sys": med([r["sys_ms"] for r in rs]),
            "rss": max(r["maxrss_kb"] for r in rs),
            "lv": sum(r["libvirtd_cpu_ms"] for r in rs) / len(rs),
            "rc": sorted({r["rc"] for r in rs}),
        }
    v, d = stats["vmguard"], stats["vd"]
    p(f"| wall time per call, ms | {fmt(v['wall'])} ({fmt(v['wall90'])}) | {fmt(d['wall'])} ({fmt(d['wall90'])}) | {ratio(d['wall'], v['wall'])} |")
    p(f"| CPU (user+sys) of the agent's process tree per call, ms | {fmt(v['cpu'])} ({fmt(v['cpu90'])}) | {fmt(d['cpu'])} ({fmt(d['cpu90'])}) | {ratio(d['cpu'], v['cpu'])} |")
    p(f"| of which user / sys, ms | {fmt(v['user'])} / {fmt(v['sys'])} | {fmt(d['user'])} / {fmt(d['sys'])} | |")
    p(f"| libvirtd CPU per call (mean), ms | {fmt(v['lv'])} | {fmt(d['lv'])} | {ratio(d['lv'], v['lv'])} |")
    # 50 VMs, one monitor every 10 s: 18000 calls an hour
    calls = 50 * 3600 / 10
    p(f"| agent CPU per hour, 50 VMs monitored every 10 s, s | {fmt(v['cpu'] * calls / 1000)} | {fmt(d['cpu'] * calls / 1000)} | {ratio(d['cpu'], v['cpu'])} |")
    p(f"| same as a share of one core | {fmt(v['cpu'] * calls / 3600 / 10, 2)} % | {fmt(d['cpu'] * calls / 3600 / 10, 2)} % | |")
    p(f"| peak RSS of the largest process, MiB | {fmt(v['rss'] / 1024)} | {fmt(d['rss'] / 1024)} | {ratio(d['rss'], v['rss'], 2)} |")
    memr = sel(step="monitor", tag="mem")
    if memr:
        vm_ = max((r["tree_peak_rss_kb"] for r in memr if r["agent"] == "vmguard"), default=None)
        vd_ = max((r["tree_peak_rss_kb"] for r in memr if r["agent"] == "vd"), default=None)
        va = max((r["tree_peak_anon_kb"] for r in memr if r["agent"] == "vmguard"), default=None)
        da = max((r["tree_peak_anon_kb"] for r in memr if r["agent"] == "vd"), default=None)
        p(f"| peak summed RSS of the process tree (sampled every 1 ms), MiB | {fmt(vm_ / 1024)} | {fmt(vd_ / 1024)} | {ratio(vd_, vm_, 2)} |")
        p(f"| same, anonymous memory only (RssAnon), MiB | {fmt(va / 1024)} | {fmt(da / 1024)} | {ratio(da, va, 2)} |")
    p(f"| exit codes seen | {v['rc']} | {d['rc']} | |")
    floor = sel(step="monitor", tag="floor")
    if floor:
        p(f"\nHarness floor (spawning /bin/true the same way): wall {fmt(med([r['wall_ms'] for r in floor]), 2)} ms, "
          f"CPU {fmt(med([r['cpu_ms'] for r in floor]), 2)} ms per call.")
    stopped = sel(step="monitor", tag="stopped")
    if stopped:
        sv = med([r["wall_ms"] for r in stopped if r["agent"] == "vmguard"])
        sd = med([r["wall_ms"] for r in stopped if r["agent"] == "vd"])
        cv = med([r["cpu_ms"] for r in stopped if r["agent"] == "vmguard"])
        cd = med([r["cpu_ms"] for r in stopped if r["agent"] == "vd"])
        rcs = sorted({(r["agent"], r["rc"]) for r in stopped})
        p(f"Monitor of a VM that is not running (a probe), {len(stopped) // 2} calls each: wall {fmt(sv)} vs {fmt(sd)} ms "
          f"({ratio(sd, sv)}), CPU {fmt(cv)} vs {fmt(cd)} ms ({ratio(cd, cv)}); exit codes {rcs}.")
    p("")

# ---------------------------------------------------------------- start / stop
ss = sel(step="startstop")
if ss:
    p("## start and stop of one VM\n")
    p("Wall time until the agent returns (median of the runs; all runs in brackets).  Stop is graceful "
      "for both (ACPI power button; the guest powers off on it), once the guest has booted.\n")
    p("| | vmguard | VirtualDomain | x better |")
    p("|---|---|---|---|")
    for action in ("start", "stop"):
        rv = [r["wall_ms"] for r in ss if r.get("agent") == "vmguard" and r.get("action") == action]
        rd = [r["wall_ms"] for r in ss if r.get("agent") == "vd" and r.get("action") == action]
        cv = med([r["cpu_ms"] for r in ss if r.get("agent") == "vmguard" and r.get("action") == action])
        cd = med([r["cpu_ms"] for r in ss if r.get("agent") == "vd" and r.get("action") == action])
        p(f"| {action}: wall, ms | {fmt(med(rv), 0)} ({', '.join(fmt(x, 0) for x in rv)}) | "
          f"{fmt(med(rd), 0)} ({', '.join(fmt(x, 0) for x in rd)}) | {ratio(med(rd), med(rv))} |")
        p(f"| {action}: CPU of the process tree, ms | {fmt(cv)} | {fmt(cd)} | {ratio(cd, cv)} |")
    errs = [r for r in ss if r.get("error")]
    rcs = sorted({(r["agent"], r["action"], r["rc"]) for r in ss if "rc" in r})
    p(f"\nExit codes: {rcs}.  Errors: {len(errs)}.\n")

# ---------------------------------------------------------------- migration
mig = sel(step="migrate")
if mig:
    p("## live migration of an idle guest (migrate_to + migrate_from, called directly)\n")
    p("128 MiB guest, data over the fast link.  libvirt's figures: total time (\"Time elapsed\") and "
      "downtime of the completed job on the target.  Medians (all runs in brackets).\n")
    p("| setting | figure | vmguard | VirtualDomain | x better |")
    p("|---|---|---|---|---|")
    for tag in ("default", "capped"):
        def col(agent, action, key):
            return [r.get(key) for r in mig if r["agent"] == agent and r["action"] == action
                    and r.get("tag") == tag and r.get(key) is not None]
        jv = [r for r in sel(step="migrate-jobinfo", agent="vd", tag=tag)]
        lib = {
            "vmguard": ([r["log_elapsed_ms"] for r in mig if r["agent"] == "vmguard" and r["action"] == "migrate_to"
                         and r.get("tag") == tag and "log_elapsed_ms" in r],
                        [r["log_downtime_ms"] for r in mig if r["agent"] == "vmguard" and r["action"] == "migrate_to"
                         and r.get("tag") == tag and "log_downtime_ms" in r]),
            "vd": ([r["elapsed_ms"] for r in jv], [r["downtime_ms"] for r in jv]),
        }
        for label, agent_vals in (
                ("migrate_to wall, ms", lambda a: col(a, "migrate_to", "wall_ms")),
                ("migrate_from wall, ms", lambda a: col(a, "migrate_from", "wall_ms")),
                ("libvirt total time, ms", lambda a: lib[a][0]),
                ("libvirt downtime, ms", lambda a: lib[a][1]),
                ("migrate_to CPU of the process tree, ms", lambda a: col(a, "migrate_to", "cpu_ms"))):
            xv, xd = agent_vals("vmguard"), agent_vals("vd")
            p(f"| {tag} | {label} | {fmt(med(xv), 0)} ({', '.join(fmt(x, 0) for x in xv)}) | "
              f"{fmt(med(xd), 0)} ({', '.join(fmt(x, 0) for x in xd)}) | {ratio(med(xd), med(xv), 2)} |")
    memr = [r for r in mig if r.get("tag") == "mem" and r["action"] == "migrate_to"]
    if memr:
        g = {a: [r for r in memr if r["agent"] == a] for a in ("vmguard", "vd")}
        mv = max((r["tree_peak_rss_kb"] for r in g["vmguard"]), default=None)
        md = max((r["tree_peak_rss_kb"] for r in g["vd"]), default=None)
        av = max((r["tree_peak_anon_kb"] for r in g["vmguard"]), default=None)
        ad = max((r["tree_peak_anon_kb"] for r in g["vd"]), default=None)
        lv = max((r["maxrss_kb"] for r in g["vmguard"]), default=None)
        ld = max((r["maxrss_kb"] for r in g["vd"]), default=None)
        p(f"| memory | migrate_to peak RSS of the largest process, MiB | {fmt(lv / 1024)} | {fmt(ld / 1024)} | {ratio(ld, lv, 2)} |")
        p(f"| memory | migrate_to peak summed RSS of the tree (sampled every 10 ms), MiB | {fmt(mv / 1024)} | {fmt(md / 1024)} | {ratio(md, mv, 2)} |")
        p(f"| memory | same, anonymous memory only, MiB | {fmt(av / 1024)} | {fmt(ad / 1024)} | {ratio(ad, av, 2)} |")
    errs = sel(step="migrate-error")
    same = (sel(step="migrate-guest") or [{}])[0].get("same_boot")
    rcs = sorted({(r["agent"], r["action"], r["rc"]) for r in mig})
    p(f"\nExit codes: {rcs}.  Failed migrations: {len(errs)}.  The guest kept its boot id through all of them: {same}.\n")

# ---------------------------------------------------------------- dirty
dirty = sel(step="dirty")
if dirty:
    p("## a guest that does not converge, under Pacemaker (drain of its node)\n")
    p("Standby until the cluster settled (the DC's last transition ended; polled in brackets), when "
      "migrate_to returned, how long the guest's console stopped counting (0.2 s resolution).\n")
    p("| agent | outcome | standby → settled, s | migrate_to returned after, s | "
      "guest interruption, s | failed actions | notes |")
    p("|---|---|---|---|---|---|---|")
    for r in dirty:
        settle = fmt(r['settle_ms'] / 1000) if r.get('settle_ms') is not None else '–'
        p(f"| {r['label']} | {r.get('outcome')} | {settle} ({fmt(r.get('settle_poll_ms', 0) / 1000)}) | "
          f"{fmt(r['migrate_to_ms'] / 1000) if r.get('migrate_to_ms') is not None else '–'} | "
          f"{fmt(r['gap_ms'] / 1000) if r.get('gap_ms') is not None else '–'} | {r.get('failed_actions')} | {r.get('notes', '')} |")
    p("")

# ---------------------------------------------------------------- drain
drain = sel(step="drain")
if drain:
    p("## drain of a node with N VMs under Pacemaker\n")
    p("From the standby to the end of the DC's last transition (all VMs migrated, stopped on the "
      "source, first monitor on the target returned); median, all runs in brackets.  Polled "
      "(all started on the other node as Pacemaker and libvirt see it, 0.5 s resolution) as a cross-check.\n")
    p("| N | vmguard, s | VirtualDomain, s | x better | polled: vmguard / VirtualDomain, s | notes |")
    p("|---|---|---|---|---|---|")
    for n in sorted({r["n"] for r in drain}):
        def get(agent, key):
            return [r[key] / 1000 for r in drain if r["n"] == n and r["agent"] == agent and key in r]
        v, d = get("vmguard", "drain_ms"), get("vd", "drain_ms")
        pv, pd = get("vmguard", "drain_poll_ms"), get("vd", "drain_poll_ms")
        notes = "; ".join(f"{r['agent']}: {r['notes']}" for r in drain if r["n"] == n and r.get("notes"))
        p(f"| {n} | {fmt(med(v))} ({', '.join(fmt(x) for x in v)}) | {fmt(med(d))} ({', '.join(fmt(x) for x in d)}) | "
          f"{ratio(med(d), med(v), 2)} | {fmt(med(pv))} / {fmt(med(pd))} | {notes} |")
    p("")

print("\n".join(out))
