# Sourced by check_install.sh and check_example.sh, which both test what
# `meson install` gives a user.

# skip_sanitized SANITIZE: a sanitizer build's library needs its runtime.
skip_sanitized() {
	if [ "$1" != none ]; then
		echo "SKIP: a sanitizer build's library cannot link a plain program"
		exit 77
	fi
}

# scratch_install BUILD_DIR: install into a folder removed on exit; sets
# dest (the folder) and pc (the installed fbkit.pc).
scratch_install() {
	dest=$(mktemp -d)
	trap 'rm -rf "$dest"' EXIT
	meson install -C "$1" --destdir "$dest" --no-rebuild --quiet >/dev/null
	pc=$(find "$dest" -name fbkit.pc | head -n 1)
	[ -n "$pc" ] || { echo "fbkit.pc was not installed"; exit 1; }
}
