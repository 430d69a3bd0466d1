#!/bin/sh
# check_subproject.sh SOURCE_ROOT: a tiny meson project that finds fbkit
# with dependency('fbkit') and nothing installed (the README's "Using fbkit
# from another meson project", fbkit under subprojects/ as a symlink) must
# configure, build, and run. Forced fallback, so an installed fbkit.pc
# cannot stand in for the subproject.
set -eu
source_root=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/subprojects"
ln -s "$source_root" "$work/subprojects/fbkit"
cat >"$work/meson.build" <<'MESON'
project('hello', 'c', default_options : ['c_std=c11', 'warning_level=3', 'werror=true'])
fbkit = dependency('fbkit', fallback : 'fbkit')
executable('hello', 'hello.c', dependencies : fbkit)
MESON
cat >"$work/hello.c" <<'C'
#include <fbkit.h>
#include <stdio.h>
#include <string.h>

#if !FBKIT_CHECK_VERSION(0, 1, 0)
#error "fbkit/version.h did not come with the dependency"
#endif

int main(void)
{
	struct fbk_display *d;
	if (fbk_display_open(&d, "offscreen:32x16")) {
		fprintf(stderr, "%s\n", fbk_last_error());
		return 1;
	}
	fbk_fill(fbk_display_surface(d), NULL, FBK_RGB(1, 2, 3));
	int err = fbk_display_present(d, NULL, 0);
	fbk_display_close(d);
	printf("fbkit %s as a subproject\n", fbk_version());
	return err != 0 || strcmp(fbk_version(), FBKIT_VERSION_STRING) != 0;
}
C
# A plain (unoptimised) build without the optional libraries keeps this quick.
if ! meson setup "$work/build" "$work" --wrap-mode=forcefallback --buildtype=plain \
	-Dfbkit:drm=disabled -Dfbkit:png=disabled -Dfbkit:zlib=disabled -Dfbkit:jpeg=disabled \
	-Dfbkit:freetype=disabled -Dfbkit:harfbuzz=disabled -Dfbkit:libinput=disabled -Dfbkit:xkbcommon=disabled \
	>"$work/setup.log" 2>&1; then
	cat "$work/setup.log"
	echo "the project using fbkit as a subproject did not configure"
	exit 1
fi
ninja -C "$work/build" -j2 hello >"$work/build.log" 2>&1 || {
	cat "$work/build.log"
	echo "the project using fbkit as a subproject did not build"
	exit 1
}
"$work/build/hello"
