# shellcheck shell=bash
# Sourced by tests/run-all and tests/demo: autotools cannot configure or build
# in a path with a space (or a tab) in it ("unsafe srcdir value").  From such
# a checkout the script goes on in a copy of the tree under /var/tmp (or
# VMG_SPACE_FREE_COPY); its _build is kept there between runs.
#   space_free_reexec TOP SCRIPT [ARG...]: returns only when TOP is space-free
space_free_reexec() {
	local top=$1 script=$2 copy
	shift 2
	case $top in *[[:space:]]*) ;; *) return 0 ;; esac
	copy=${VMG_SPACE_FREE_COPY:-/var/tmp/vmguard-src.$(printf '%s' "$top" | cksum | cut -d' ' -f1)}
	case $copy in *[[:space:]]*) echo "VMG_SPACE_FREE_COPY has a space: $copy" >&2; exit 2 ;; esac
	echo "${script##*/}: autotools cannot build in '$top' (a space in the path): running in a copy, $copy" >&2
	mkdir -p "$copy" &&
		find "$copy" -mindepth 1 -maxdepth 1 ! -name _build -exec rm -rf {} + &&
		(cd "$top" && tar --exclude=./_build -cf - .) | tar -xf - -C "$copy" || exit 1
	exec "$copy/$script" "$@"
}
