# shellcheck shell=bash
# Shared by the end-to-end tests: the lab, the built agent, PASS/FAIL.
# Sourced; expects VMGUARD_HELPER, VMGUARD_AGENT, VMGUARD_METADATA (set by tests/run-all).
set -u
E2E_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB=$E2E_TOP/tests/lab/vmg-lab
: "${VMG_LAB:=/var/tmp/vmg-lab}"
export VMG_LAB
E2E_FAILS=0

node_index() { echo "${1#vmg-n}"; }	# vmg-nI -> I
# "boot=<id> n=<counter>" of vmg-lab tick, taken apart
boot_of() { sed -n 's/.*boot=\([^ ]*\).*/\1/p' <<< "$1"; }
count_of() { sed -n 's/.*n=\([0-9]*\).*/\1/p' <<< "$1"; }
wait_until() {	# SECONDS COMMAND...: poll every 0.5 s
	local end=$(( $(date +%s) + $1 )); shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.5
	done
}

e2e_log() { echo "[$(date +%T)] $*"; }
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; E2E_FAILS=$((E2E_FAILS + 1)); }
check() {	# DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
# A check of a known defect, filed as ISSUE: it runs and is reported as
# XFAIL while it fails; once it passes, XPASS says the marker can go.
xfail() {	# ISSUE DESCRIPTION COMMAND...
	local issue=$1 what=$2; shift 2
	if "$@"; then echo "XPASS: $what (known defect, $issue: it works now, make it a check)"
	else echo "XFAIL: $what (known defect, $issue)"; fi
}

# The agent as installed: `make install` of the build tree that holds
# $VMGUARD_HELPER (or $VMGUARD_BUILD) into a staging root under the lab,
# bind-mounted by `vmg-lab stage` over the real paths in every node.  So
# Pacemaker (user hacluster), ocf-tester (nobody) and the tests run the agent,
# its helper and its metadata from where a package puts them, never out of a
# checkout (which may be under /tmp, private in the nodes, or in a 0700 home).
# Afterwards VMGUARD_AGENT and VMGUARD_HELPER name the installed paths: they
# exist inside the nodes only (run them with "$LAB" exec N).
install_agent() {
	local build=${VMGUARD_BUILD:-${VMGUARD_HELPER%/helpers/vmguard}}
	local stage=$VMG_LAB/stage${VMG_STAGE_SUFFIX:-} agent
	[ -f "$build/Makefile" ] || { echo "install_agent: no build tree at $build" >&2; return 1; }
	mkdir -p "$VMG_LAB" && chmod o+x "$VMG_LAB" && rm -rf "$stage" || return 1
	(umask 022 && make -s -C "$build" install DESTDIR="$stage" >/dev/null) ||
		{ echo "install_agent: make install DESTDIR=$stage failed" >&2; return 1; }
	agent=$(cd "$stage" && find . -path '*/resource.d/vmguard/VirtualMachine' -printf '/%P\n')
	[ -n "$agent" ] || { echo "install_agent: no agent in $stage" >&2; return 1; }
	# Pacemaker gives agents its own environment: the sanitizers' options
	# (tests/run-all e2e-sanitizers) go into the staged agent itself.
	if [ -n "${ASAN_OPTIONS:-}${UBSAN_OPTIONS:-}" ]; then
		sed -i "1a export ASAN_OPTIONS='${ASAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}'" "$stage$agent" || return 1
	fi
	"$LAB" stage "$stage" || return 1
	VMGUARD_AGENT=$agent
	VMGUARD_HELPER=$(sed -n 's/^: "${VMGUARD_HELPER:=\(.*\)}"$/\1/p' "$stage$agent")
	[ -x "$stage$VMGUARD_HELPER" ] || { echo "install_agent: helper $VMGUARD_HELPER not staged" >&2; return 1; }
	export VMGUARD_AGENT VMGUARD_HELPER
	unset VMGUARD_METADATA		# the agent's own default: the installed one
}

# in_node N CMD...: CMD inside lab node N, bounded (the installed agent and
# helper exist there only).
in_node() { local n=$1; shift; timeout "${E2E_NODE_TIMEOUT:-300}" "$LAB" exec "$n" "$@"; }

# Logs are read from an offset taken before the step whose lines a check
# looks for, so that a line an earlier step wrote cannot make it pass.
#   mark=$(log_mark FILE); ...step...; log_since FILE "$mark" | grep -q ...
# log_since fails (and prints nothing) when FILE cannot be read, so that a
# negative check on its output fails too (see log_lacks).
log_mark() { stat -c %s "$1" 2>/dev/null || echo 0; }
log_since() { [ -r "$1" ] && tail -c +"$(( ${2:-0} + 1 ))" "$1"; }
# log_lacks FILE MARK PATTERN: FILE is readable and has no line matching the
# (grep -E) PATTERN since MARK.
log_lacks() {
	local text
	text=$(log_since "$1" "$2") || { echo "cannot read $1" >&2; return 1; }
	! grep -qE -- "$3" <<< "$text"
}

# On failure, what an administrator would look at first.
e2e_diagnose() {
	[ "$E2E_FAILS" -gt 0 ] || return 0
	local mon
	# a lab without --cluster has no crm_mon to ask
	if mon=$("$LAB" exec 1 crm_mon -1 2>&1); then
		echo "---- crm_mon"
		printf '%s\n' "$mon" | sed 's/^/    /'
	fi
	echo "---- agent log lines"
	grep -h "VirtualMachine(" "$VMG_LAB"/nodes/*/var/log/pacemaker/pacemaker.log 2>/dev/null |
		tail -n 60 | sed 's/^/    /'
}

e2e_finish() {
	echo "$E2E_FAILS failure(s)"
	[ "$E2E_FAILS" -eq 0 ]
}
