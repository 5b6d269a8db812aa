#!/bin/sh
# rpm/rpmbuild.sh [RPMBUILD-ARG...] -- build the rpm from this checkout:
# "make dist" in a copy of the tree, then "rpmbuild -ta" on the tarball with
# the arguments given (e.g. --nodeps, --without check, --define "_topdir DIR").
#
# rpmbuild cannot read a tarball whose path has a space in it ("Failed to read
# spec file", or tar fails in its own %prep).  So the tarball is made in a
# copy of the tree (the files git tracks and the untracked, not ignored ones;
# all but _build/ and .git/ outside git), in a directory mktemp makes and this
# script removes, and rpmbuild reads it there; the copy also keeps configure's
# files out of the checkout.  A copy of the tarball is left at the top of the
# checkout, where "make dist" leaves it.  rpmbuild's own _topdir must not have
# a space in its path either (rpm's %prep fails).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmguard-dist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
case $tmp in *[[:space:]]*) echo "$0: TMPDIR has a space: $tmp" >&2; exit 1 ;; esac

cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _ |
		tar --null -T - -cf - | tar -xf - -C "$tmp"
else
	tar --exclude=./_build --exclude=./.git -cf - . | tar -xf - -C "$tmp"
fi
(cd "$tmp" && autoreconf -fi && ./configure && make dist) >"$tmp/dist.log" 2>&1 ||
	{ tail -n 40 "$tmp/dist.log" >&2; echo "$0: make dist failed" >&2; exit 1; }
for tarball in "$tmp"/vmguard-*.tar.gz; do :; done
[ -f "$tarball" ] || { echo "$0: make dist made no vmguard-*.tar.gz" >&2; exit 1; }
cp "$tarball" "$top/"
echo "rpm/rpmbuild.sh: made $top/${tarball##*/}"
rpmbuild -ta "$tarball" "$@"
