#!/bin/bash
# Start-up cost of the helper against the floor (bench/floor.c: a program
# that links libvirt only and exits), without a lab: instructions counted by
# callgrind (deterministic, whatever the load; perf's "instructions" event is
# not available in every VM) and CPU (task-clock from getrusage, median of
# REPS runs).  The monitor runs against libvirt's test:/// driver, whose
# in-process parsing of its own config makes it dearer than a real monitor.
#
#   bench/startcost.sh [BUILD-DIR]        (default _build/release)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build/release}
reps=${REPS:-30}
helper=$build/helpers/vmguard
floor=$build/bench/vmg-floor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' "<domain type='test'><name>test</name><memory>8192</memory><os><type>hvm</type></os></domain>" \
	> "$tmp/test.xml"
export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=startcost HA_RSCTMP=$tmp \
	OCF_RESKEY_config=$tmp/test.xml OCF_RESKEY_hypervisor=test:///default \
	OCF_RESKEY_CRM_meta_timeout=20000 OCF_RESKEY_CRM_meta_interval=10000 HA_LOGFACILITY=none

instr() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
cpu_ms() {	# median CPU (user+sys) of REPS runs, ms
	python3 - "$reps" "$@" <<'PY'
import os, resource, statistics, subprocess, sys
reps, cmd = int(sys.argv[1]), sys.argv[2:]
xs = []
for _ in range(reps):
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    a = resource.getrusage(resource.RUSAGE_CHILDREN)
    xs.append((a.ru_utime - b.ru_utime + a.ru_stime - b.ru_stime) * 1000)
print(f"{statistics.median(xs):.2f}")
PY
}
libs() { ldd "$1" | wc -l; }

f=$(instr "$floor")
printf '%-28s %5s %14s %8s %9s\n' what libs instructions "x floor" "CPU ms"
row() {	# LABEL LIBS-OF CMD...
	local label=$1 l; shift
	l=$(libs "$1")
	local n; n=$(instr "$@")
	printf '%-28s %5s %14s %8s %9s\n' "$label" "$l" "$n" \
		"$(awk -v a="$n" -v b="$f" 'BEGIN { printf "%.2f", a / b }')" "$(cpu_ms "$@")"
}
row floor "$floor"
row "vmguard nosuchaction" "$helper" nosuchaction
row "vmguard monitor (test:///)" "$helper" monitor
