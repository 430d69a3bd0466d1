#!/usr/bin/env python3
"""check_tools.py CASE --version V --png yes|no --source-root DIR --build-root DIR
                  --view P --shot P --info P --demo P --compare P --images DIR

The tools behave as Unix tools do. CASE is one of:
  cli         every tool: -h/--help and -V/--version on stdout, exit 0; a
              usage error is one line and "Try 'TOOL --help' ...", exit 2;
              no build or source folder in any output or in the binary
  view-files  fbkit-view reports a missing file before it opens a display
              (the file= display it would open is never created); with
              libpng, a good file after the missing one is still shown
  quiet       fbkit-view and fbkit-demo: the offscreen fallback warns, and
              --quiet silences it (skipped where a display device exists,
              and without libpng: the viewer would show nothing)
  demo-files  fbkit-demo writes nothing unless --snapshot names a file (and,
              with libpng, writes that one)
  shot-file   fbkit-shot --display offscreen:file=PATH, with no size, of a
              rotated display too (its picture), and rotate= refused where
              wrong (skipped without libpng: nothing could write the PNG)
"""
import argparse
import glob
import os
import shlex
import struct
import subprocess
import sys
import tempfile

SKIP = 77
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


# In a cross build meson names the emulator that runs the tools (qemu-user).
WRAPPER = shlex.split(os.environ.get("MESON_EXE_WRAPPER", ""))


def run(argv, env=None, cwd=None, unset=("FBKIT_DISPLAY", "FBKIT_SNAPSHOT")):
    full_env = {k: v for k, v in os.environ.items() if k not in unset}
    full_env.update(env or {})
    return subprocess.run(WRAPPER + argv, capture_output=True, text=True, env=full_env,
                          cwd=cwd, stdin=subprocess.DEVNULL, timeout=60)


def loaded_bytes(path):
    """The contents of an ELF file's sections that are loaded into memory:
    what the program can print. Debugging information, which names the
    build's folders in any -g build, is not loaded."""
    with open(path, "rb") as f:
        elf = f.read()
    if elf[:4] != b"\x7fELF":
        raise ValueError(f"{path} is not an ELF file")
    wide, order = elf[4] == 2, "<" if elf[5] == 1 else ">"
    if wide:
        shoff, = struct.unpack_from(order + "Q", elf, 0x28)
        entsize, count = struct.unpack_from(order + "HH", elf, 0x3a)
        header = order + "IIQQQQ"
    else:
        shoff, = struct.unpack_from(order + "I", elf, 0x20)
        entsize, count = struct.unpack_from(order + "HH", elf, 0x2e)
        header = order + "IIIIII"
    parts = []
    for i in range(count):
        _, kind, flags, _, offset, size = struct.unpack_from(header, elf, shoff + i * entsize)
        if flags & 0x2 and kind != 8:  # SHF_ALLOC, not SHT_NOBITS
            parts.append(elf[offset:offset + size])
    return b"".join(parts)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def case_cli(args, tools):
    # A usage error each tool can make beside an unknown option.
    misuse = {
        "fbkit-view": ["--fit", "sideways", "a.png"],
        "fbkit-shot": ["--region", "1,2", "out.png"],
        "fbkit-info": ["surplus"],
        "fbkit-demo": ["--frames", "0"],
        "fbkit-compare": ["--tolerance", "256", "a.png", "b.png"],
    }
    folders = [os.path.realpath(args.source_root), os.path.realpath(args.build_root)]
    with tempfile.TemporaryDirectory() as tmp:
        for name, program in tools.items():
            for flag in ("-h", "--help"):
                r = run([program, flag])
                check(r.returncode == 0 and r.stdout.startswith(f"Usage: {name} ") and
                      not r.stderr, f"{name} {flag}: exit {r.returncode}, stdout "
                      f"{r.stdout[:40]!r}, stderr {r.stderr!r}")
                for folder in folders:
                    check(folder not in r.stdout, f"{name} {flag} names {folder}")
            for flag in ("-V", "--version"):
                r = run([program, flag])
                check(r.returncode == 0 and r.stdout == f"{name} (fbkit) {args.version}\n" and
                      not r.stderr, f"{name} {flag}: exit {r.returncode}, {r.stdout!r} "
                      f"{r.stderr!r}")
            for bad in (["--no-such-option"], misuse[name]):
                r = run([program] + bad, cwd=tmp)
                lines = r.stderr.splitlines()
                check(r.returncode == 2 and len(lines) == 2 and
                      lines[1] == f"Try '{name} --help' for more information." and
                      not r.stdout, f"{name} {' '.join(bad)}: want exit 2 and two lines, got "
                      f"exit {r.returncode}, stderr {r.stderr!r}, stdout {r.stdout[:60]!r}")
            image = loaded_bytes(program)
            for folder in folders:
                check(folder.encode() not in image, f"{name} (without debug info) contains "
                      f"{folder}")


def case_view_files(args, tools):
    with tempfile.TemporaryDirectory() as tmp:
        screen = os.path.join(tmp, "screen")
        missing = os.path.join(tmp, "no-such-picture.png")
        r = run([tools["fbkit-view"], "--once", missing],
                env={"FBKIT_DISPLAY": f"offscreen:32x24,file={screen}"})
        check(r.returncode == 1 and missing in r.stderr and "No such file" in r.stderr,
              f"a missing file: want exit 1 naming it, got {r.returncode} {r.stderr!r}")
        check(not os.path.exists(screen), "fbkit-view opened the display (created its file=) "
              "before finding that its only file is missing")
        if not args.png:
            return None
        # One good file among missing ones is still shown.
        good = os.path.join(args.images, "star.png")
        r = run([tools["fbkit-view"], "--snapshot", os.path.join(tmp, "out.png"), missing, good],
                env={"FBKIT_DISPLAY": "offscreen:32x24"})
        check(r.returncode == 1 and png_size(os.path.join(tmp, "out.png")) == (32, 24),
              f"a good file after a missing one: exit {r.returncode}, {r.stderr!r}")


def case_quiet(args, tools):
    if not args.png:
        return "fbkit is built without libpng: no image to show"
    devices = glob.glob("/dev/fb[0-9]*") + glob.glob("/dev/dri/card*")
    if devices:
        return f"display devices exist ({', '.join(devices)}): no fallback to offscreen here"
    good = os.path.join(args.images, "star.png")
    with tempfile.TemporaryDirectory() as tmp:
        runs = {
            "fbkit-view": [tools["fbkit-view"], "--snapshot", os.path.join(tmp, "v.png"), good],
            "fbkit-demo": [tools["fbkit-demo"], "--frames", "1", "--font", "none", "--images",
                           args.images, "--snapshot", os.path.join(tmp, "d.png")],
        }
        for name, argv in runs.items():
            r = run(argv, cwd=tmp)
            check(r.returncode == 0 and "offscreen instead" in r.stderr,
                  f"{name} without a device: want the fallback warning, got exit "
                  f"{r.returncode} {r.stderr!r}")
            r = run(argv[:1] + ["--quiet"] + argv[1:], cwd=tmp)
            check(r.returncode == 0 and not r.stderr and not r.stdout,
                  f"{name} --quiet: want silence, got exit {r.returncode}, stderr "
                  f"{r.stderr!r}, stdout {r.stdout!r}")


def case_demo_files(args, tools):
    with tempfile.TemporaryDirectory() as tmp:
        base = [tools["fbkit-demo"], "--frames", "2", "--font", "none", "--images", args.images]
        r = run(base, env={"FBKIT_DISPLAY": "offscreen:160x120"}, cwd=tmp)
        check(r.returncode == 0 and os.listdir(tmp) == [],
              f"fbkit-demo offscreen without --snapshot: exit {r.returncode}, wrote "
              f"{os.listdir(tmp)} ({r.stderr!r})")
        if not args.png:
            return None
        shot = os.path.join(tmp, "asked.png")
        r = run(base + ["--snapshot", shot], env={"FBKIT_DISPLAY": "offscreen:160x120"}, cwd=tmp)
        check(r.returncode == 0 and png_size(shot) == (160, 120) and os.listdir(tmp) == ["asked.png"],
              f"fbkit-demo --snapshot: exit {r.returncode}, {os.listdir(tmp)} ({r.stderr!r})")


def case_shot_file(args, tools):
    if not args.png:
        return "fbkit is built without libpng: fbkit-shot cannot write a PNG"
    with tempfile.TemporaryDirectory() as tmp:
        screen = os.path.join(tmp, "screen")
        r = run([tools["fbkit-demo"], "--frames", "1", "--font", "none", "--images", args.images],
                env={"FBKIT_DISPLAY": f"offscreen:160x120,file={screen}"})
        if not check(r.returncode == 0 and os.path.exists(screen),
                     f"fbkit-demo did not draw the screen file: {r.stderr!r}"):
            return None
        for spec in (f"offscreen:file={screen}", f"offscreen,file={screen}",
                     f"offscreen:160x120,file={screen}"):
            out = os.path.join(tmp, "shot.png")
            r = run([tools["fbkit-shot"], "--display", spec, out])
            check(r.returncode == 0 and png_size(out) == (160, 120),
                  f"fbkit-shot --display {spec}: exit {r.returncode}, {r.stderr!r}")
            if os.path.exists(out):
                os.unlink(out)
        # Without a file the message says what is missing, in one line.
        r = run([tools["fbkit-shot"], "--display", "offscreen:160x120", out])
        check(r.returncode == 1 and "no file=PATH" in r.stderr and len(r.stderr.splitlines()) == 1,
              f"fbkit-shot on an offscreen display without file=: {r.returncode} {r.stderr!r}")
        # A rotated display's file reads as its picture: 120x160 on a 160x120 panel.
        turned = os.path.join(tmp, "turned")
        r = run([tools["fbkit-demo"], "--frames", "1", "--font", "none", "--images", args.images],
                env={"FBKIT_DISPLAY": f"offscreen:160x120,rotate=90,file={turned}"})
        check(r.returncode == 0, f"fbkit-demo on a rotated display: {r.stderr!r}")
        r = run([tools["fbkit-shot"], "--display", f"offscreen:file={turned}", out])
        check(r.returncode == 0 and os.path.exists(out) and png_size(out) == (120, 160),
              f"fbkit-shot of a rotated screen file: exit {r.returncode}, "
              f"{png_size(out) if os.path.exists(out) else None}, {r.stderr!r}")
        # rotate= on a file (which says its own) or not a quarter turn: one line, exit 1.
        for spec, says in ((f"offscreen:file={turned},rotate=90", "carries its rotation"),
                           ("fbdev,rotate=45", "expected 0, 90, 180 or 270")):
            r = run([tools["fbkit-shot"], "--display", spec, out])
            check(r.returncode == 1 and says in r.stderr and len(r.stderr.splitlines()) == 1,
                  f"fbkit-shot --display {spec}: {r.returncode} {r.stderr!r}")
    return None


CASES = {"cli": case_cli, "view-files": case_view_files, "quiet": case_quiet,
         "demo-files": case_demo_files, "shot-file": case_shot_file}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("case", choices=sorted(CASES))
    for option in ("version", "source-root", "build-root", "view", "shot", "info", "demo",
                   "compare", "images"):
        p.add_argument("--" + option, required=True)
    p.add_argument("--png", choices=("yes", "no"), required=True)
    args = p.parse_args()
    args.png = args.png == "yes"
    # Absolute: some cases run the tools in a scratch folder.
    tools = {"fbkit-view": args.view, "fbkit-shot": args.shot, "fbkit-info": args.info,
             "fbkit-demo": args.demo, "fbkit-compare": args.compare}
    tools = {name: os.path.abspath(path) for name, path in tools.items()}
    skipped = CASES[args.case](args, tools)
    for failure in failures:
        print("FAILED: " + failure)
    if failures:
        return 1
    if skipped:
        print("SKIP: " + skipped)
        return SKIP
    print(f"{args.case}: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
