#!/bin/bash
# The light actions do not pay for the cluster stack (issue 16): the helper
# links libvirt and libxml2 only, Pacemaker's, Corosync's, libvirt-qemu's
# and libqb's libraries are in the cluster plugin, which monitor, status,
# probe and stop never load and the split-brain check of a start does
# (helpers/cluster.h).  validate-all loads it for one question: the stop
# timeout configured in the CIB, too short a one is warned about (issue 12).  Run by `make check` (TAP) with the build's
# $VMGUARD_HELPER and $VMGUARD_CLUSTER_PLUGIN; the loads are seen through
# ld.so's own trace (LD_DEBUG=files), so each check can fail.
set -u
helper=${VMGUARD_HELPER:?run through make check}
plugin=${VMGUARD_CLUSTER_PLUGIN:?run through make check}
cluster_libs='libcib|libcrmcommon|libcmap|libvirt-qemu|libqb'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 status=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; status=1; }
# result WHAT STATUS: one TAP line for the check just run
result() { if [ "$2" = 0 ]; then ok "$1"; else not_ok "$1"; fi; }

# all_of "WORD..." TEXT: every (basic regex) word is found in TEXT; none_of ERE TEXT: no match
all_of() { local w; for w in $1; do grep -q -- "$w" <<<"$2" || return 1; done; }
none_of() { ! grep -Eq -- "$1" <<<"$2"; }
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
# the libraries ld.so loads while running the helper with ARGS (env set by the caller)
loads() { LD_DEBUG=files LD_DEBUG_OUTPUT=$tmp/ld "$helper" "$@" >/dev/null 2>&1
	cat "$tmp"/ld.* 2>/dev/null | sed -n 's/.*file=\([^ ]*\).*generating link map.*/\1/p'
	rm -f "$tmp"/ld.*; }

echo "1..8"
helper_needed=$(needed "$helper") plugin_needed=$(needed "$plugin")
none_of "$cluster_libs" "$helper_needed"
result "the helper links none of the cluster libraries" $?
all_of "libcib libcmap libvirt-qemu" "$plugin_needed"
result "the plugin links libcib, libcmap and libvirt-qemu" $?

export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=vm-linkage HA_LOGFACILITY=none \
	HA_RSCTMP=$tmp OCF_RESKEY_hypervisor=test:///default OCF_RESKEY_CRM_meta_timeout=20000 \
	OCF_RESKEY_config=$tmp/test.xml
printf "<domain type='test'><name>test</name><memory>65536</memory><os><type>hvm</type></os></domain>\n" \
	> "$tmp/test.xml"
light=$(for a in monitor status stop; do
	OCF_RESKEY_CRM_meta_interval=10000 loads "$a"; done; loads monitor)
all_of libvirt.so "$light" && none_of "$cluster_libs" "$light"
result "monitor, status, probe, stop load libvirt but no cluster library" $?

# A start of a stopped domain asks the peers first, and reads them from the
# CIB ($CIB_file, as for any Pacemaker tool): that loads the plugin.
printf "<domain type='test'><name>vm-linkage</name><memory>65536</memory><os><type>hvm</type></os></domain>\n" \
	> "$tmp/stopped.xml"
export CIB_file=$tmp/cib.xml
cat > "$CIB_file" <<'CIB'
<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes><node id="1" uname="vm-linkage-node"/></nodes>
    <resources/><constraints/></configuration><status/></cib>
CIB
# A resource of its own: the light actions above made this node remember "test".
export OCF_RESOURCE_INSTANCE=vm-linkage-start
start=$(OCF_RESKEY_config=$tmp/stopped.xml loads start)
all_of "vmguard-cluster.so libcib" "$start"
result "a start with the split-brain check loads the plugin and its libraries" $?
# So does its utilization (autoset_utilization_*, true by default as in
# VirtualDomain), compared with the CIB once per start.
start=$(OCF_RESKEY_config=$tmp/stopped.xml OCF_RESKEY_split_brain_check=false loads start)
all_of "vmguard-cluster.so libcib" "$start"
result "a start with the utilization kept current loads the plugin" $?
start=$(OCF_RESKEY_config=$tmp/stopped.xml OCF_RESKEY_split_brain_check=false \
	OCF_RESKEY_autoset_utilization_cpu=false OCF_RESKEY_autoset_utilization_hv_memory=false \
	OCF_RESKEY_autoset_utilization_host_memory=false loads start)
all_of libvirt.so "$start" && none_of "vmguard-cluster|$cluster_libs" "$start"
result "a start without either loads no cluster library" $?

# A plugin that cannot be loaded is a clear failure of what needed it.
out=$(OCF_RESKEY_config=$tmp/stopped.xml VMGUARD_CLUSTER_PLUGIN=$tmp/none.so \
	"$helper" start 2>&1)
all_of "cannot.load.the.cluster.plugin.*none.so" "$out"
result "a missing plugin is named in the log of the action that needed it" $?

# Only the plugin's files include the cluster stack's headers.
top=$(cd "$(dirname "$0")/.." && pwd)
bad=$(grep -El '#[[:space:]]*include[[:space:]]*<(crm/|corosync/|qb/|libvirt/libvirt-qemu\.h)' \
	"$top"/helpers/*.[ch] | sed 's|.*/||' | grep -Evx 'cib\.c|corosync_token\.c|cluster_plugin\.c')
test -z "$bad"
result "only cib.c, corosync_token.c and cluster_plugin.c include the cluster headers${bad:+ (also: $bad)}" $?
exit "$status"
