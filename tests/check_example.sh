#!/bin/sh
# check_example.sh BUILD_DIR SOURCE_ROOT CC SANITIZE PNG CROSS: the example
# project examples/ci-golden, built as a user builds it (meson, fbkit from
# pkg-config) against the library `meson install` put in a scratch folder,
# must pass its tests: the scene matches its golden image, and the same
# scene with its present forgotten fails. Then the update cycle: with a
# wrong golden image the test fails, FBKIT_UPDATE_GOLDEN=1 rewrites it, and
# it passes again.
set -eu
build=$1
src=$2
cc=$3
. "$(dirname "$0")/scratch_install.sh"
skip_sanitized "$4"
if [ "$5" != true ]; then
	echo "SKIP: built without libpng: no golden images to load"
	exit 77
fi
if [ "$6" != false ]; then
	echo "SKIP: a cross build's library cannot be configured against here"
	exit 77
fi
scratch_install "$build"
export PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_PATH=$(dirname "$pc")
export LD_LIBRARY_PATH=$(dirname "$(find "$dest" -name 'libfbkit.so' | head -n 1)")
# Only the installed library and headers: not the tree's FBKIT_* test settings.
unset FBKIT_DISPLAY FBKIT_SNAPSHOT FBKIT_UPDATE_GOLDEN

cp -R "$src/examples/ci-golden" "$dest/ci-golden"
ex=$dest/ci-golden
CC=$cc meson setup "$ex/build" "$ex" --werror >"$dest/setup.log" 2>&1 ||
	{ cat "$dest/setup.log"; echo "examples/ci-golden: meson setup failed"; exit 1; }
ninja -C "$ex/build" >"$dest/ninja.log" 2>&1 ||
	{ cat "$dest/ninja.log"; echo "examples/ci-golden: build failed"; exit 1; }

# result NAME: the named test's result in the last run ("OK", "EXPECTEDFAIL",
# "FAIL" ...) and its exit status.
result() {
	python3 - "$ex/build/meson-logs/testlog.json" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t["name"] == sys.argv[2]:
        print(t["result"], t["returncode"])
PY
}
run() {
	meson test -C "$ex/build" --no-rebuild --print-errorlogs "$@" >"$dest/test.log" 2>&1
}

run || { cat "$dest/test.log"; echo "examples/ci-golden: its tests failed"; exit 1; }
got=$(result scene)
[ "$got" = "OK 0" ] || { cat "$dest/test.log"; echo "scene: $got, want OK 0"; exit 1; }
# Exit 1 is "differs"; a crash or an error (2) would be a different failure.
got=$(result forgotten-present)
if [ "$got" != "EXPECTEDFAIL 1" ]; then
	cat "$dest/test.log"
	echo "forgotten-present: $got, want EXPECTEDFAIL 1 (the scene differing without its present)"
	exit 1
fi

# The update cycle, from a golden image of another picture (and size).
cp "$src/tests/golden/demo.png" "$ex/golden.png"
if run scene; then
	echo "scene passed against a wrong golden image"
	exit 1
fi
got=$(result scene)
[ "$got" = "FAIL 1" ] || { cat "$dest/test.log"; echo "wrong golden: $got, want FAIL 1"; exit 1; }
FBKIT_UPDATE_GOLDEN=1 run scene || { cat "$dest/test.log"; echo "the update failed"; exit 1; }
grep -q "updated .*golden.png" "$ex/build/meson-logs/testlog.txt" ||
	{ cat "$dest/test.log"; echo "the update did not say what it wrote"; exit 1; }
run || { cat "$dest/test.log"; echo "the updated golden image does not match"; exit 1; }
echo "examples/ci-golden passes against the installed library, and its update works"
