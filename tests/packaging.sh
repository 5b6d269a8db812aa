#!/bin/bash
# tests/packaging.sh -- prove the packaging really builds.
#
#   1. dpkg-buildpackage -us -uc -b in a clean copy of the tree, then check the
#      .deb: the agent (mode 755, pointing at the installed helper and
#      meta-data), the helper and the meta-data are where Pacemaker and the
#      agent expect them; lintian (if installed) reports no error.
#   2. The same from a copy whose path has a space in it (debian/rules builds
#      in a space-free copy then), without the tests (nocheck: step 1 ran
#      them): the .deb has the same files, modes and sizes, and
#      "debian/rules clean" removes the space-free copy.
#   3. make distcheck in another clean copy (tarball ships all that the build
#      and "make check" need, VPATH build, read-only srcdir).
#   4. rpm/rpmbuild.sh (make dist, then rpmbuild -ta; --nodeps because the
#      BuildRequires are Fedora names) from a copy whose path has a space in
#      it, then check the .rpm.
#
# A clean copy is the git tree (tracked files plus untracked, not ignored
# ones), or the whole directory when this is not a git checkout.  Prints one
# PASS/FAIL/SKIP line per check, exits 1 if any check failed.  Temporary
# directories are removed unless VMG_PKG_KEEP=1.
#
# Environment: VMG_PKG_SKIP="deb deb-space distcheck rpm" (any subset) skips
# steps.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
SKIP=" ${VMG_PKG_SKIP:-} "
JOBS=$(nproc 2>/dev/null || echo 2)
AGENT_PATH=usr/lib/ocf/resource.d/vmguard/VirtualMachine
HELPER_PATH=usr/libexec/vmguard/vmguard
PLUGIN_PATH=usr/libexec/vmguard/vmguard-cluster.so
META_PATH=usr/share/vmguard/VirtualMachine.xml
MAN7_PATH=usr/share/man/man7/ocf_vmguard_VirtualMachine.7
MAN8_PATH=usr/share/man/man8/vmguard.8

fails=0
pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; fails=$((fails + 1)); }
skip() { printf 'SKIP: %s\n' "$*"; }
check() {	# DESCRIPTION CMD...
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
show_log() {	# LOG: the end of a failed step's log, on stderr
	echo "---- last lines of $1" >&2
	tail -n 40 "$1" >&2
	echo "----" >&2
}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmguard-pkg.XXXXXX") || exit 1
# The agent tests run the agent as "nobody" when started as root: it must be
# able to reach the build trees.
chmod 755 "$TMP"
cleanup() {
	if [ "${VMG_PKG_KEEP:-0}" = 1 ]; then
		echo "kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

man_lists_parameters() {	# MAN.gz METADATA: each <parameter name> is a term of the page
	local p text missing=''
	text=$(zcat "$1") || return 1
	for p in $(xmllint --xpath '//parameter/@name' "$2" | sed 's/ name="\([^"]*\)"/\1 /g'); do
		grep -qF "\\fB$p\\fR" <<< "$text" || missing="$missing $p"
	done
	[ -z "$missing" ] || { echo "not in the man page:$missing"; return 1; }
}

man8_documents_cli() {	# MAN.gz: the helper's path and each peer-timeout command
	local c text
	text=$(zcat "$1") || return 1
	grep -qF "/$HELPER_PATH" <<< "$text" || { echo "no /$HELPER_PATH"; return 1; }
	for c in raise restore recover query guard; do
		grep -qx "\.B $c" <<< "$text" || { echo "no $c"; return 1; }
	done
}

copy_tree() {	# DEST: a clean copy of the source tree
	mkdir -p "$1"
	if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do
				[ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
			done | tar --null -cf - -T -) | tar -xf - -C "$1"
	else
		cp -a "$TOP/." "$1/"
	fi
}

# ----------------------------------------------------------------- .deb
deb_step() {
	local src=$TMP/deb/vmguard log=$TMP/deb/build.log deb x=$TMP/deb/x start
	if ! command -v dpkg-buildpackage >/dev/null; then
		fail "deb: dpkg-buildpackage not installed (tests/install-deps installs it)"; return
	fi
	copy_tree "$src"
	start=$(date +%s)
	if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=$JOBS ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -us -uc -b) > "$log" 2>&1
	then
		fail "deb: dpkg-buildpackage -us -uc -b ($(( $(date +%s) - start ))s)"
		show_log "$log"
		[ -f "$src/test-suite.log" ] && cat "$src/test-suite.log" >&2
		return
	fi
	pass "deb: dpkg-buildpackage -us -uc -b ($(( $(date +%s) - start ))s)"

	deb=$(find "$TMP/deb" -maxdepth 1 -name 'vmguard_*.deb' | head -n 1)
	if [ -z "$deb" ]; then fail "deb: no vmguard_*.deb produced"; return; fi
	local listing; listing=$(dpkg-deb -c "$deb")
	DEB_FILES=$(deb_files "$deb")
	has_entry() {	# MODE PATH
		printf '%s\n' "$listing" | awk -v m="$1" -v p="./$2" '$1 == m && $NF == p { f = 1 } END { exit !f }'
	}
	check "deb: /$AGENT_PATH is in the package, mode 755" has_entry -rwxr-xr-x "$AGENT_PATH"
	check "deb: /$HELPER_PATH is in the package, mode 755" has_entry -rwxr-xr-x "$HELPER_PATH"
	check "deb: /$META_PATH is in the package, mode 644" has_entry -rw-r--r-- "$META_PATH"
	# dh_fixperms gives shared objects 644; the helper dlopen()s it.
	check "deb: the cluster plugin /$PLUGIN_PATH is in the package" \
		sh -c "printf '%s\n' \"\$1\" | grep -q ' ./$PLUGIN_PATH\$'" _ "$listing"
	check "deb: /$MAN7_PATH.gz is in the package, mode 644" has_entry -rw-r--r-- "$MAN7_PATH.gz"
	check "deb: /$MAN8_PATH.gz is in the package, mode 644" has_entry -rw-r--r-- "$MAN8_PATH.gz"
	check "deb: Depends has resource-agents" \
		sh -c "dpkg-deb -f '$deb' Depends | grep -qw resource-agents"

	dpkg-deb -x "$deb" "$x"
	check "deb: agent defaults to the installed helper /$HELPER_PATH" \
		grep -q "VMGUARD_HELPER:=/$HELPER_PATH}" "$x/$AGENT_PATH"
	check "deb: agent defaults to the installed meta-data /$META_PATH" \
		grep -q "VMGUARD_METADATA:=/$META_PATH}" "$x/$AGENT_PATH"
	check "deb: agent has no unsubstituted @...@" sh -c "! grep -q '@[a-z_]*@' '$x/$AGENT_PATH'"
	check "deb: helper is a dynamically linked ELF that finds its libraries" \
		sh -c "ldd '$x/$HELPER_PATH' >/dev/null && ! ldd '$x/$HELPER_PATH' | grep -q 'not found'"
	check "deb: the cluster plugin finds its libraries" \
		sh -c "ldd '$x/$PLUGIN_PATH' >/dev/null && ! ldd '$x/$PLUGIN_PATH' | grep -q 'not found'"
	check "deb: packaged agent's meta-data is valid against ra-api-1.dtd" \
		sh -c "VMGUARD_METADATA='$x/$META_PATH' '$x/$AGENT_PATH' meta-data |
			(cd /usr/share/resource-agents && xmllint --noout --valid -)"
	check "deb: ocf_vmguard_VirtualMachine(7) lists every parameter of the metadata" \
		man_lists_parameters "$x/$MAN7_PATH.gz" "$x/$META_PATH"
	check "deb: vmguard(8) names the installed helper and the peer-timeout commands" \
		man8_documents_cli "$x/$MAN8_PATH.gz"
	check "deb: the man pages format without a warning" \
		sh -c "for m in '$x/$MAN7_PATH.gz' '$x/$MAN8_PATH.gz'; do
			w=\$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l \"\$m\" 2>&1 >/dev/null) || exit 1
			[ -z \"\$w\" ] || { echo \"\$m: \$w\"; exit 1; }; done"

	# tests/install-deps installs lintian: no SKIP.
	local changes; changes=$(find "$TMP/deb" -maxdepth 1 -name 'vmguard_*.changes' | head -n 1)
	if lintian --fail-on error,warning --tag-display-limit 0 "$changes" > "$TMP/deb/lintian.log" 2>&1; then
		pass "deb: lintian reports no error and no warning ($(grep -c '^I:' "$TMP/deb/lintian.log") info)"
		grep '^[WIP]:' "$TMP/deb/lintian.log" | sed 's/^/      /'
	else
		fail "deb: lintian reports errors or warnings"; cat "$TMP/deb/lintian.log" >&2
	fi
}

# ------------------------------------------------ .deb, path with a space
DEB_FILES=
deb_files() {	# DEB: mode, owner, size and path of each file, no dates
	dpkg-deb -c "$1" | awk '{ print $1, $2, $3, $NF }'
}
deb_space_step() {
	local parent="$TMP/deb space" src log deb start copy files
	src=$parent/vmguard log=$parent/build.log
	command -v dpkg-buildpackage >/dev/null || { fail "deb, path with a space: no dpkg-buildpackage"; return; }
	copy_tree "$src" && mkdir -p "$TMP/deb-space-tmp"
	start=$(date +%s)
	if ! (cd "$src" && TMPDIR=$TMP/deb-space-tmp DEB_BUILD_OPTIONS="nocheck parallel=$JOBS" \
		dpkg-buildpackage -us -uc -b) > "$log" 2>&1
	then
		fail "deb, path with a space: dpkg-buildpackage -us -uc -b ($(( $(date +%s) - start ))s)"
		show_log "$log"
		return
	fi
	pass "deb, path with a space: dpkg-buildpackage -us -uc -b ($(( $(date +%s) - start ))s)"
	check "deb, path with a space: debian/rules built in a space-free copy" \
		grep -qF "debian/rules: '$src' has a space: building in a copy, $TMP/deb-space-tmp/vmguard-deb." "$log"
	deb=$(find "$parent" -maxdepth 1 -name 'vmguard_*.deb' | head -n 1)
	if [ -z "$deb" ]; then fail "deb, path with a space: no vmguard_*.deb produced"; return; fi
	files=$(deb_files "$deb")
	check "deb, path with a space: the agent and the helper are in the package" \
		sh -c 'printf "%s\n" "$1" | grep -q "^-rwxr-xr-x root/root [0-9]* ./$2\$" &&
			printf "%s\n" "$1" | grep -q "^-rwxr-xr-x root/root [0-9]* ./$3\$"' _ \
		"$files" "$AGENT_PATH" "$HELPER_PATH"
	if [ -z "$DEB_FILES" ]; then
		skip "deb, path with a space: no .deb from a space-free path to compare with"
	elif [ "$files" = "$DEB_FILES" ]; then
		pass "deb, path with a space: same $(wc -l <<< "$files") files, modes and sizes as from a space-free path"
	else
		fail "deb, path with a space: not the files, modes and sizes from a space-free path"
		diff <(printf '%s\n' "$DEB_FILES") <(printf '%s\n' "$files") >&2
	fi
	copy=$(cat "$src/debian/space-free-dir" 2>/dev/null)
	check "deb, path with a space: debian/rules clean removes its copy ${copy:-(none named)}" \
		sh -c '[ -n "$2" ] && [ -d "$2" ] && (cd "$1" && debian/rules clean) >/dev/null 2>&1 &&
			[ ! -e "$2" ] && [ ! -e "$1/debian/space-free-dir" ]' _ "$src" "$copy"
}

# ----------------------------------------------------------- distcheck
distcheck_step() {
	local src=$TMP/dist/vmguard log=$TMP/dist/distcheck.log start
	copy_tree "$src"
	start=$(date +%s)
	if ! (cd "$src" && autoreconf -fi && ./configure && make -j"$JOBS" distcheck) > "$log" 2>&1; then
		fail "make distcheck ($(( $(date +%s) - start ))s)"
		show_log "$log"
		find "$src" -name test-suite.log -exec cat {} + >&2 2>/dev/null
		return
	fi
	pass "make distcheck ($(( $(date +%s) - start ))s)"
}

# ----------------------------------------------------------------- .rpm
rpm_step() {
	local top=$TMP/rpm src="$TMP/rpm space/vmguard" log=$TMP/rpm/rpmbuild.log rpm listing start
	if ! command -v rpmbuild >/dev/null; then fail "rpm: rpmbuild not installed (tests/install-deps installs it)"; return; fi
	mkdir -p "$top" && copy_tree "$src"
	start=$(date +%s)
	if ! (cd "$src" && rpm/rpmbuild.sh --nodeps --define "_topdir $top") > "$log" 2>&1; then
		fail "rpm: rpm/rpmbuild.sh --nodeps from a path with a space ($(( $(date +%s) - start ))s)"
		show_log "$log"; return
	fi
	pass "rpm: rpm/rpmbuild.sh --nodeps from a path with a space ($(( $(date +%s) - start ))s)"
	check "rpm: rpm/rpmbuild.sh leaves the tarball in the checkout" \
		sh -c 'ls "$1"/vmguard-*.tar.gz >/dev/null' _ "$src"
	rpm=$(find "$top/RPMS" -name 'vmguard-[0-9]*.rpm' 2>/dev/null | head -n 1)
	if [ -z "$rpm" ]; then fail "rpm: no binary vmguard rpm produced"; return; fi
	listing=$(rpm -qlvp "$rpm" 2>/dev/null)
	has_rpm_entry() {	# MODE PATH
		printf '%s\n' "$listing" | awk -v m="$1" -v p="/$2" '$1 == m && $NF == p { f = 1 } END { exit !f }'
	}
	check "rpm: /$AGENT_PATH is in the package, mode 755" has_rpm_entry -rwxr-xr-x "$AGENT_PATH"
	check "rpm: /$HELPER_PATH is in the package, mode 755" has_rpm_entry -rwxr-xr-x "$HELPER_PATH"
	check "rpm: /$META_PATH is in the package, mode 644" has_rpm_entry -rw-r--r-- "$META_PATH"
	check "rpm: the cluster plugin /$PLUGIN_PATH is in the package" \
		sh -c "printf '%s\n' \"\$1\" | grep -q ' /$PLUGIN_PATH\$'" _ "$listing"
	check "rpm: the man pages are in the package" \
		sh -c "rpm -qlp '$rpm' 2>/dev/null | grep -q '/$MAN7_PATH' &&
			rpm -qlp '$rpm' 2>/dev/null | grep -q '/$MAN8_PATH'"
	check "rpm: Requires resource-agents" sh -c "rpm -qRp '$rpm' 2>/dev/null | grep -qw resource-agents"
	if ls "$top"/SRPMS/vmguard-*.src.rpm >/dev/null 2>&1; then
		pass "rpm: source rpm built"
	else
		fail "rpm: no source rpm"
	fi
}

case $SKIP in *" deb "*) skip "deb (VMG_PKG_SKIP)";; *) deb_step;; esac
case $SKIP in *" deb-space "*) skip "deb-space (VMG_PKG_SKIP)";; *) deb_space_step;; esac
case $SKIP in *" distcheck "*) skip "distcheck (VMG_PKG_SKIP)";; *) distcheck_step;; esac
case $SKIP in *" rpm "*) skip "rpm (VMG_PKG_SKIP)";; *) rpm_step;; esac

if [ "$fails" -ne 0 ]; then
	echo "packaging: FAIL, $fails check(s) failed"
	exit 1
fi
echo "packaging: PASS"
