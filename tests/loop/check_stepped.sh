#!/bin/sh
# check_stepped.sh BOUNCE COMPARE HAVE_PNG: examples/loop/bounce run twice
# offscreen under a stepped clock (FBKIT_CLOCK), a snapshot per present
# (FBKIT_SNAPSHOT pattern): both runs must present the same number of
# frames, the animation must move, and every frame must equal the other
# run's pixel for pixel. Without the stepped clock the frames' times (and
# so the square's positions) come from the real clock and differ.
set -eu
bounce=$1
compare=$2
if [ "$3" != true ]; then
	echo "SKIP: built without libpng: no snapshots to compare"
	exit 77
fi
out="${FBKIT_BUILD_ROOT:-.}/loop-stepped"
rm -rf "$out"
mkdir -p "$out/1" "$out/2"
for run in 1 2; do
	FBKIT_DISPLAY=offscreen:160x96,back-buffer FBKIT_CLOCK=step:16.667ms \
		FBKIT_SNAPSHOT="$out/$run/frame-%03d.png" "$bounce" 0.5
done
# Frames at 0, 16.667 ... 483.343 ms; the timer at 500 ms quits before the 31st.
for run in 1 2; do
	count=$(ls "$out/$run" | wc -l)
	if [ "$count" -ne 30 ]; then
		echo "run $run presented $count frames in 0.5 s of a 16.667 ms clock, not 30"
		exit 1
	fi
done
if "$compare" "$out/1/frame-000.png" "$out/1/frame-010.png" >/dev/null; then
	echo "frames 0 and 10 are the same: the square did not move"
	exit 1
fi
for frame in "$out"/1/*.png; do
	name=$(basename "$frame")
	"$compare" "$frame" "$out/2/$name" >/dev/null || {
		echo "$name differs between two runs under the same stepped clock:"
		"$compare" "$frame" "$out/2/$name" || true
		exit 1
	}
done
echo "30 frames, the same in both runs"
