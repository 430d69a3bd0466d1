#!/bin/sh
# view_golden.sh VIEW COMPARE: show a known image with fbkit-view offscreen
# (RGB565 screen, contain aligned right, a background colour, a caption) and
# compare its snapshot with tests/golden/view.png.
set -eu
view=$1
compare=$2
out="${FBKIT_BUILD_ROOT:-.}/view-snapshot.png"
FBKIT_DISPLAY= FBKIT_SNAPSHOT= "$view" --display offscreen:320x200,format=RG16 \
	--fit contain --align right --background 203050 --caption \
	--snapshot "$out" "$FBKIT_SOURCE_ROOT/tests/golden/scene-XRGB8888.png"
case "${FBKIT_REGENERATE_GOLDEN:-0}" in
0 | "") ;;
*)
	cp "$out" "$FBKIT_SOURCE_ROOT/tests/golden/view.png"
	echo "regenerated tests/golden/view.png"
	exit 0
	;;
esac
exec "$compare" "$out" view
