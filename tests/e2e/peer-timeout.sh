#!/bin/bash
# End-to-end test of the peer-timeout guard on a real 3-node Corosync cluster
# (tests/lab/vmg-lab: one network namespace per node).  Run as root.
#
#  A  guard raised from node 1 for every member (local + the two peers), node 3's
#     corosync frozen (SIGSTOP) 10 s, longer than the default token: no membership
#     change; after the guard ends, totem.token reads back as before on all nodes
#     (absent key: the built-in default).
#  B  the same freeze without the guard: node 3 is lost.
#  C  totem.token preset by "the administrator" to 5000 on every node; guard raised,
#     the helper SIGKILLed while holding it; with no vmguard action run, node 1's
#     keeper restores 5000 everywhere, also on the peers it reached.
#
# The peers are reached through the helper's ssh transport and the lab's real
# sshd (per-lab keys, BatchMode).  tests/e2e/guard.sh has the keeper's cases.
#
# The helper runs as installed in the nodes (tests/e2e/lib.sh install_agent,
# from the build tree of VMGUARD_HELPER or VMGUARD_BUILD).
# VMG_LAB_KEEP=1 keeps the lab up afterwards.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
HELPER=
FREEZE_S=12
PAUSE_MS=12000                       # -> totem.token (12000 + 5000 margin) / 0.8 = 21250
RAISED=21250
fails=0 passes=0
WORK='' GUARD_PID=''

log() { echo "[peer-timeout $(date +%T.%3N)] $*" >&2; }
pass() { echo "PASS: $*"; passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cleanup() {
    local n
    for n in 1 2 3; do "$LAB" thaw "$n" >/dev/null 2>&1; done
    if [ -n "$GUARD_PID" ] && kill -0 "$GUARD_PID" 2>/dev/null; then kill -KILL "$GUARD_PID"; fi
    [ "${VMG_LAB_KEEP:-0}" = 1 ] || timeout 120 "$LAB" down >/dev/null 2>&1
    [ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }

in_node() { local n=$1; shift; timeout 60 "$LAB" exec "$n" "$@"; }
cmap() { in_node "$1" corosync-cmapctl "${@:2}" 2>/dev/null; }
# "absent" or the number
token() { local v; v=$(cmap "$1" -g totem.token) || { echo absent; return; }; echo "${v##* }"; }
runtime_token() { local v; v=$(cmap "$1" -g runtime.config.totem.token); echo "${v##* }"; }
member_status() { local v; v=$(cmap "$1" -g "runtime.members.$2.status"); echo "${v##* }"; }
join_count() { local v; v=$(cmap "$1" -g "runtime.members.$2.join_count"); echo "${v##* }"; }
tokens_all() { echo "$(token 1) $(token 2) $(token 3)"; }

# Starts `vmguard peer-timeout guard` in node 1 the way migrate_to raises the
# guard (same parameters, OCF environment), waits until it reports "in force".
start_guard() {
    local out=$WORK/guard.out i
    : > "$out"
    "$LAB" exec 1 env OCF_RESOURCE_INSTANCE=vm1 \
        OCF_RESKEY_CRM_meta_timeout=60000 \
        OCF_RESKEY_peer_timeout_clusters=corosync OCF_RESKEY_peer_timeout_members=cluster \
        "$HELPER" peer-timeout guard --pause-ms "$PAUSE_MS" > "$out" 2> "$WORK/guard.err" &
    disown $!                            # case C kills it: no job-control noise
    for ((i = 0; i < 300; i++)); do
        grep -q '^in force' "$out" && break
        if ! kill -0 $! 2>/dev/null; then break; fi
        sleep 0.1
    done
    GUARD_PID=$(sed -n 's/^in force pid=\([0-9]*\).*/\1/p' "$out")
    [ -n "$GUARD_PID" ] || { cat "$WORK/guard.err" >&2; return 1; }
}

stop_guard() { # SIGNAL
    local i
    kill "-$1" "$GUARD_PID"
    for ((i = 0; i < 300; i++)); do kill -0 "$GUARD_PID" 2>/dev/null || break; sleep 0.1; done
    GUARD_PID=
}

# Freezes node 3's corosync for FREEZE_S; prints the worst status of member 3 seen
# from node 1 meanwhile ("left" if it was lost).
freeze_node3() {
    local status seen=joined t
    "$LAB" freeze 3 >/dev/null || return 1
    t=$(( $(date +%s) + FREEZE_S ))
    while (( $(date +%s) < t )); do
        status=$(member_status 1 3)
        [ "$status" = joined ] || seen=$status
        sleep 0.5
    done
    "$LAB" thaw 3 >/dev/null
    echo "$seen"
}

# After a long freeze the token may have been lost on the way to the frozen node;
# the ring then re-forms (same members) only when the token timer in force runs
# out.  Wait until tokens flow again on node 1: only then has every node armed
# the token value of the moment (a change arms at the next token receipt).
wait_token_flowing() {
    local first now i
    first=$(cmap 1 -m stats -g stats.srp.orf_token_rx); first=${first##* }
    for ((i = 0; i < 80; i++)); do
        sleep 0.5
        now=$(cmap 1 -m stats -g stats.srp.orf_token_rx); now=${now##* }
        [ -n "$now" ] && [ -n "$first" ] && (( now > first + 1 )) && return 0
    done
    return 1
}

wait_rejoined() {
    local i
    for ((i = 0; i < 60; i++)); do
        [ "$(member_status 1 3)" = joined ] && [ "$(member_status 3 1)" = joined ] && return 0
        sleep 0.5
    done
    return 1
}

WORK=$(mktemp -d /var/tmp/vmg-pt-e2e.XXXXXX)
log "lab up (3 nodes, default token)"
timeout 600 "$LAB" up --nodes 3 --cluster >&2 || { echo "FAIL: lab did not come up"; exit 1; }
install_agent >&2 || { echo "FAIL: the helper installed in the nodes"; exit 1; }
HELPER=$VMGUARD_HELPER
t0=$(date +%s)

# ---------------------------------------------------------------- A
before=$(tokens_all)
rt_before=$(runtime_token 1)
join_before=$(join_count 1 3)
log "A: before: totem.token on nodes 1 2 3 = $before, runtime $rt_before"
if start_guard; then
    raised=$(tokens_all)
    if [ "$raised" = "$RAISED $RAISED $RAISED" ]; then pass "A: guard raised totem.token to $RAISED on all 3 nodes (runtime $(runtime_token 2) on a peer)"
    else fail "A: totem.token after raise is '$raised', want $RAISED on all 3 nodes"; fi
    commits=$(cmap 1 -m stats -g stats.srp.memb_commit_token_rx)
    seen=$(freeze_node3)
    # Judge once the ring works again (a late loss would show up here), guard still held.
    wait_token_flowing || log "A: no token flow 40 s after the thaw"
    [ "$(member_status 1 3)" = joined ] || seen="$seen, then $(member_status 1 3)"
    if [ "$seen" = joined ] && [ "$(join_count 1 3)" = "$join_before" ]; then
        pass "A: node 3 frozen ${FREEZE_S} s with the guard: no membership change (status joined, join_count $join_before)"
    else fail "A: node 3 frozen with the guard: status seen '$seen', join_count $(join_count 1 3) (was $join_before)"; fi
    [ "$(cmap 1 -m stats -g stats.srp.memb_commit_token_rx)" = "$commits" ] &&
        log "A: the ring did not even re-form" || log "A: the ring re-formed with the same members"
    stop_guard TERM
    after=$(tokens_all)
    if [ "$after" = "$before" ] && [ "$(runtime_token 1)" = "$rt_before" ]; then
        pass "A: after restore totem.token reads back '$after' (was '$before'), runtime $rt_before"
    else fail "A: after restore totem.token is '$after', runtime $(runtime_token 1); before '$before', $rt_before"; fi
else
    fail "A: guard did not come into force: $(tail -1 "$WORK/guard.err")"
fi

# ---------------------------------------------------------------- B
wait_token_flowing || fail "B: tokens do not flow before the freeze"
seen=$(freeze_node3)
if [ "$seen" = left ]; then pass "B: node 3 frozen ${FREEZE_S} s without the guard: lost (member status '$seen')"
else fail "B: node 3 frozen without the guard was not lost (status '$seen')"; fi
wait_rejoined || fail "B: node 3 did not rejoin"

# ---------------------------------------------------------------- C
for n in 1 2 3; do cmap "$n" -s totem.token u32 5000 >/dev/null; done
sleep 2                                   # one token round everywhere
before=$(tokens_all)
log "C: administrator's value: $before"
if [ "$before" != "5000 5000 5000" ]; then
    fail "C: setup: totem.token preset to 5000 reads back '$before'"
elif start_guard; then
    raised=$(tokens_all)
    stop_guard KILL
    if [ "$raised" = "$RAISED $RAISED $RAISED" ]; then pass "C: raised to $RAISED on all nodes"
    else fail "C: raised '$raised', want $RAISED on all 3 nodes"; fi
    for ((i = 0; i < 50; i++)); do [ "$(tokens_all)" = "$before" ] && break; sleep 0.2; done
    after=$(tokens_all)
    if [ "$after" = "$before" ]; then
        pass "C: helper SIGKILLed, no action run: node 1's keeper restored '$after' on all nodes"
    else fail "C: 10 s after the SIGKILL totem.token is '$after', want '$before'"; fi
    if q=$(in_node 2 "$HELPER" peer-timeout query); then
        state=$(grep -c '^holder' <<< "$q")
        [ "$state" = 0 ] && pass "C: no holder left in node 2's state" ||
            fail "C: node 2 still lists $state holder(s)"
    else
        fail "C: peer-timeout query on node 2 failed"
    fi
else
    fail "C: guard did not come into force: $(tail -1 "$WORK/guard.err")"
fi

log "cases ran in $(( $(date +%s) - t0 )) s"
echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
