#!/bin/sh
# no_vt.sh TEST_CONSOLE: runs the real default console search
# (test_console --default-search) where it cannot reach a VT, so it is
# exercised on machines that have one without touching their console: a
# new mount namespace with an empty /dev, a new session (no controlling
# terminal) and stdin from /dev/null. Where a namespace cannot be made (not
# root, no unshare), the test runs as is and skips itself if a VT is
# reachable. MESON_EXE_WRAPPER runs a cross-built test (qemu-user).
set -u
test_console=$1
if command -v unshare >/dev/null 2>&1 && command -v setsid >/dev/null 2>&1 &&
	unshare -m --propagation private true 2>/dev/null; then
	exec unshare -m --propagation private sh -c \
		'mount -t tmpfs fbkit-no-vt /dev && exec setsid -w $0 "$1" --default-search' \
		"${MESON_EXE_WRAPPER:-}" "$test_console" </dev/null
fi
echo "note: cannot make a mount namespace here; running with this machine's /dev"
exec ${MESON_EXE_WRAPPER:-} "$test_console" --default-search </dev/null
