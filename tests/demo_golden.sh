#!/bin/sh
# demo_golden.sh DEMO COMPARE: run fbkit-demo offscreen with fixed settings
# and compare its snapshot with tests/golden/demo.png. The display has a
# back buffer, so the screen (saved by FBKIT_SNAPSHOT on every present)
# holds only what the demo presented: it must equal what the demo drew,
# or a changed rectangle was left out of a present.
set -eu
demo=$1
compare=$2
out="${FBKIT_BUILD_ROOT:-.}/demo-snapshot.png"
screen="${FBKIT_BUILD_ROOT:-.}/demo-screen.png"
rm -f "$screen"
# --fixed-time: the animation at a known moment, and no measured frame rate.
FBKIT_DISPLAY= FBKIT_SNAPSHOT="$screen" "$demo" --display offscreen:800x480,back-buffer \
	--font none --ttf none --frames 45 --fixed-time \
	--images "$FBKIT_SOURCE_ROOT/assets/images" \
	--snapshot "$out"
if ! cmp -s "$out" "$screen"; then
	echo "the screen ($screen) differs from the last frame drawn ($out):" \
		"fbkit-demo drew somewhere it did not present"
	exit 1
fi
case "${FBKIT_REGENERATE_GOLDEN:-0}" in
0 | "") ;;
*)
	cp "$out" "$FBKIT_SOURCE_ROOT/tests/golden/demo.png"
	echo "regenerated tests/golden/demo.png"
	exit 0
	;;
esac
exec "$compare" "$out" demo
