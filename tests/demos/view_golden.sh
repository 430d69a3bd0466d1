#!/bin/sh
# view_golden.sh VIEW COMPARE: show a known image with fbkit-view offscreen
# (RGB565 screen, contain aligned right, a background colour, a caption) and
# compare its snapshot with tests/golden/view.png. The display has a back
# buffer, so the screen (FBKIT_SNAPSHOT, saved on every present) holds only
# what the viewer presented: it must equal what the viewer drew.
set -eu
view=$1
compare=$2
out="${FBKIT_BUILD_ROOT:-.}/view-snapshot.png"
screen="${FBKIT_BUILD_ROOT:-.}/view-screen.png"
rm -f "$screen"
FBKIT_DISPLAY= FBKIT_SNAPSHOT="$screen" "$view" \
	--display offscreen:320x200,format=RG16,back-buffer \
	--fit contain --align right --background 203050 --caption --caption-font none \
	--snapshot "$out" "$FBKIT_SOURCE_ROOT/tests/golden/scene-XRGB8888.png"
if ! cmp -s "$out" "$screen"; then
	echo "the screen ($screen) differs from the picture drawn ($out):" \
		"fbkit-view drew somewhere it did not present"
	exit 1
fi
case "${FBKIT_REGENERATE_GOLDEN:-0}" in
0 | "") ;;
*)
	cp "$out" "$FBKIT_SOURCE_ROOT/tests/golden/view.png"
	echo "regenerated tests/golden/view.png"
	exit 0
	;;
esac
exec "$compare" "$out" view
