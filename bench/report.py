#!/usr/bin/python3
"""Write BENCHMARKS.md (every figure, the headline included) from bench/run-all's results.

    bench/report.py RESULTS.jsonl > BENCHMARKS.md     print the report
    bench/report.py --write TOP                       TOP/bench/results.jsonl -> TOP/BENCHMARKS.md
                                                      and README.md's block between the
                                                      "bench:begin" and "bench:end" markers

Nothing here is typed in by hand: a figure that the results do not hold is shown as "–".
"""
import json
import os
import re
import statistics
import sys

AGENT_NAMES = {"vmguard": "vmguard", "vd": "VirtualDomain, defaults",
               "vd-cheap": "VirtualDomain, cheapest"}
CHEAP = "hypervisor=qemu:///system, autoset_utilization_{cpu,hv_memory,host_memory}=false"


def load(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    for r in rows:   # empty values recorded by the shell steps mean "unknown"
        for k in [k for k, v in r.items() if v == ""]:
            del r[k]
    return rows


class Report:
    def __init__(self, rows):
        self.rows = [r for r in rows if r.get("kind") != "env"]
        self.out = []

    def p(self, text=""):
        self.out.append(text)

    def sel(self, **kw):
        return [r for r in self.rows if all(r.get(k) == v for k, v in kw.items())]

    # ------------------------------------------------------------ figures
    def monitor(self, agent, key="cpu_ms", tag=None):
        return [r[key] for r in self.rows if r.get("step") == "monitor" and r.get("agent") == agent
                and r.get("action") == "monitor" and (r.get("tag") or None) == tag and key in r]


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, nd=1):
    if x is None:
        return "–"
    return f"{x:.{nd}f}"


def spread(xs, nd=1, scale=1.0):
    """median (min–max) of xs"""
    xs = [x * scale for x in xs if x is not None]
    if not xs:
        return "–"
    if len(xs) == 1:
        return fmt(xs[0], nd)
    return f"{fmt(statistics.median(xs), nd)} ({fmt(min(xs), nd)}–{fmt(max(xs), nd)})"


def ratio(theirs, ours, nd=1):
    """How many times the other figure is ours (> 1: ours is smaller/better)."""
    if theirs is None or ours is None or ours == 0:
        return "–"
    return f"{theirs / ours:.{nd}f}x"


def verdict(ok):
    return "–" if ok is None else ("met" if ok else "**not met**")


def build(rows):
    R = Report(rows)
    p = R.p
    machine = (R.sel(step="machine") or [{}])[0]
    end = (R.sel(step="machine-end") or [{}])[0]
    envs = sorted({r.get("env_source") for r in rows if r.get("kind") == "env"})

    # ------------------------------------------------------------ the figures the headline needs
    cpu = {a: R.monitor(a) for a in ("vmguard", "vd", "vd-cheap", "floor", "noop")}
    wall = {a: R.monitor(a, "wall_ms") for a in ("vmguard", "vd", "vd-cheap", "floor", "noop")}
    mcpu = {a: med(v) for a, v in cpu.items()}
    mwall = {a: med(v) for a, v in wall.items()}
    probe = {a: R.monitor(a, "cpu_ms", "probe") for a in ("vmguard", "vd", "vd-cheap")}
    ss = R.sel(step="startstop")

    def ss_wall(a, action):
        return [r["wall_ms"] for r in ss if r.get("agent") == a and r.get("action") == action]

    def ss_cpu(a, action):
        return [r["cpu_ms"] for r in ss if r.get("agent") == a and r.get("action") == action]

    mig = [r for r in R.sel(step="migrate") if "agent" in r]

    def mig_col(a, action, key, tag):
        return [r[key] for r in mig if r.get("agent") == a and r.get("action") == action
                and r.get("tag") == tag and key in r]

    def mig_downtime(a, tag):
        if a == "vmguard":
            return mig_col(a, "migrate_to", "log_downtime_ms", tag)
        return [r["downtime_ms"] for r in R.sel(step="migrate-jobinfo", agent=a, tag=tag)]

    def mig_elapsed(a, tag):
        if a == "vmguard":
            return mig_col(a, "migrate_to", "log_elapsed_ms", tag)
        return [r["elapsed_ms"] for r in R.sel(step="migrate-jobinfo", agent=a, tag=tag)]

    memrss = {a: max(mig_col(a, "migrate_to", "tree_peak_rss_kb", "mem") or [0]) or None
              for a in ("vmguard", "vd", "vd-cheap")}
    memanon = {a: max(mig_col(a, "migrate_to", "tree_peak_anon_kb", "mem") or [0]) or None
               for a in ("vmguard", "vd", "vd-cheap")}
    drain = R.sel(step="drain")

    def drain_s(a, n, key="drain_ms"):
        return [r[key] / 1000 for r in drain if r.get("agent") == a and r.get("n") == n and key in r]

    dirty = R.sel(step="dirty")

    def dirty_of(label, key):
        return [r[key] / 1000 for r in dirty if r.get("label") == label and key in r]

    floor_x = (mcpu["vmguard"] / mcpu["floor"]) if mcpu["vmguard"] and mcpu["floor"] else None
    # the floor comparison's own series: vmguard and the floor only, many more calls, alternating
    pair = {a: R.monitor(a, "cpu_ms", "pair") for a in ("vmguard", "floor")}
    mpair = {a: med(v) for a, v in pair.items()}
    if mpair["vmguard"] and mpair["floor"]:
        floor_x = mpair["vmguard"] / mpair["floor"]
    else:
        mpair = {"vmguard": mcpu["vmguard"], "floor": mcpu["floor"]}
    cheap_x = (mcpu["vd-cheap"] / mcpu["vmguard"]) if mcpu["vmguard"] and mcpu["vd-cheap"] else None
    rss_ok = (memrss["vmguard"] <= min(x for x in (memrss["vd"], memrss["vd-cheap"]) if x)
              if memrss["vmguard"] and (memrss["vd"] or memrss["vd-cheap"]) else None)

    # ------------------------------------------------------------ title and headline
    p("# Benchmarks: ocf:vmguard:VirtualMachine against ocf:heartbeat:VirtualDomain")
    p()
    p("Generated by `bench/report.py` from [bench/results.jsonl](bench/results.jsonl), the results "
      "of one run of `bench/run-all` (do not edit by hand: run the bench and commit both). "
      "VirtualDomain is measured with its defaults and in its cheapest configuration "
      f"(`{CHEAP}`). \"x\" is the other agent's figure divided by vmguard's: above 1, vmguard "
      "is cheaper or faster. Figures are medians, with min–max in brackets.")
    p()
    p(f"Run: {machine.get('date')}, vmguard commit `{machine.get('commit', '?')[:12]}` "
      f"(`{machine.get('vmguard')}`), helper sha256 `{machine.get('helper_sha256')}…`; "
      f"agent environment from {', '.join(e for e in envs if e) or '–'}.")
    # the steps that ended (a step-time record each); a run stopped midway lacks the others
    done = [r["name"] for r in rows if r.get("step") == "step-time"]
    missing = [s for s in ("monitor", "startstop", "migrate", "dirty", "drain") if s not in done]
    if missing:
        p()
        p(f"**A partial run**: steps {', '.join(done) or '–'} only; {', '.join(missing)} not "
          "measured in it (\"–\" below).")
    p()
    p("## Headline")
    p()
    p("| measure | vmguard | VirtualDomain, defaults | VirtualDomain, cheapest | x defaults | x cheapest | target |")
    p("|---|---|---|---|---|---|---|")
    p(f"| monitor of a running VM, CPU per call, ms | {spread(cpu['vmguard'])} | {spread(cpu['vd'])} | "
      f"{spread(cpu['vd-cheap'])} | {ratio(mcpu['vd'], mcpu['vmguard'])} | "
      f"{ratio(mcpu['vd-cheap'], mcpu['vmguard'])} | ≥ 12x the cheapest: "
      f"{verdict(None if cheap_x is None else cheap_x >= 12)} |")
    p(f"| same, wall time per call, ms | {spread(wall['vmguard'])} | {spread(wall['vd'])} | "
      f"{spread(wall['vd-cheap'])} | {ratio(mwall['vd'], mwall['vmguard'])} | "
      f"{ratio(mwall['vd-cheap'], mwall['vmguard'])} | |")
    p(f"| monitor CPU against the floor (a program that links libvirt and exits: "
      f"{fmt(mpair['floor'], 2)} ms; {len(pair['floor']) or len(cpu['floor'])} calls of each, alternating) | "
      f"{fmt(floor_x, 2)}x ({fmt(mpair['vmguard'], 2)} ms) | "
      f"{fmt(mcpu['vd'] / mcpu['floor'] if mcpu['vd'] and mcpu['floor'] else None, 1)}x | "
      f"{fmt(mcpu['vd-cheap'] / mcpu['floor'] if mcpu['vd-cheap'] and mcpu['floor'] else None, 1)}x | | | "
      f"≤ 1.2x: {verdict(None if floor_x is None else floor_x <= 1.2)} |")
    ins = {a: med(R.monitor(a, "instructions", "callgrind")) for a in ("vmguard", "floor", "vd-cheap")}
    ins_x = ins["vmguard"] / ins["floor"] if ins["vmguard"] and ins["floor"] else None
    p(f"| same in instructions (callgrind, every process of the call), millions | "
      f"{fmt(ins['vmguard'] / 1e6 if ins['vmguard'] else None)} ({fmt(ins_x, 2)}x the floor's "
      f"{fmt(ins['floor'] / 1e6 if ins['floor'] else None)}) | – | "
      f"{fmt(ins['vd-cheap'] / 1e6 if ins['vd-cheap'] else None)} | | "
      f"{ratio(ins['vd-cheap'], ins['vmguard'])} | ≤ 1.2x: {verdict(None if ins_x is None else ins_x <= 1.2)} |")
    p(f"| probe of a VM that is not running, CPU, ms | {spread(probe['vmguard'])} | {spread(probe['vd'])} | "
      f"{spread(probe['vd-cheap'])} | {ratio(med(probe['vd']), med(probe['vmguard']))} | "
      f"{ratio(med(probe['vd-cheap']), med(probe['vmguard']))} | |")
    for action in ("start", "stop"):
        v, d, c = (med(ss_wall(a, action)) for a in ("vmguard", "vd", "vd-cheap"))
        p(f"| {action} of one VM, wall, s | {spread(ss_wall('vmguard', action), 2, 0.001)} | "
          f"{spread(ss_wall('vd', action), 2, 0.001)} | {spread(ss_wall('vd-cheap', action), 2, 0.001)} | "
          f"{ratio(d, v)} | {ratio(c, v)} | |")
    v, d, c = (med(mig_downtime(a, "default")) for a in ("vmguard", "vd", "vd-cheap"))
    p(f"| live migration of an idle guest, libvirt's downtime, ms | {spread(mig_downtime('vmguard', 'default'), 0)} | "
      f"{spread(mig_downtime('vd', 'default'), 0)} | {spread(mig_downtime('vd-cheap', 'default'), 0)} | "
      f"{ratio(d, v, 2)} | {ratio(c, v, 2)} | |")
    mv = {a: mig_col(a, "migrate_to", "wall_ms", "default") for a in ("vmguard", "vd", "vd-cheap")}
    p(f"| same, migrate_to wall, s | {spread(mv['vmguard'], 2, 0.001)} | {spread(mv['vd'], 2, 0.001)} | "
      f"{spread(mv['vd-cheap'], 2, 0.001)} | {ratio(med(mv['vd']), med(mv['vmguard']), 2)} | "
      f"{ratio(med(mv['vd-cheap']), med(mv['vmguard']), 2)} | |")
    p(f"| migrate_to: peak summed RSS of the process tree, MiB | "
      f"{fmt(memrss['vmguard'] / 1024 if memrss['vmguard'] else None)} | "
      f"{fmt(memrss['vd'] / 1024 if memrss['vd'] else None)} | "
      f"{fmt(memrss['vd-cheap'] / 1024 if memrss['vd-cheap'] else None)} | "
      f"{ratio(memrss['vd'], memrss['vmguard'], 2)} | {ratio(memrss['vd-cheap'], memrss['vmguard'], 2)} | "
      f"≤ VirtualDomain's: {verdict(rss_ok)} |")
    for n in sorted({r["n"] for r in drain if "n" in r}):
        v, c = drain_s("vmguard", n), drain_s("vd-cheap", n)
        p(f"| drain of a node with {n} idle VM(s), s | {spread(v)} | – | {spread(c)} | | "
          f"{ratio(med(c), med(v), 2)} | |")
    dv, dc = dirty_of("vmguard", "settle_ms"), dirty_of("vd-cheap", "settle_ms")
    p(f"| drain of a guest that does not converge, standby to settled, s | {spread(dv)} | – | "
      f"{spread(dc)} | | {ratio(med(dc), med(dv), 2)} | |")
    for label, text in (("vmguard-postcopy", "vmguard `migration_postcopy=auto`"),
                        ("vmguard-vdopts-postcopy", "vmguard `migrate_options=\"--postcopy --timeout 8 --timeout-postcopy\"`"),
                        ("vmguard-vdopts-suspend", "vmguard `migrate_options=\"--timeout 8\"`"),
                        ("vd-cheap-postcopy", "VirtualDomain `migrate_options=\"--postcopy --timeout 8 --timeout-postcopy\"`"),
                        ("vd-cheap-suspend", "VirtualDomain `migrate_options=\"--timeout 8\"`")):
        rs = [r for r in dirty if r.get("label") == label]
        if rs:
            r = rs[0]
            p(f"| same, {text}: settled / guest interruption, s | "
              f"{fmt(r['settle_ms'] / 1000) if 'settle_ms' in r else '–'} / "
              f"{fmt(r['gap_ms'] / 1000) if r.get('gap_ms') is not None else '–'} ({r.get('outcome')}) | | | | | |")
    p()

    # ------------------------------------------------------------ how
    p("## How it was measured")
    p()
    p("- The lab of the test suite (`tests/lab/vmg-lab`): two nodes in network namespaces, each "
      "running libvirtd, corosync and Pacemaker; a management LAN for the cluster and the libvirt "
      "daemons and a \"fast\" LAN for the migration data (`migrateuri=tcp://%n-fast` for every "
      "agent). The bench runs it in a private mount namespace and tears it down at the end.")
    p("- Every agent call is made as pacemaker-execd makes it (`bench/agentrun.py`, run inside a "
      "node): the environment of the node's pacemaker-execd process, the resource's instance "
      "attributes read from the CIB, the OCF_RESKEY_CRM_meta_* of the operation. Each agent has "
      "its own primitive in the CIB (same guest, same parameters but the agent's own), so "
      "VirtualDomain's utilization code finds the resource it updates. Monitor, start/stop and "
      "migrations run with the cluster in maintenance-mode (Pacemaker does not act); drains and "
      "the guest that does not converge run under Pacemaker (a node put in standby), timed from "
      "the standby to the end of the DC's last transition.")
    p("- CPU is the user+sys time of the agent's whole process tree (`getrusage` of reaped "
      "children; the runner is a child subreaper, so detached processes such as vmguard's "
      "migration guardian are counted). The floor is `bench/floor.c` (links libvirt only, "
      "initialises it, exits), run the same way in the same alternation; the harness floor is "
      "`/bin/true`.")
    p(f"- The guest: a busybox Linux with 128 MiB ({(drain[0].get('mem_mib') if drain else '–')} MiB "
      "in the drains) whose serial console prints a counter and its boot id; \"live\" means the "
      "boot id did not change. The guest that does not converge dirties 32 MiB in a loop while "
      "the migration is capped at 5 MiB/s, migrate_to timeout 30 s.")
    p("- Drains compare vmguard with VirtualDomain in its cheapest configuration; each N is "
      "drained back and forth by the same VMs, the agents' order alternating from one N to the "
      "next.")
    p("- QEMU runs under TCG (no nested KVM): boots, migrations and the guest itself are slower "
      "than on a KVM host, and the 2 CPUs are shared with the lab's daemons. Agent overheads "
      "(monitor, start, stop CPU) do not depend on that.")
    p()

    # ------------------------------------------------------------ details
    p("## The run")
    p()
    p(f"- {machine.get('cpus')} CPUs ({machine.get('cpu_model')}), {machine.get('mem_mib')} MiB, "
      f"kernel {machine.get('kernel')}; libvirt {machine.get('libvirt')}, QEMU {machine.get('qemu')} "
      f"({machine.get('virt')}), pacemaker {machine.get('pacemaker')}, corosync {machine.get('corosync')}, "
      f"resource-agents {machine.get('resource_agents')}")
    p(f"- shared libraries: helper {machine.get('helper_libs')}, floor {machine.get('floor_libs')}")
    p(f"- load average at start {machine.get('load_start')}, at end {end.get('load_end')}; "
      f"total run time {end.get('total_s')} s")
    steps = R.sel(step="step-time")
    if steps:
        p("- step times: " + ", ".join(f"{s['name']} {s['seconds']} s" for s in steps))
    p()

    if cpu["vmguard"]:
        p("### monitor of a running VM")
        p()
        n = {a: len(cpu[a]) for a in cpu}
        p(f"Calls: {', '.join(f'{AGENT_NAMES.get(a, a)} {n[a]}' for a in n)}, alternating.")
        p()
        p("| | vmguard | VirtualDomain, defaults | VirtualDomain, cheapest | floor (libvirt client) | harness (/bin/true) |")
        p("|---|---|---|---|---|---|")
        row = lambda label, f: p(f"| {label} | " + " | ".join(f(a) for a in ("vmguard", "vd", "vd-cheap", "floor", "noop")) + " |")
        row("CPU per call, ms", lambda a: spread(cpu[a], 2))
        row("of which user / sys (medians), ms", lambda a: f"{fmt(med(R.monitor(a, 'user_ms')), 2)} / {fmt(med(R.monitor(a, 'sys_ms')), 2)}")
        row("wall per call, ms", lambda a: spread(wall[a], 2))
        row("libvirtd CPU per call (mean), ms", lambda a: fmt(sum(R.monitor(a, 'libvirtd_cpu_ms')) / len(cpu[a]) if cpu[a] else None, 2))
        row("agent CPU per hour, 50 VMs monitored every 10 s, s", lambda a: fmt(mcpu[a] * 18000 / 1000 if mcpu[a] else None, 0))
        row("peak RSS of the largest process, MiB", lambda a: fmt(max(R.monitor(a, 'maxrss_kb') or [0]) / 1024 or None))
        tree = {a: R.monitor(a, "tree_peak_rss_kb", "mem") for a in ("vmguard", "vd", "vd-cheap")}
        p("| peak summed RSS of the process tree (sampled every 1 ms), MiB | " + " | ".join(
            fmt(max(tree[a]) / 1024 if tree[a] else None) for a in ("vmguard", "vd", "vd-cheap")) + " | | |")
        row("exit codes", lambda a: str(sorted({r for r in R.monitor(a, 'rc')})))
        p()
        if pair["vmguard"] and pair["floor"]:
            p(f"Against the floor alone ({len(pair['vmguard'])} calls of vmguard and of the floor, "
              f"alternating, after the series above): vmguard {spread(pair['vmguard'], 2)} ms, floor "
              f"{spread(pair['floor'], 2)} ms, {fmt(floor_x, 2)}x; exit codes "
              f"{sorted(set(R.monitor('vmguard', 'rc', 'pair')))}.")
            p()
        p("Probe (monitor with interval 0) of a VM that is not running: CPU "
          + ", ".join(f"{AGENT_NAMES[a]} {spread(probe[a])} ms" for a in probe)
          + "; exit codes " + ", ".join(f"{AGENT_NAMES[a]} {sorted(set(R.monitor(a, 'rc', 'probe')))}" for a in probe) + ".")
        p()

    if ss:
        p("### start and stop of one VM")
        p()
        p("Stop is graceful for all (ACPI power button; the guest powers off on it), once the guest has booted.")
        p()
        p("| | vmguard | VirtualDomain, defaults | VirtualDomain, cheapest |")
        p("|---|---|---|---|")
        for action in ("start", "stop"):
            p(f"| {action}: wall, ms | " + " | ".join(spread(ss_wall(a, action), 0) for a in ("vmguard", "vd", "vd-cheap")) + " |")
            p(f"| {action}: CPU of the process tree, ms | " + " | ".join(spread(ss_cpu(a, action)) for a in ("vmguard", "vd", "vd-cheap")) + " |")
        rcs = sorted({(r["agent"], r["action"], r["rc"]) for r in ss if "rc" in r})
        p()
        p(f"Exit codes: {rcs}. Errors: {len([r for r in ss if r.get('error')])}.")
        p()

    if mig:
        p("### live migration of an idle guest (migrate_to + migrate_from, called directly)")
        p()
        p("128 MiB guest, data over the fast link. libvirt's total time (\"Time elapsed\") and "
          "downtime of the completed job; `capped` adds migration_speed=100 and migration_downtime=300.")
        p()
        p("| setting | figure | vmguard | VirtualDomain, defaults | VirtualDomain, cheapest |")
        p("|---|---|---|---|---|")
        for tag in ("default", "capped"):
            for label, f in (("migrate_to wall, ms", lambda a: mig_col(a, "migrate_to", "wall_ms", tag)),
                             ("migrate_from wall, ms", lambda a: mig_col(a, "migrate_from", "wall_ms", tag)),
                             ("libvirt total time, ms", lambda a: mig_elapsed(a, tag)),
                             ("libvirt downtime, ms", lambda a: mig_downtime(a, tag)),
                             ("migrate_to CPU of the process tree, ms", lambda a: mig_col(a, "migrate_to", "cpu_ms", tag))):
                p(f"| {tag} | {label} | " + " | ".join(spread(f(a), 0) for a in ("vmguard", "vd", "vd-cheap")) + " |")
        p("| memory | migrate_to peak summed RSS of the tree (sampled every 5 ms), MiB | " + " | ".join(
            fmt(memrss[a] / 1024 if memrss[a] else None) for a in ("vmguard", "vd", "vd-cheap")) + " |")
        p("| memory | same, anonymous memory only, MiB | " + " | ".join(
            fmt(memanon[a] / 1024 if memanon[a] else None) for a in ("vmguard", "vd", "vd-cheap")) + " |")
        p("| memory | migrate_to peak RSS of the largest process, MiB | " + " | ".join(
            fmt(max(mig_col(a, "migrate_to", "maxrss_kb", "mem") or [0]) / 1024 or None) for a in ("vmguard", "vd", "vd-cheap")) + " |")
        same = (R.sel(step="migrate-guest") or [{}])[0].get("same_boot")
        rcs = sorted({(r["agent"], r["action"], r["rc"]) for r in mig})
        p()
        p(f"Exit codes: {rcs}. Failed migrations: {len(R.sel(step='migrate-error'))}. "
          f"The guest kept its boot id through all of them: {same}.")
        p()

    if dirty:
        p("### a guest that does not converge, under Pacemaker (drain of its node)")
        p()
        p("Standby until the cluster settled (the DC's last transition ended; polled in brackets), "
          "when migrate_to returned, how long the guest's console stopped counting (0.2 s resolution).")
        p()
        p("| variant | run | outcome | standby → settled, s | migrate_to returned after, s | guest interruption, s | failed actions of the resource | notes |")
        p("|---|---|---|---|---|---|---|---|")
        for r in dirty:
            p(f"| {r['label']} | {r.get('run', '')} | {r.get('outcome')} | "
              f"{fmt(r['settle_ms'] / 1000) if 'settle_ms' in r else '–'} ({fmt(r.get('settle_poll_ms', 0) / 1000)}) | "
              f"{fmt(r['migrate_to_ms'] / 1000) if r.get('migrate_to_ms') is not None else '–'} | "
              f"{fmt(r['gap_ms'] / 1000) if r.get('gap_ms') is not None else '–'} | {r.get('failed_actions')} | "
              f"{str(r.get('notes', '')).replace('|', '/')[:200]} |")
        p()
        p("Why vmguard's `migration_postcopy=auto` moves this guest cold while VirtualDomain's "
          "`--timeout 8 --timeout-postcopy` moves it live: vmguard switches to post-copy only when "
          "what is left, at the rate it expects, doubled, plus 2 s, fits before its abort margin, "
          "because a post-copy cannot be aborted (docs/safety.md, item 6), and it decides when a "
          "pre-copy pass stalls. Under the 5 MiB/s cap the first pass of the 128 MiB guest ends "
          "about 24 s into the 30 s, too late for any post-copy to fit; and unless "
          "`migration_postcopy_bandwidth` says what the link carries, it expects the rate measured "
          "in pre-copy, though QEMU lifts the cap in post-copy (with that parameter and a 40 s "
          "timeout, the test suite's migration case 9 moves the same guest live). VirtualDomain "
          "switches after 8 s whatever is left: faster on a fast link, but a post-copy that "
          "outlasts migrate_to's timeout is killed with the guest's memory split between two "
          "nodes. Given VirtualDomain's own `migrate_options`, vmguard does what virsh does with "
          "them (the `vmguard-vdopts-*` rows).")
        p()

    if drain:
        p("### drain of a node with N VMs under Pacemaker")
        p()
        p("From the standby to the end of the DC's last transition (all VMs migrated, stopped on "
          "the source, first monitor on the target returned); polled (all started on the other "
          "node as Pacemaker and libvirt see it, 0.5 s resolution) as a cross-check.")
        p()
        p("| N | vmguard, s | VirtualDomain, cheapest, s | x | polled: vmguard / VirtualDomain, s | VMs rebooted | notes |")
        p("|---|---|---|---|---|---|---|")
        for n in sorted({r["n"] for r in drain if "n" in r}):
            v, c = drain_s("vmguard", n), drain_s("vd-cheap", n)
            pv, pc = drain_s("vmguard", n, "drain_poll_ms"), drain_s("vd-cheap", n, "drain_poll_ms")
            cold = sum(r.get("cold", 0) for r in drain if r.get("n") == n)
            notes = "; ".join(f"{r['agent']}: {r['notes']}" for r in drain if r.get("n") == n and r.get("notes"))
            p(f"| {n} | {spread(v)} | {spread(c)} | {ratio(med(c), med(v), 2)} | "
              f"{fmt(med(pv))} / {fmt(med(pc))} | {cold} | {notes} |")
        p()
    return "\n".join(R.out).rstrip() + "\n", {
        "cpu": mcpu, "floor_x": floor_x, "cheap_x": cheap_x, "memrss": memrss,
        "commit": machine.get("commit", "?")[:12], "date": machine.get("date"),
        "drain": {n: (med(drain_s("vmguard", n)), med(drain_s("vd-cheap", n)))
                  for n in sorted({r["n"] for r in drain if "n" in r})},
    }


def readme_block(h):
    c = h["cpu"]
    lines = [
        "<!-- bench:begin (written by bench/report.py from bench/results.jsonl; do not edit) -->",
        f"From the run of {h['date']} (commit `{h['commit']}`), medians:",
        "",
        f"- monitor of a running VM: {fmt(c['vmguard'], 1)} ms of CPU, against "
        f"{fmt(c['vd'], 1)} ms for VirtualDomain with its defaults ({ratio(c['vd'], c['vmguard'])}) and "
        f"{fmt(c['vd-cheap'], 1)} ms in its cheapest configuration ({ratio(c['vd-cheap'], c['vmguard'])}); "
        f"a bare libvirt client costs {fmt(c['floor'], 1)} ms to start ({fmt(h['floor_x'], 2)}x);",
    ]
    m = h["memrss"]
    if m.get("vmguard"):
        lines.append(f"- migrate_to's process tree: {fmt(m['vmguard'] / 1024)} MiB of RSS, VirtualDomain "
                     f"{fmt(m['vd-cheap'] / 1024 if m.get('vd-cheap') else None)} MiB;")
    if h["drain"]:
        lines.append("- drain of a node: " + ", ".join(
            f"{n} VM(s) {fmt(v)} s against {fmt(d)} s" for n, (v, d) in h["drain"].items()) + ".")
    lines.append("<!-- bench:end -->")
    return "\n".join(lines)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        top = sys.argv[2]
        text, headline = build(load(os.path.join(top, "bench", "results.jsonl")))
        with open(os.path.join(top, "BENCHMARKS.md"), "w") as f:
            f.write(text)
        path = os.path.join(top, "README.md")
        readme = open(path).read()
        new, n = re.subn(r"<!-- bench:begin.*?<!-- bench:end -->", readme_block(headline).replace("\\", "\\\\"),
                         readme, flags=re.S)
        if n != 1:
            sys.exit("report.py: README.md has no bench:begin/bench:end block")
        with open(path, "w") as f:
            f.write(new)
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    text, _ = build(load(sys.argv[1]))
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
