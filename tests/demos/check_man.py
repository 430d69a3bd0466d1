#!/usr/bin/env python3
"""check_man.py (--page TOOL PROGRAM PAGE)... | --missing REASON

Each tool's man page (built from man/TOOL.1.scd by scdoc) renders with
groff without a warning, into text that has the usual sections, and names
every option the tool's --help lists (long and short).
"""
import os
import re
import shlex
import shutil
import subprocess
import sys

SECTIONS = ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "SEE ALSO")


def render(page):
    """The page as plain text; groff's warnings (-ww) go to stderr."""
    run = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-P-c", page],
                         capture_output=True, text=True, env=dict(os.environ, LC_ALL="C.UTF-8"))
    # -P-c: old-style overstriking; take it out, and any escape sequence left.
    text = re.sub(r".\x08", "", run.stdout)
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    # groff may turn the hyphens of options into U+2010 or U+2212.
    text = text.replace("\u2010", "-").replace("\u2212", "-")
    return run.returncode, run.stderr, text


def help_options(program):
    # In a cross build meson names the emulator that runs the tools (qemu-user).
    wrapper = shlex.split(os.environ.get("MESON_EXE_WRAPPER", ""))
    run = subprocess.run(wrapper + [program, "--help"], capture_output=True, text=True)
    if run.returncode != 0:
        return None, f"{program} --help exited {run.returncode}"
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", run.stdout))
    options |= set(re.findall(r"(?<![\w-])(-[a-zA-Z])(?=[ ,])", run.stdout))
    return options, None


def main(argv):
    # argv[0] is this script: the options start at argv[1].
    if argv[1:2] == ["--missing"]:
        print("SKIP: " + " ".join(argv[2:]))
        return 77
    if not shutil.which("groff"):
        print("SKIP: groff is not installed (apt-get install groff-base)")
        return 77
    failures = []
    pages = [argv[i + 1:i + 4] for i in range(1, len(argv), 4)]
    if not pages or any(len(p) != 3 for p in pages) or argv[1::4] != ["--page"] * len(pages):
        print(__doc__)
        return 2
    for tool, program, page in pages:
        code, warnings, text = render(page)
        if code != 0 or warnings.strip() or not text.strip():
            failures.append(f"{page}: groff exited {code}, warnings: {warnings.strip()!r}, "
                            f"{len(text)} characters of text")
            continue
        for section in SECTIONS:
            if not re.search(rf"^{section}$", text, re.M):
                failures.append(f"{page}: no {section} section")
        if not re.search(rf"^\s+{re.escape(tool)} - ", text, re.M):
            failures.append(f"{page}: the NAME section does not start with '{tool} - '")
        options, error = help_options(program)
        if error:
            failures.append(error)
            continue
        if not options:
            failures.append(f"{program} --help lists no options")
        for option in sorted(options):
            if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text):
                failures.append(f"{page}: {option} (in {tool} --help) is not in the page")
        print(f"{tool}: {len(text.splitlines())} lines, {len(options)} options checked")
    for failure in failures:
        print("FAILED: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
