#!/bin/bash
# Builds the libFuzzer target with ASan/UBSan and runs it for a bounded time
# (FUZZ_SECONDS, default 60) on a copy of the corpus.  A crash, leak or
# sanitizer report fails the run and leaves the reproducer in the work dir.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/_build/release}
work=$top/_build/fuzz
seconds=${FUZZ_SECONDS:-60}
mkdir -p "$work/corpus"
cp -n "$top"/tests/fuzz/corpus/* "$work/corpus/" 2>/dev/null || true

# The helper's objects, but for the programs' main()s, rebuilt with the
# fuzzer's instrumentation.
sources=()
for f in "$top"/helpers/*.c; do
	case ${f##*/} in main.c | *_main.c) ;; *) sources+=("$f") ;; esac
done
# shellcheck disable=SC2046
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-I"$build" -I"$top/helpers" -DVMG_LLTCONFIG='"/sbin/lltconfig"' -DVMG_LLTTAB='"/etc/llttab"' \
	$(pkg-config --cflags libvirt libvirt-qemu libxml-2.0 libqb libcmap pacemaker-cib pacemaker) \
	"$top/tests/fuzz/fuzz_config.c" "${sources[@]}" -o "$work/fuzz_config" -pthread \
	$(pkg-config --libs libvirt libvirt-qemu libxml-2.0 libqb libcmap pacemaker-cib pacemaker)
cd "$work"
./fuzz_config -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 corpus
