#!/bin/sh
# check_install.sh BUILD_DIR CC [SANITIZE [PROGRAM]]: `meson install` into a scratch
# folder must give the headers, both libraries, fbkit.pc and the demos, and a
# program built only from what was installed (via pkg-config) must run. In a
# cross build it runs through the cross file's exe_wrapper, which meson gives
# in MESON_EXE_WRAPPER when the test names a cross-built PROGRAM (not run).
set -eu
build=$1
cc=$2
. "$(dirname "$0")/scratch_install.sh"
skip_sanitized "${3:-none}"
scratch_install "$build"
for f in include/fbkit.h include/fbkit/draw.h include/fbkit/shapes.h include/fbkit/display.h \
	include/fbkit/version.h include/fbkit/compare.h; do
	find "$dest" -path "*/$f" | grep -q . || { echo "$f was not installed"; exit 1; }
done
for f in include/fbkit/meson.build include/fbkit/version.h.in; do
	if find "$dest" -path "*/$f" | grep -q .; then echo "$f was installed"; exit 1; fi
done
find "$dest" -name 'libfbkit.so*' | grep -q . || { echo "shared library missing"; exit 1; }
# The soname follows the README's ABI policy: libfbkit.so.0.MINOR while the
# major version is 0, libfbkit.so.MAJOR from 1.0 on.
version=$(sed -n 's/^Version: *//p' "$pc")
case $version in
0.*) want=libfbkit.so.0.$(echo "$version" | cut -d. -f2) ;;
*) want=libfbkit.so.$(echo "$version" | cut -d. -f1) ;;
esac
so=$(find "$dest" -name 'libfbkit.so.*.*.*' -type f | head -n 1)
soname=$(objdump -p "$so" | sed -n 's/^ *SONAME *//p')
if [ "$soname" != "$want" ]; then
	echo "version $version: soname $soname, the ABI policy says $want"
	exit 1
fi
find "$dest" -name "$want" | grep -q . || { echo "no $want link installed"; exit 1; }
find "$dest" -name 'libfbkit.a' | grep -q . || { echo "static library missing"; exit 1; }
for demo in fbkit-demo fbkit-view fbkit-shot fbkit-info; do
	find "$dest" -name "$demo" -type f | grep -q . || { echo "$demo missing"; exit 1; }
	# Built (scdoc was found), then installed.
	if [ -e "$build/man/$demo.1" ]; then
		find "$dest" -path "*/man1/$demo.1" | grep -q . || { echo "man page $demo.1 missing"; exit 1; }
	fi
done

cat >"$dest/hello.c" <<'C'
#include <fbkit.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	struct fbk_display *d;
	if (fbk_display_open(&d, "offscreen:64x32")) {
		fprintf(stderr, "%s\n", fbk_last_error());
		return 1;
	}
	fbk_fill(fbk_display_surface(d), NULL, FBK_RGB(1, 2, 3));
	int err = fbk_display_present(d, NULL, 0);
	fbk_display_close(d);
	printf("fbkit %s from the installed tree\n", fbk_version());
	return err != 0 || strcmp(fbk_version(), FBKIT_VERSION_STRING) != 0;
}
C
export PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(dirname "$(find "$dest" -name 'libfbkit.so' | head -n 1)")
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Werror -o "$dest/hello" "$dest/hello.c" $(pkg-config --cflags --libs fbkit)
# shellcheck disable=SC2086 # the wrapper is a command and its arguments
LD_LIBRARY_PATH="$libdir" ${MESON_EXE_WRAPPER:-} "$dest/hello"
