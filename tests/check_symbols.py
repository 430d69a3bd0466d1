#!/usr/bin/env python3
"""check_symbols.py SHARED_LIB STATIC_LIB INCLUDE_DIR

The shared library exports exactly the functions the public headers
declare with FBK_API (so hidden visibility works and nothing internal
leaks), and no library object exits, aborts or prints, except the logger
in log.c, which may write to stderr. Nor does it call C library functions
that are not thread-safe where a safe form exists (strerror: strerror_r,
through fbk_errno_text in log.c).
"""
import pathlib
import re
import subprocess
import sys

FORBIDDEN = {
    "exit", "_exit", "_Exit", "abort", "__assert_fail", "printf", "vprintf", "puts",
    "putchar", "perror", "fprintf", "vfprintf", "fputs", "fputc", "putc",
    "__printf_chk", "__fprintf_chk", "__vfprintf_chk", "stdout", "stderr",
}
# strerror may return one buffer shared by every thread; use fbk_errstr().
THREAD_UNSAFE = {"strerror"}
LOGGER = "log.c.o"


def declared_api(include_dir):
    names = set()
    for header in pathlib.Path(include_dir).rglob("*.h"):
        # Preprocessor lines (the FBK_API definition itself) declare nothing.
        text = "\n".join(l for l in header.read_text().splitlines()
                         if not l.lstrip().startswith("#"))
        # FBK_API <return type> name( ... possibly over several lines
        for match in re.finditer(r"\bFBK_API\b[^;(]*?\b(\w+)\s*\(", text):
            names.add(match.group(1))
    return names


def exported(shared):
    out = subprocess.run(["nm", "-D", "--defined-only", shared], capture_output=True,
                         text=True, check=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDRBVW" and not parts[2].startswith("_"):
            names.add(parts[2])
    return names


def forbidden_uses(static):
    out = subprocess.run(["nm", "-A", "-u", static], capture_output=True, text=True,
                         check=True).stdout
    uses = []
    for line in out.splitlines():
        where, _, rest = line.rpartition(":")
        symbol = rest.split()[-1] if rest.split() else ""
        obj = where.rsplit(":", 1)[-1]
        if symbol in FORBIDDEN and not (obj == LOGGER and symbol in ("fprintf", "stderr")):
            uses.append(f"library code that exits, aborts or prints: {obj} uses {symbol}")
        if symbol in THREAD_UNSAFE:
            uses.append(f"library code that is not thread-safe: {obj} uses {symbol}")
    return uses


def main():
    shared, static, include_dir = sys.argv[1:4]
    api, exports = declared_api(include_dir), exported(shared)
    failed = False
    if len(api) < 20:
        print(f"only {len(api)} FBK_API declarations found in {include_dir}: parser broken?")
        failed = True
    for name in sorted(exports - api):
        print(f"exported but not declared with FBK_API: {name}")
        failed = True
    for name in sorted(api - exports):
        print(f"declared with FBK_API but not exported: {name}")
        failed = True
    for use in forbidden_uses(static):
        print(use)
        failed = True
    print(f"{len(exports)} symbols exported, {len(api)} declared")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
