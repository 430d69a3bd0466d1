#!/usr/bin/env python3
"""check_compare.py FBKIT_COMPARE yes|no

fbkit-compare's exit codes (0 match, 1 differ, 2 error), its one-line
summary, --tolerance, --max-pixels, --ignore, --region, --format, --diff and
--update (and FBKIT_UPDATE_GOLDEN), on small PNG files this script writes
itself (with zlib, not through fbkit). The second argument says whether
fbkit has libpng; without it only the error is checked, then SKIP.
"""
import os
import shlex
import struct
import subprocess
import sys
import tempfile
import zlib

SKIP = 77
failures = []
WRAPPER = shlex.split(os.environ.get("MESON_EXE_WRAPPER", ""))


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def write_png(path, pixels):
    """pixels: rows of (r, g, b) tuples; 8-bit RGB, filter 0."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\0" + bytes(c for p in row for c in p) for row in pixels)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height,
                                                                   8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def image(width, height, colour, spots=()):
    rows = [[colour] * width for _ in range(height)]
    for x, y, c in spots:
        rows[y][x] = c
    return rows


def run(tool, args, env=None):
    full = {k: v for k, v in os.environ.items() if k != "FBKIT_UPDATE_GOLDEN"}
    full.update(env or {})
    return subprocess.run(WRAPPER + [tool] + args, capture_output=True, text=True, env=full,
                          stdin=subprocess.DEVNULL, timeout=60)


def expect(r, code, what, stdout=None, stderr=None):
    ok = r.returncode == code
    if stdout is not None:
        ok = ok and all(s in r.stdout for s in stdout)
    if stderr is not None:
        ok = ok and all(s in r.stderr for s in stderr)
    check(ok, f"{what}: want exit {code}, stdout with {stdout}, stderr with {stderr}; got exit "
          f"{r.returncode}, stdout {r.stdout!r}, stderr {r.stderr!r}")


def main():
    tool, png = os.path.abspath(sys.argv[1]), sys.argv[2] == "yes"
    grey = (100, 100, 100)
    with tempfile.TemporaryDirectory() as tmp:
        want, got = os.path.join(tmp, "want.png"), os.path.join(tmp, "got.png")
        write_png(want, image(6, 4, grey))
        write_png(got, image(6, 4, grey, [(3, 2, (110, 100, 100))]))
        if not png:
            expect(run(tool, [want, got]), 2, "without libpng", stdout=[""],
                   stderr=["libpng"])
            for f in failures:
                print("FAILED: " + f)
            if failures:
                return 1
            print("SKIP: fbkit is built without libpng: fbkit-compare can only say so")
            return SKIP

        r = run(tool, [want, want])
        expect(r, 0, "same file")
        check(r.stdout == "" and r.stderr == "", f"a match prints nothing: {r.stdout!r}")
        r = run(tool, [want, got])
        expect(r, 1, "one pixel", stdout=[f"{got}: 1 of 24 pixels differ (allowed 0)",
                                          "worst channel difference 10 at 3,2 (tolerance 0)",
                                          "within 3,2 1x1"])
        check(len(r.stdout.splitlines()) == 1 and not r.stderr, f"one line: {r.stdout!r}")
        expect(run(tool, ["--tolerance", "10", want, got]), 0, "tolerance 10")
        expect(run(tool, ["--tolerance", "9", want, got]), 1, "tolerance 9")
        expect(run(tool, ["--max-pixels", "1", want, got]), 0, "one pixel allowed")
        expect(run(tool, ["--ignore", "3,2,1,1", want, got]), 0, "ignored")
        expect(run(tool, ["--ignore", "0,0,2,2", "--ignore", "2,2,2,2", want, got]), 0,
               "second ignore rectangle")
        expect(run(tool, ["--ignore", "0,0,2,2", want, got]), 1, "ignore elsewhere")
        expect(run(tool, ["--region", "0,0,3,4", want, got]), 0, "region left of it")
        expect(run(tool, ["--region", "2,1,4,3", want, got]), 1, "region over it",
               stdout=["1 of 12 pixels"])
        expect(run(tool, ["--ignore", "10,10,1,1", want, got]), 2, "ignore outside",
               stderr=["ignore rectangle"])
        expect(run(tool, ["--region", "4,0,3,1", want, got]), 2, "region past the edge",
               stderr=["region"])

        # --diff: red where it differs over the actual dimmed to (100*3)/12 = 25.
        diff, want_diff = os.path.join(tmp, "diff.png"), os.path.join(tmp, "want-diff.png")
        write_png(want_diff, image(6, 4, (25, 25, 25), [(3, 2, (255, 0, 0))]))
        expect(run(tool, ["--diff", diff, want, got]), 1, "diff", stdout=["diff: " + diff])
        expect(run(tool, [want_diff, diff]), 0, "the diff image")
        os.unlink(diff)
        expect(run(tool, ["--diff", diff, want, want]), 0, "no diff on a match")
        check(not os.path.exists(diff), "a diff written for a match")

        # Sizes, files, formats.
        small = os.path.join(tmp, "small.png")
        write_png(small, image(5, 4, grey))
        expect(run(tool, [want, small]), 2, "sizes", stderr=["6x4", "5x4"])
        missing = os.path.join(tmp, "missing.png")
        expect(run(tool, [missing, got]), 2, "missing expected", stderr=[missing, "--update"])
        expect(run(tool, [want, missing]), 2, "missing actual", stderr=[missing])
        text = os.path.join(tmp, "text.png")
        with open(text, "w") as f:
            f.write("not a picture\n")
        expect(run(tool, [text, got]), 2, "not a PNG", stderr=[text])

        # An RGB565 rendering of (200, 100, 50) reads back as (198, 101, 49).
        gold, shot = os.path.join(tmp, "gold.png"), os.path.join(tmp, "shot565.png")
        write_png(gold, image(4, 3, (200, 100, 50)))
        write_png(shot, image(4, 3, (198, 101, 49)))
        expect(run(tool, [gold, shot]), 1, "565 straight", stdout=["worst channel difference 2"])
        expect(run(tool, ["--format", "RG16", gold, shot]), 0, "565 in its format")
        expect(run(tool, ["--format", "RGB565", gold, got]), 2, "565 sizes")

        # Update only when asked, and say so.
        with open(want, "rb") as f:
            before = f.read()
        run(tool, [want, got])
        with open(want, "rb") as f:
            check(f.read() == before, "EXPECTED changed without --update")
        expect(run(tool, ["--update", missing, got]), 0, "update a missing file",
               stdout=[f"updated {missing} from {got}", "did not exist"])
        expect(run(tool, [missing, got]), 0, "the updated file")
        expect(run(tool, [want, got], env={"FBKIT_UPDATE_GOLDEN": "0"}), 1, "UPDATE=0")
        expect(run(tool, [want, got], env={"FBKIT_UPDATE_GOLDEN": "1"}), 0, "UPDATE=1",
               stdout=[f"updated {want}", "1 pixels differed"])
        expect(run(tool, [want, got]), 0, "after the update")
        r = run(tool, ["--update", want, got])
        expect(r, 0, "update of a match")
        check(r.stdout == "", f"a match is not rewritten: {r.stdout!r}")
        expect(run(tool, ["--update", small, got]), 0, "update another size",
               stdout=["size differed"])

        # Usage errors: two lines, exit 2.
        for bad in (["--ignore", "1,2,3", want, got], ["--ignore", "1,2,0,3", want, got],
                    ["--tolerance", "x", want, got], ["--max-pixels", "-1", want, got],
                    ["--format", "XX99", want, got], [want], [want, got, got]):
            r = run(tool, bad)
            lines = r.stderr.splitlines()
            check(r.returncode == 2 and len(lines) == 2 and "--help" in lines[1] and
                  not r.stdout, f"{bad}: exit {r.returncode}, {r.stderr!r}")
    for f in failures:
        print("FAILED: " + f)
    if failures:
        return 1
    print("compare_tool: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
