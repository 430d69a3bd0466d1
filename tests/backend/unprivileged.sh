#!/bin/sh
# unprivileged.sh TEST ARGS...: runs a test as the user nobody when run as
# root, so checks of file permissions (which root ignores) run in CI, whose
# jobs are root. Anyone else runs the test as is; where nobody cannot be
# switched to or cannot reach the test, it runs as is too and skips itself.
# MESON_EXE_WRAPPER runs a cross-built test (qemu-user).
set -u
wrapper=${MESON_EXE_WRAPPER:-}
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	scratch=$(mktemp -d) || exit 1
	trap 'rm -rf "$scratch"' EXIT
	trap 'exit 143' TERM INT HUP # so the EXIT trap runs on meson's timeout too
	chown 65534:65534 "$scratch"
	as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
	if $as_nobody test -x "$1"; then
		TMPDIR=$scratch $as_nobody $wrapper "$@"
		exit $?
	fi
	echo "note: cannot run $1 as the user nobody (a private folder on its path?); running as root"
fi
exec $wrapper "$@"
