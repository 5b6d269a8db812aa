#!/bin/bash
# cppcheck and clang-tidy over the helper, the unit tests and the fuzz
# target: any finding fails (the baseline is zero; .clang-tidy names the
# checks).  Needs a configured build dir for build-config.h.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build/release}
cd "$top" || exit 1
[ -f "$build/build-config.h" ] || { echo "static-analysis: configure $build first" >&2; exit 1; }

read -r -a pkgflags <<< "$(pkg-config --cflags libvirt libvirt-qemu libxml-2.0 libqb libcmap pacemaker-cib pacemaker)"
cflags=(-I"$build" -Ihelpers -DVMG_LLTCONFIG='"/sbin/lltconfig"' -DVMG_LLTTAB='"/etc/llttab"'
	-DTEST_DATA_DIR='"tests/data"' -DTEST_METADATA='"metadata/VirtualMachine.xml"'
	-DTEST_LLTCONFIG='"tests/lab/lltconfig"' "${pkgflags[@]}")
sources=(helpers/*.c tests/unit/*.c tests/fuzz/*.c)
status=0

# -D__CPPCHECK__: the configuration util.h's scoped cleanup is written for
# (cppcheck defines it, but also checks the configuration without it).
echo "== cppcheck $(cppcheck --version)"
cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance --inline-suppr \
	--std=c11 -D__CPPCHECK__ -I"$build" -Ihelpers "${sources[@]}" || status=1

echo "== clang-tidy ($(clang-tidy --version | sed -n 's/.*version //p' | head -n1))"
out=$(clang-tidy --quiet "${sources[@]}" -- "${cflags[@]}" 2>&1) || status=1
grep -E "(warning|error):" <<<"$out" && status=1

[ "$status" -eq 0 ] && echo "static-analysis: no finding in ${#sources[@]} files"
exit "$status"
