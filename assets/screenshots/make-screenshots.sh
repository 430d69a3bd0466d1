#!/bin/sh
# make-screenshots.sh BUILD: render the README's pictures of the demos
# offscreen, with the programs from the build folder BUILD. Run from the
# source root; look at the pictures before committing them.
set -eu
build=${1:-build}
out=assets/screenshots
images=assets/images
# fbkit-demo: 90 frames of pretend time, so the picture is the same every run.
FBKIT_DISPLAY= "$build/demos/fbkit-demo" --display offscreen:1024x600 --fixed-time \
	--frames 90 --images "$images" --snapshot "$out/fbkit-demo.png"
# fbkit-view: the demo photo with its caption.
FBKIT_DISPLAY= "$build/demos/fbkit-view" --display offscreen:800x480 --caption \
	--background 101820 --snapshot "$out/fbkit-view.png" "$images/backdrop.png"
# fbkit-shot: the viewer runs on a shared-file display and fbkit-shot reads a
# region of it from outside, as it would a framebuffer.
screen=$(mktemp -u /tmp/fbkit-screen.XXXXXX)
FBKIT_DISPLAY= "$build/demos/fbkit-view" --display "offscreen:800x480,file=$screen" \
	--fit cover --delay 60 "$images/backdrop.png" </dev/null &
viewer=$!
sleep 1
"$build/demos/fbkit-shot" --display "offscreen:800x480,file=$screen" --region 400,120,400,300 \
	"$out/fbkit-shot.png"
kill -TERM "$viewer"
wait "$viewer" || true
rm -f "$screen"
# TrueType text: the multi-script golden scene (DejaVu Sans, Noto fallbacks).
"$build/tests/test_text_golden" --write "$out/fbkit-text.png"
echo "wrote $out/fbkit-demo.png $out/fbkit-view.png $out/fbkit-shot.png $out/fbkit-text.png"
