#!/usr/bin/python3
"""Run OCF agent actions the way pacemaker-execd does, and measure each call.

Runs inside a lab node (tests/lab/vmg-lab exec N /usr/bin/python3 bench/agentrun.py ...).
Each --agent is one primitive of the CIB (bench/run-all defines them, the cluster in
maintenance-mode): its id is --rsc followed by "-" and the agent's name, its instance
attributes (OCF_RESKEY_*) are read from the CIB, and the environment is the one of the node's
pacemaker-execd process (/proc/PID/environ), plus what execd adds for an action.  So every call
is made as Pacemaker would make it, against a resource that exists.
For every call it prints one JSON line on stdout:

  {"agent": "vmguard"|"vd"|"vd-cheap"|..., "action": ..., "rep": i, "rc": ..., "wall_ms": ...,
   "cpu_ms": ..., "user_ms": ..., "sys_ms": ..., "maxrss_kb": ..., "libvirtd_cpu_ms": ...,
   ["tree_peak_rss_kb": ...]}

wall_ms    fork until the agent's own process exits (what Pacemaker waits for).
cpu_ms     user+sys of the whole process tree: getrusage(RUSAGE_CHILDREN) before and after.
           This runner is a child subreaper, so even children that detach (setsid, double
           fork: vmguard's migration guardian) are reparented to it, reaped and counted.
maxrss_kb  ru_maxrss from wait4 of the agent and of every orphan reaped: the peak RSS of the
           largest single process of the tree.
exit_reason / log_elapsed_ms / log_downtime_ms  parsed from the agent's stderr (the OCF exit
           reason; vmguard's "migrated to X in N ms, downtime N ms").
instructions, processes (--callgrind only) instructions of the whole call, counted by
           valgrind's callgrind in every process (--trace-children=yes).
tree_peak_rss_kb, tree_peak_anon_kb (--sample-mem only) the largest sum of the RSS of all processes of the tree seen
           at one instant, sampling /proc every --sample-ms ms.  Short-lived processes can be
           missed, so this under-estimates a tree of many short processes (VirtualDomain's).
           The anon figure counts RssAnon only (no shared library pages).
libvirtd_cpu_ms  CPU time libvirtd (--libvirtd-pid) used during the call (10 ms clock ticks:
           only meaningful summed over many calls).

With several --agent, the agents alternate (A B, then B A, ...) so that load and caches
affect them alike.
"""
import argparse
import ctypes
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

VD = "/usr/lib/ocf/resource.d/heartbeat/VirtualDomain"
AGENTS = {
    "vmguard": {"type": "VirtualMachine", "provider": "vmguard"},
    # VirtualDomain with its defaults, and in its cheapest configuration (hypervisor set,
    # autoset_utilization_*=false): the same script, resources of other parameters
    "vd": {"type": "VirtualDomain", "provider": "heartbeat", "path": VD},
    "vd-cheap": {"type": "VirtualDomain", "provider": "heartbeat", "path": VD},
    # the floor of a libvirt client: bench/floor.c, links libvirt only and exits
    "floor": {"type": "floor", "provider": "none", "cib": False},
    # the floor of this harness: spawning /bin/true the same way
    "noop": {"type": "noop", "provider": "none", "path": "/bin/true", "cib": False},
}
# Used only if no pacemaker-execd runs in the node: what the lab's execd had (read from its
# /proc/PID/environ), which every agent it runs inherits
EXECD_ENV = {
    "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/root", "LC_ALL": "C",
    "PCMK_logfile": "/var/log/pacemaker/pacemaker.log", "PCMK_logfacility": "none",
    "PCMK_service": "pacemakerd", "OCF_OUTPUT_FORMAT": "text", "PCMK_mcp": "true",
    "HA_mcp": "true", "PCMK_cluster_type": "corosync", "HA_cluster_type": "corosync",
    "PCMK_quorum_type": "corosync", "HA_quorum_type": "corosync", "PCMK_debug": "0",
    "HA_debug": "0", "PCMK_watchdog": "false",
}
# vmguard's helper: "NAME migrated to NODE in N ms, downtime N ms, ..." (libvirt's completed-job
# statistics, which it fetches from the target and so consumes there)
CIB_PARAMS = {}
BASE_ENV = {}
MIGRATED = re.compile(r"migrated to \S+ in (\d+) ms, downtime (\d+) ms")
CLK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def proc_cpu_ms(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000.0 / CLK
    except (OSError, ValueError, IndexError):
        return 0.0


class TreeSampler(threading.Thread):
    """Max over time of the summed RSS of every process descending from root."""

    def __init__(self, root, period_s):
        super().__init__(daemon=True)
        self.root, self.period, self.peak_kb, self.stop = root, period_s, 0, False
        self.peak_anon_kb = 0
        self.members = {root}

    def scan(self):
        procs = {}
        for e in os.scandir("/proc"):
            if not e.name.isdigit():
                continue
            try:
                with open(f"/proc/{e.name}/stat") as f:
                    x = f.read().rsplit(")", 1)[1].split()
                procs[int(e.name)] = (int(x[1]), int(x[21]))   # ppid, rss pages
            except (OSError, ValueError, IndexError):
                pass
        # members: root and anything whose parent is a member (one pass in pid order is
        # not enough when pids wrap, so iterate to a fixpoint)
        changed = True
        while changed:
            changed = False
            for pid, (ppid, _) in procs.items():
                if pid not in self.members and ppid in self.members:
                    self.members.add(pid)
                    changed = True
        alive = [pid for pid in procs if pid in self.members]
        total = sum(procs[pid][1] for pid in alive) * PAGE_KB
        self.peak_kb = max(self.peak_kb, total)
        anon = 0
        for pid in alive:
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("RssAnon:"):
                            anon += int(line.split()[1])
                            break
            except (OSError, ValueError):
                pass
        self.peak_anon_kb = max(self.peak_anon_kb, anon)

    def run(self):
        while not self.stop:
            self.scan()
            time.sleep(self.period)


def execd_env():
    """The environment of this node's pacemaker-execd, and where it came from."""
    for e in os.scandir("/proc"):
        if not e.name.isdigit():
            continue
        try:
            with open(f"/proc/{e.name}/comm") as f:
                if f.read().strip() != "pacemaker-execd":
                    continue
            with open(f"/proc/{e.name}/environ", "rb") as f:
                raw = f.read().split(b"\0")
        except OSError:
            continue
        env = {}
        for kv in raw:
            if b"=" in kv:
                k, v = kv.decode(errors="replace").split("=", 1)
                env[k] = v
        return env, "pacemaker-execd"
    return dict(EXECD_ENV), "builtin"


def cib_params(rsc):
    """The instance attributes of primitive rsc in the CIB, as execd passes them."""
    out = subprocess.run(["cibadmin", "--query", "--scope", "resources", "--xpath",
                          f"//primitive[@id='{rsc}']"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"agentrun: resource {rsc} is not in the CIB: {out.stderr.strip()}")
    root = ET.fromstring(out.stdout)
    prim = root if root.tag == "primitive" else root.find(".//primitive")
    params = {}
    for ia in prim.findall("instance_attributes"):
        for nv in ia.findall("nvpair"):
            params[nv.get("name")] = nv.get("value")
    return params


def agent_env(name, args):
    a = AGENTS[name]
    env = dict(BASE_ENV)
    rsc = f"{args.rsc}-{name}" if a.get("cib", True) else args.rsc
    env.update({
        "OCF_ROOT": "/usr/lib/ocf", "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1",
        "OCF_RESOURCE_INSTANCE": rsc, "OCF_RESOURCE_TYPE": a["type"],
        "OCF_RESOURCE_PROVIDER": a["provider"], "OCF_RESKEY_crm_feature_set": "3.16.2",
        "OCF_EXIT_REASON_PREFIX": "ocf-exit-reason:",
        "OCF_RESKEY_CRM_meta_on_node": os.uname().nodename,
    })
    if name == "vmguard":
        env["VMGUARD_HELPER"] = os.environ["VMGUARD_HELPER"]
        env["VMGUARD_METADATA"] = os.environ["VMGUARD_METADATA"]
    if a.get("cib", True):
        for k, v in CIB_PARAMS.setdefault(rsc, cib_params(rsc)).items():
            env["OCF_RESKEY_" + k] = v
    for kv in args.meta:
        k, v = kv.split("=", 1)
        env["OCF_RESKEY_CRM_meta_" + k] = v
    return env


def agent_path(name):
    if name == "vmguard":
        return os.environ["VMGUARD_AGENT"]
    if name == "floor":
        return os.environ["VMGUARD_FLOOR"]
    return AGENTS[name]["path"]


def reap_all(limit_s):
    """Reap every child left (the guardian and other detached descendants); returns the
    largest ru_maxrss among them."""
    end = time.monotonic() + limit_s
    maxrss = 0
    while True:
        try:
            pid, _, ru = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return maxrss
        if pid == 0:
            if time.monotonic() > end:
                return maxrss
            time.sleep(0.005)
        else:
            maxrss = max(maxrss, ru.ru_maxrss)


def run_once(name, args, rep):
    env = agent_env(name, args)
    env["OCF_RESKEY_CRM_meta_name"] = args.action if args.action != "monitor" else "monitor"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    lv0 = proc_cpu_ms(args.libvirtd_pid) if args.libvirtd_pid else 0.0
    devnull = os.open("/dev/null", os.O_RDWR)
    errfile = os.path.join(args.tmpdir, f"agentrun-{os.getpid()}.stderr")
    err = os.open(errfile, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    t0 = time.monotonic()
    argv = [agent_path(name), args.action]
    if args.callgrind:
        # instructions of every process of the call, deterministic whatever the load
        argv = ["valgrind", "--tool=callgrind", "--trace-children=yes",
                "--callgrind-out-file=/dev/null"] + argv
    pid = os.posix_spawnp(argv[0], argv, env,
                         file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0),
                                       (os.POSIX_SPAWN_DUP2, devnull, 1),
                                       (os.POSIX_SPAWN_DUP2, err, 2)],
                         setsid=True)
    sampler = None
    if args.sample_mem:
        sampler = TreeSampler(pid, args.sample_ms / 1000.0)
        sampler.start()
    _, status, ru = os.wait4(pid, 0)
    t1 = time.monotonic()
    os.close(devnull)
    os.close(err)
    if sampler:
        sampler.stop = True
        sampler.join()
    maxrss = max(ru.ru_maxrss, reap_all(3.0))
    lv1 = proc_cpu_ms(args.libvirtd_pid) if args.libvirtd_pid else 0.0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user = (after.ru_utime - before.ru_utime) * 1000
    sys_ = (after.ru_stime - before.ru_stime) * 1000
    out = {"agent": name, "action": args.action, "tag": args.tag, "rep": rep,
           "rsc": env["OCF_RESOURCE_INSTANCE"],
           "rc": os.waitstatus_to_exitcode(status), "wall_ms": round((t1 - t0) * 1000, 3),
           "user_ms": round(user, 3), "sys_ms": round(sys_, 3), "cpu_ms": round(user + sys_, 3),
           "maxrss_kb": maxrss, "libvirtd_cpu_ms": round(lv1 - lv0, 1),
           "t_start": time.time() - (time.monotonic() - t0)}
    if sampler:
        out["tree_peak_rss_kb"] = sampler.peak_kb
        out["tree_peak_anon_kb"] = sampler.peak_anon_kb
    with open(errfile, errors="replace") as f:
        text = f.read()
    os.unlink(errfile)
    if args.callgrind:
        counts = [int(c) for c in re.findall(r"Collected : (\d+)", text)]
        out["instructions"] = sum(counts)
        out["processes"] = len(counts)
    m = MIGRATED.search(text)
    if m:
        out["log_elapsed_ms"], out["log_downtime_ms"] = int(m.group(1)), int(m.group(2))
    reasons = [line.split("ocf-exit-reason:", 1)[1].strip() for line in text.splitlines()
               if "ocf-exit-reason:" in line]
    if reasons:
        out["exit_reason"] = reasons[-1][:300]
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--agent", action="append", required=True, choices=sorted(AGENTS))
    p.add_argument("--action", required=True)
    p.add_argument("--rsc", default="bench", help="resource id prefix: RSC-AGENT in the CIB")
    p.add_argument("--meta", action="append", default=[], help="NAME=VALUE (OCF_RESKEY_CRM_meta_NAME)")
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--tag", default="")
    p.add_argument("--libvirtd-pid", type=int, default=0)
    p.add_argument("--sample-mem", action="store_true")
    p.add_argument("--callgrind", action="store_true", help="count instructions (valgrind)")
    p.add_argument("--sample-ms", type=float, default=2.0)
    p.add_argument("--tmpdir", default="/var/tmp")
    p.add_argument("--warmup", type=int, default=0, help="unrecorded calls of each agent first")
    args = p.parse_args()
    global BASE_ENV
    BASE_ENV, source = execd_env()
    print(json.dumps({"kind": "env", "env_source": source, "env_keys": sorted(BASE_ENV)}), flush=True)
    # PR_SET_CHILD_SUBREAPER: orphaned descendants are reparented to us, so we reap and count them
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    for _ in range(args.warmup):
        for name in args.agent:
            run_once(name, args, -1)
    for rep in range(args.reps):
        order = args.agent if rep % 2 == 0 else list(reversed(args.agent))
        for name in order:
            print(json.dumps(run_once(name, args, rep)), flush=True)


if __name__ == "__main__":
    main()
