# Shared by the end-to-end tests: the lab, the built agent, PASS/FAIL.
# Sourced; expects VMGUARD_HELPER, VMGUARD_AGENT, VMGUARD_METADATA (set by tests/run-all).
set -u
E2E_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB=$E2E_TOP/tests/lab/vmg-lab
: "${VMG_LAB:=/var/tmp/vmg-lab}"
export VMG_LAB
E2E_FAILS=0

e2e_log() { echo "[$(date +%T)] $*"; }
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; E2E_FAILS=$((E2E_FAILS + 1)); }
check() {	# DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# The agent as Pacemaker would find it on every node: a provider directory
# whose VirtualMachine runs the build tree's agent and helper.
install_agent() {
	local dir=$VMG_LAB/ocf-provider
	mkdir -p "$dir"
	# Pacemaker gives agents its own environment: the sanitizers' options
	# (tests/run-all e2e-sanitizers) have to be written into the wrapper.
	cat > "$dir/VirtualMachine" <<AGENT
#!/bin/sh
${ASAN_OPTIONS:+export ASAN_OPTIONS='$ASAN_OPTIONS'}
${UBSAN_OPTIONS:+export UBSAN_OPTIONS='$UBSAN_OPTIONS'}
VMGUARD_HELPER='$VMGUARD_HELPER' VMGUARD_METADATA='$VMGUARD_METADATA' exec '$VMGUARD_AGENT' "\$@"
AGENT
	chmod 755 "$dir/VirtualMachine"
	"$LAB" install-agent "$dir"
}

# On failure, what an administrator would look at first.
e2e_diagnose() {
	[ "$E2E_FAILS" -gt 0 ] || return 0
	echo "---- crm_mon"
	"$LAB" exec 1 crm_mon -1 2>&1 | sed 's/^/    /'
	echo "---- agent log lines"
	grep -h "VirtualMachine(" "$VMG_LAB"/nodes/*/var/log/pacemaker/pacemaker.log 2>/dev/null |
		tail -n 60 | sed 's/^/    /'
}

e2e_finish() {
	echo "$E2E_FAILS failure(s)"
	[ "$E2E_FAILS" -eq 0 ]
}
