# Shared by the bench/ scripts (sourced by bench/run-all, which runs them all inside a private
# mount namespace, "the bubble").  Nothing here is a test: no PASS/FAIL, only numbers.
# shellcheck shell=bash
BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=$BENCH_TOP/tests/lab/vmg-lab
PY=/usr/bin/python3
export VD_AGENT=/usr/lib/ocf/resource.d/heartbeat/VirtualDomain
: "${VMGUARD_HELPER:=$BENCH_TOP/_build/release/helpers/vmguard}"
: "${VMGUARD_AGENT:=$BENCH_TOP/_build/release/agents/VirtualMachine}"
: "${VMGUARD_METADATA:=$BENCH_TOP/metadata/VirtualMachine.xml}"
: "${VMGUARD_FLOOR:=$BENCH_TOP/_build/release/bench/vmg-floor}"
export VMGUARD_HELPER VMGUARD_AGENT VMGUARD_METADATA VMGUARD_FLOOR
: "${BENCH_ROOT:=/var/tmp/vmg-bench}"        # everything the benchmark keeps (not /tmp: private in the nodes)
export VMG_LAB=$BENCH_ROOT/lab
: "${BENCH_OUT:=$BENCH_ROOT/results}"
export BENCH_ROOT BENCH_OUT
# Same migration settings for every agent: VirtualDomain's parameter names, which vmguard accepts too.
# The daemon connection goes over mgmt (qemu+tcp://vmg-nJ/system), the data over the fast LAN.
MIG_PARAMS=(migration_transport=tcp "migrateuri=tcp://%n-fast")

blog() { echo "[bench $(date +%T)] $*" >&2; }
now() { date +%s.%N; }
ms_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# record STEP KEY=VALUE... : one JSON line in $BENCH_OUT/results.jsonl (values: numbers or strings)
record() {
	local step=$1; shift
	"$PY" - "$step" "$@" >> "$BENCH_OUT/results.jsonl" <<'PY'
import json, sys
out = {"step": sys.argv[1]}
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1)
    try:
        out[k] = int(v)
    except ValueError:
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
print(json.dumps(out))
PY
}

# agentrun NODE ARGS... : bench/agentrun.py inside NODE; its JSON lines go to results.jsonl
# (with "step" added) and to stdout
agentrun() {
	local node=$1 step=$2; shift 2
	"$LAB" exec "$node" env VMGUARD_FLOOR="$VMGUARD_FLOOR" \
		"$PY" "$BENCH_TOP/bench/agentrun.py" --tmpdir "$BENCH_ROOT" "$@" |
		"$PY" -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line); d["step"] = sys.argv[1]; d["load"] = open("/proc/loadavg").read().split()[0]
    print(json.dumps(d), flush=True)' "$step" | tee -a "$BENCH_OUT/results.jsonl"
}

libvirtd_pid() { cat "$VMG_LAB/nodes/vmg-n$1/pids/libvirtd.pid"; }
in1() { "$LAB" exec 1 "$@"; }

# guest_xml NAME [lab guest-xml options] : writes $VMG_LAB/NAME.xml (seen by every node)
guest_xml() { local n=$1; shift; "$LAB" guest-xml "$n" "$@" > "$VMG_LAB/$n.xml"; }
# active_on NAME : the nodes whose libvirtd runs NAME
active_on() {
	local i
	for i in 1 2; do "$LAB" virsh "$i" list --name 2>/dev/null | grep -qx "$1" && echo "vmg-n$i"; done
	return 0
}
destroy_everywhere() {
	local i
	for i in 1 2; do "$LAB" virsh "$i" destroy "$1" >/dev/null 2>&1 || true; done
}
wait_until() {	# SECONDS COMMAND... : poll every 0.2 s
	local end=$(( $(date +%s) + $1 )); shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}
# libvirt's completed-job statistics of NAME on NODE, as "elapsed_ms downtime_ms" (empty if none)
jobinfo() {
	"$LAB" virsh "$1" domjobinfo "$2" --completed 2>/dev/null |
		awk '/^Time elapsed:/ { e = $3 } /^Total downtime:/ { d = $3 } END { if (e != "") print e, d }'
}

# --- Pacemaker ----------------------------------------------------------------------------------
# The agents compared: vmguard; VirtualDomain with its defaults (vd); VirtualDomain in its cheapest
# configuration (vd-cheap: hypervisor set, so it does not ask virsh for the default URI, and no
# utilization autoset, so no crm_resource call per action).
VD_CHEAP_PARAMS=(hypervisor=qemu:///system autoset_utilization_cpu=false
	autoset_utilization_hv_memory=false autoset_utilization_host_memory=false)
# create_rsc ID AGENT XMLFILE [PARAM=VALUE...] : a primitive of AGENT (vmguard | vd | vd-cheap)
# with the same operations and migration settings for every agent
create_rsc() {
	local name=$1 agent=$2 xml=$3 provider type p nv="" extra=(); shift 3
	case $agent in
	vmguard) provider=vmguard type=VirtualMachine ;;
	vd) provider=heartbeat type=VirtualDomain ;;
	vd-cheap) provider=heartbeat type=VirtualDomain extra=("${VD_CHEAP_PARAMS[@]}") ;;
	*) blog "create_rsc: unknown agent $agent"; return 1 ;;
	esac
	for p in "config=$xml" "${MIG_PARAMS[@]}" "${extra[@]}" "$@"; do
		nv="$nv<nvpair id='$name-${p%%=*}' name='${p%%=*}' value='${p#*=}'/>"
	done
	in1 cibadmin --create --scope resources --xml-text "
<primitive id='$name' class='ocf' provider='$provider' type='$type'>
  <instance_attributes id='$name-params'>$nv</instance_attributes>
  <meta_attributes id='$name-meta'><nvpair id='$name-allow-migrate' name='allow-migrate' value='true'/></meta_attributes>
  <operations>
    <op id='$name-start' name='start' interval='0' timeout='60s'/>
    <op id='$name-stop' name='stop' interval='0' timeout='60s'/>
    <op id='$name-monitor' name='monitor' interval='10s' timeout='20s'/>
    <op id='$name-migrate_to' name='migrate_to' interval='0' timeout='${MIGRATE_TO_TIMEOUT:-120}s'/>
    <op id='$name-migrate_from' name='migrate_from' interval='0' timeout='60s'/>
  </operations>
</primitive>"
}
# set_param ID NAME VALUE : change an instance attribute of a primitive
set_param() { in1 crm_resource --resource "$1" --set-parameter "$2" --parameter-value "$3" >/dev/null; }
del_param() { in1 crm_resource --resource "$1" --delete-parameter "$2" >/dev/null; }
maintenance() { in1 crm_attribute --type crm_config --name maintenance-mode --update "$1" >/dev/null; }
# forget_rsc ID... : delete primitives while the cluster is in maintenance-mode (nothing is stopped)
forget_rsc() {
	local r
	for r in "$@"; do
		in1 cibadmin --delete --scope resources --xml-text "<primitive id='$r'/>" >/dev/null 2>&1
		in1 crm_resource --cleanup --resource "$r" >/dev/null 2>&1
	done
}
# the node Pacemaker has NAME on (empty while it moves or is stopped)
location() {
	in1 crm_resource --locate --resource "$1" 2>/dev/null | sed -n 's/.*is running on: \([^ ]*\).*/\1/p' | head -n 1
}
settled_on() { [ "$(location "$1")" = "$2" ] && [ "$(active_on "$1")" = "$2" ]; }
standby() { in1 crm_attribute --node "$1" --name standby --update "$2" >/dev/null; }
# delete_rsc ID[=VM]... : stop them (Pacemaker), wait until no node runs their VM (named ID unless
# given), delete them
delete_rsc() {
	local a r v
	for a in "$@"; do
		in1 crm_resource --resource "${a%%=*}" --meta --set-parameter target-role --parameter-value Stopped >/dev/null 2>&1
	done
	for a in "$@"; do
		v=${a#*=}
		wait_until 90 eval '[ -z "$(active_on '"$v"')" ]' || destroy_everywhere "$v"
	done
	for a in "$@"; do
		r=${a%%=*} v=${a#*=}
		in1 cibadmin --delete --scope resources --xml-text "<primitive id='$r'/>" >/dev/null 2>&1
		in1 crm_resource --cleanup --resource "$r" >/dev/null 2>&1
		destroy_everywhere "$v"
	done
}
# pcmk_log I [OFFSET] : node I's Pacemaker log (from byte OFFSET on); pcmk_log_size I : its size
pcmk_log() { tail -c +"$(( ${2:-0} + 1 ))" "$VMG_LAB/nodes/vmg-n$1/var/log/pacemaker/pacemaker.log" 2>/dev/null; }
pcmk_log_size() { stat -c %s "$VMG_LAB/nodes/vmg-n$1/var/log/pacemaker/pacemaker.log" 2>/dev/null || echo 0; }
# log_time LINE : the epoch time of a Pacemaker log line ("Nov 23 17:22:45.800 vmg-n1 ...")
log_time() { date -d "$(awk '{ print $1, $2, $3 }' <<<"$1")" +%s.%N 2>/dev/null; }
other() { [ "$1" = vmg-n1 ] && echo vmg-n2 || echo vmg-n1; }
# all_settled_on NODE NAME... : Pacemaker has every NAME started on NODE only, and no libvirtd
# elsewhere runs one of them
all_settled_on() {
	local node=$1 other; shift
	other=vmg-n1; [ "$node" = vmg-n1 ] && other=vmg-n2
	in1 crm_mon -1 --output-as=xml 2>/dev/null | "$PY" -c '
import sys, xml.etree.ElementTree as ET
node, names = sys.argv[1], set(sys.argv[2:])
ok = set()
for r in ET.parse(sys.stdin).getroot().iter("resource"):
    on = [n.get("name") for n in r.iter("node")]
    if r.get("id") in names and r.get("role") == "Started" and r.get("failed") == "false" and on == [node]:
        ok.add(r.get("id"))
sys.exit(0 if ok == names else 1)' "$node" "$@" || return 1
	local running i v
	i=${other#vmg-n}
	running=$("$LAB" virsh "$i" list --name 2>/dev/null)
	for v in "$@"; do grep -qx "$v" <<<"$running" && return 1; done
	i=${node#vmg-n}
	running=$("$LAB" virsh "$i" list --name 2>/dev/null)
	for v in "$@"; do grep -qx "$v" <<<"$running" || return 1; done
	return 0
}
failed_actions() {	# [RSC]: how many failed actions crm_mon shows (of RSC only, when given)
	in1 crm_mon -1 --output-as=xml 2>/dev/null | grep -c "<failure op_key=\"${1:+${1}_}" || true
}
# transition_done_ms T0 OFF1 OFF2 : milliseconds from T0 (epoch) to the end of the last transition
# the DC completed after the logs' offsets ("Transition N (Complete=...): Complete"; all of its
# actions, the new recurring monitors included, have returned); empty if none
transition_done_ms() {
	local line ts
	line=$( { pcmk_log 1 "$2"; pcmk_log 2 "$3"; } | grep -a "pacemaker-controld.*Transition [0-9]* (Complete=.*): Complete" |
		sort -k1,3 | tail -n 1)
	[ -n "$line" ] || return 0
	ts=$(log_time "$line") || return 0
	awk -v a="$1" -v b="$ts" 'BEGIN { printf "%d", (b - a) * 1000 }'
}
