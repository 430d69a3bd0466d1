#!/bin/sh
# demo_golden.sh DEMO COMPARE: run fbkit-demo offscreen with fixed settings
# and compare its snapshot with tests/golden/demo.png.
set -eu
demo=$1
compare=$2
out="${FBKIT_BUILD_ROOT:-.}/demo-snapshot.png"
# --fixed-time: the animation at a known moment, and no measured frame rate.
FBKIT_DISPLAY= "$demo" --display offscreen:800x480 --font none --frames 45 --fixed-time \
	--images "$FBKIT_SOURCE_ROOT/assets/images" \
	--snapshot "$out"
case "${FBKIT_REGENERATE_GOLDEN:-0}" in
0 | "") ;;
*)
	cp "$out" "$FBKIT_SOURCE_ROOT/tests/golden/demo.png"
	echo "regenerated tests/golden/demo.png"
	exit 0
	;;
esac
exec "$compare" "$out" demo
