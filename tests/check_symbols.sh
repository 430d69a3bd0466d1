#!/bin/sh
# check_symbols.sh SHARED_LIB STATIC_LIB: the shared library exports only
# fbk_* symbols (hidden visibility works), and no library object calls
# exit/abort or prints, except the logger in log.c.
set -u
shared=$1
static=$2
failed=0

exported=$(nm -D --defined-only "$shared" | awk '$2 ~ /[TDRB]/ { print $3 }')
count=$(printf '%s\n' "$exported" | grep -c '^fbk_')
stray=$(printf '%s\n' "$exported" | grep -v '^fbk_' | grep -v '^_' || true)
if [ -n "$stray" ]; then
	echo "exported symbols without the fbk_ prefix:"
	printf '  %s\n' $stray
	failed=1
fi
echo "$count fbk_* symbols exported"
[ "$count" -gt 20 ] || { echo "too few exported symbols: is visibility broken?"; failed=1; }

forbidden='^(exit|_exit|_Exit|abort|printf|puts|putchar|perror|vprintf|fprintf|vfprintf|__printf_chk|__fprintf_chk|__vfprintf_chk)$'
# nm -A prefixes each line with archive:object:, so each use names its file.
uses=$(nm -A -u "$static" 2>/dev/null | awk '{ sub(/:$/, "", $1); print $1, $NF }' |
	while read -r where symbol; do
		if printf '%s\n' "$symbol" | grep -Eq "$forbidden"; then
			case "$where" in
			*log.c.o) ;; # the one logger may write to stderr
			*) echo "  $where uses $symbol" ;;
			esac
		fi
	done)
if [ -n "$uses" ]; then
	echo "library code that exits, aborts or prints outside the logger:"
	echo "$uses"
	failed=1
fi
[ $failed -eq 0 ] && echo "symbols ok"
exit $failed
