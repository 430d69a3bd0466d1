#!/bin/sh
# no_vt.sh TEST_CONSOLE: runs the real default console search
# (test_console --default-search) where it cannot reach a VT, so it is
# exercised on machines that have one without touching their console: a
# new mount namespace with an empty /dev (no /dev/tty, no /dev/tty0) and
# stdin from /dev/null, the three places the search looks. The test stays
# in meson's process group, so a timeout kills it. Where the namespace or
# the mount cannot be made (not root, no unshare, a policy refusing
# mounts), the test runs as is and skips itself if a VT is reachable.
# MESON_EXE_WRAPPER runs a cross-built test (qemu-user).
set -u
test_console=$1
isolate="unshare -m --propagation private"
if command -v unshare >/dev/null 2>&1 &&
	$isolate sh -c 'mount -t tmpfs fbkit-no-vt /dev' 2>/dev/null; then
	exec $isolate sh -c 'mount -t tmpfs fbkit-no-vt /dev && exec $0 "$1" --default-search' \
		"${MESON_EXE_WRAPPER:-}" "$test_console" </dev/null
fi
echo "note: cannot mount an empty /dev in a namespace here; running with this machine's /dev"
exec ${MESON_EXE_WRAPPER:-} "$test_console" --default-search </dev/null
