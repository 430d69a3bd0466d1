#!/usr/bin/env python3
"""fbkit's tests on real kernel display drivers: boot Debian's kernel in
QEMU with one emulated display device, run fbkit-vmtest's steps in the
guest, and check every picture it shows against the same picture rendered
on the host by fbkit's offscreen backend in the device's pixel format.

    vmtest.py --device bochs --guest build/tests/vm/fbkit-vmtest \\
              --render build/tests/vm/fbkit-vmtest [--steps "selftest ..."] [--workdir DIR]

Exit status: 0 all steps passed; 1 something failed; 77 skipped (a tool is
missing, or steps need a backend this fbkit does not have yet); the last
lines say which. See README.md beside this file.
"""

import argparse
import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmimage  # noqa: E402
import vmpixels  # noqa: E402
from vmqemu import Machine  # noqa: E402

SKIP = 77


class Device:
    """An emulated display: QEMU options, modules, the mode it must show,
    and the steps (or sets of steps) it runs by default."""

    def __init__(self, qemu, modules, mode, append="", pvh=True, nodes=("/dev/fb0",),
                 steps="selftest fbdev", drm_format=None, module_args=None):
        self.qemu = qemu.split()
        self.steps = steps
        self.modules = modules
        self.module_args = module_args or {}  # {module: "param=value ..."} for insmod
        self.mode = mode  # (format, width, height) the guest must report
        self.append = append
        self.pvh = pvh  # vga= needs the bzImage's real-mode setup, so no PVH
        self.nodes = list(nodes)
        # The DRM backend's default format (XR24) where fbdev's emulation differs.
        self.drm_format = drm_format or mode[0]

    def mode_for(self, step):
        """(format, width, height) a step's picture must have: the drm backend
        has its own default format, and a format= option overrides both."""
        spec = step.partition("=")[2]
        fmt, width, height = self.mode
        if re.split(r"[:,]", spec)[0] == "drm":
            fmt = self.drm_format
        asked = re.search(r",format=(\w+)", spec)
        size = re.search(r",mode=(\d+)x(\d+)", spec)
        if size:
            width, height = int(size.group(1)), int(size.group(2))
        return (asked.group(1).upper() if asked else fmt, width, height)


DRM_NODES = ("/dev/fb0", "/dev/dri/card0")
DEVICES = {
    "bochs": Device("-vga none -device bochs-display", ["bochs"], ("XR24", 1280, 800),
                    nodes=DRM_NODES, steps="selftest fbdev drm"),
    "virtio": Device("-vga none -device virtio-gpu-pci", ["virtio_pci", "virtio_gpu"],
                     ("XR24", 1280, 800), nodes=DRM_NODES, steps="selftest fbdev drm"),
    "cirrus": Device("-vga cirrus", ["cirrus"], ("RG16", 1024, 768), nodes=DRM_NODES,
                     steps="selftest fbdev drm", drm_format="XR24"),
    "vesa": Device("-vga std", [], ("RG24", 1024, 768), append="vga=0x318", pvh=False),
    # VESA mode 0x116, 15-bit colour: vesafb reports the spare top bit as transp 15/1.
    "vesa15": Device("-vga std", [], ("AR15", 1024, 768), append="vga=0x316", pvh=False),
    "qxl": Device("-vga qxl", ["qxl"], ("XR24", 1024, 768), nodes=DRM_NODES,
                  steps="selftest drm"),
    "ati": Device("-vga none -device ati-vga", ["aty128fb"], ("AR24", 1024, 768),
                  module_args={"aty128fb": "mode_option=1024x768-32@60"},
                  steps="selftest fbdev cmap=fbdev"),
    "radeon": Device("-vga none -device ati-vga,model=rv100", ["radeonfb"], ("RG16", 1024, 768),
                     module_args={"radeonfb": "mode_option=1024x768-16@60"},
                     steps="selftest fbdev cmap=fbdev"),
}

# Named lists of steps; see `fbkit-vmtest --help` for what each step does.
STEP_SETS = {
    "selftest": ["console", "rawcopy", "blink"],
    "fbdev": ["scene=fbdev", "scene=fbdev,direct", "partial=fbdev", "partial=fbdev,rotate=90",
              "redefine=fbdev",
              "cursor=fbdev", "sigterm=fbdev", "crash=fbdev", "fork=fbdev", "loop=fbdev"],
    "drm": ["describe=drm", "scene=drm", "scene=drm,no-flip", "partial=drm",
            "partial=drm,rotate=270", "redefine=drm", "damage=drm", "damage=drm,no-flip",
            "damage=drm,rotate=90", "flips=drm", "loop=drm", "loop=drm,no-flip",
            "lateflip=drm", "optional=drm,format=RG16",
            "scene=drm,mode=1024x768", "refuse=drm,connector=HDMI-A-9",
            "refuse=drm,mode=123x45", "restore=drm", "novt=drm", "vtswitch=drm,vt-switch",
            "vtcursor=drm,vt-switch", "master=drm", "fork=drm", "pointer=drm",
            "pointer=drm,rotate=90"],
}


def expand_steps(names, without=()):
    """"selftest scene=fbdev,direct ..." -> a list of steps, leaving out
    those whose spec names a backend in `without`."""
    steps = []
    for name in names.split():
        steps += STEP_SETS.get(name, [name])
    return [s for s in steps if re.split(r"[:,]", s.partition("=")[2])[0] not in without]


def fields(text):
    """"a=1 b=x,y" -> {"a": "1", "b": "x,y"}"""
    return dict(re.findall(r"(\w+)=(\S*)", text))


class Expected:
    """The pictures the screen must show, rendered on the host by the
    natively built fbkit-vmtest with the offscreen backend (cached)."""

    def __init__(self, renderer, folder):
        self.renderer = renderer
        self.folder = folder
        self.cache = {}

    def get(self, image, width, height, fmt, rotation=0):
        """The picture `image` drawn at width x height, turned `rotation`
        degrees for a rotated display (width x height is the picture's)."""
        if rotation:
            key = (image, width, height, fmt, rotation)
            if key not in self.cache:
                path, picture = self.get(image, width, height, fmt)
                self.cache[key] = ("%s turned %d degrees" % (path, rotation),
                                   vmpixels.rotated(picture, rotation))
            return self.cache[key]
        key = (image, width, height, fmt)
        if key not in self.cache:
            name = re.sub(r"[^\w.-]", "_", "%s-%dx%d-%s" % key) + ".ppm"
            path = os.path.join(self.folder, name)
            result = subprocess.run([self.renderer, "render", image, "%dx%d" % (width, height),
                                     fmt, path], capture_output=True, text=True)
            if result.returncode != 0:
                raise RuntimeError("rendering %s failed: %s" % (image, result.stderr.strip()))
            self.cache[key] = (path, vmpixels.read_ppm(path))
        return self.cache[key]


def blank(picture, rect):
    """A copy of picture with rect painted black (to compare around it)."""
    if rect is None:
        return picture
    rgb = bytearray(picture.rgb)
    for y in range(max(rect.y, 0), min(rect.y + rect.h, picture.height)):
        x0, x1 = max(rect.x, 0), min(rect.x + rect.w, picture.width)
        start = (y * picture.width + x0) * 3
        rgb[start:start + (x1 - x0) * 3] = bytes((x1 - x0) * 3)
    return vmpixels.Picture(picture.width, picture.height, rgb)


def same_rows(a, b):
    """How many rows two same-sized pictures have in common, as a fraction."""
    same = sum(a.row(y) == b.row(y) for y in range(min(a.height, b.height)))
    return same / max(a.height, 1)


class Wanted:
    """An expected picture: its file, its 8-bit pixels, and the same at the
    device's depth (what a dump is compared with)."""

    def __init__(self, path, picture, bits):
        self.path, self.picture, self.bits = path, picture, bits
        self.reduced = vmpixels.reduce_depth(picture, bits)


class Checker:
    """Takes screendumps for the guest's requests and judges them."""

    def __init__(self, machine, expected, folder, settle, device):
        self.machine = machine
        self.expected = expected
        self.folder = folder
        self.settle = settle
        self.device = device
        self.first_pass = None  # seconds since QEMU start of the first good dump
        self.seen_mode = None  # (format, width, height) of the first image dump
        self.last_mode = None  # and of the latest one
        self.widening = None  # do narrow-format dumps equal fbkit's widening at 8 bits?

    def base_name(self, request):
        return os.path.join(self.folder, "%s-%s" % (
            request["seq"], re.sub(r"[^\w.-]", "_", request["step"])))

    def dump(self, request):
        """Take a screendump (the file is overwritten by each re-take)."""
        path = self.base_name(request) + ".ppm"
        self.machine.screendump(path)
        return vmpixels.read_ppm(path)

    def check(self, request):
        """(ok, message) for one @@DUMP request."""
        checks = {"image": self.check_image, "blink": self.check_blink,
                  "console": self.check_console}
        kind = request.get("check", "image")
        try:
            if kind not in checks:
                return False, "unknown check '%s'" % kind
            ok, message = checks[kind](request)
        except (OSError, ValueError, RuntimeError, KeyError) as e:
            return False, "%s: %s" % (type(e).__name__, e)
        if ok and self.first_pass is None:
            self.first_pass = self.machine.elapsed()
        return ok, message

    def wanted(self, request):
        w, h = int(request["w"]), int(request["h"])  # the screen's
        rotation = int(request.get("rotate", "0"))
        if rotation in (90, 270):
            w, h = h, w  # the picture's
        path, picture = self.expected.get(request["image"], w, h, request["format"], rotation)
        return Wanted(path, picture, [int(b) for b in request["bits"].split(",")])

    def mode_problem(self, request, raw):
        """Why the dump cannot be the requested picture at all, or None."""
        w, h, fmt = int(request["w"]), int(request["h"]), request["format"]
        self.seen_mode = self.seen_mode or (fmt, w, h)
        self.last_mode = (fmt, w, h)
        want = self.device.mode_for(request["step"])
        if (fmt, w, h) != want:
            return "the guest draws %dx%d %s, but this device should give %dx%d %s" % (
                w, h, fmt, want[1], want[2], want[0])
        if (raw.width, raw.height) != (w, h):
            return "the screen is %dx%d, the guest drew %dx%d" % (raw.width, raw.height, w, h)
        return None

    def failure(self, request, raw, want, cell, message):
        """A failed check's message, naming the pictures kept for a look:
        the screen, and a diff (differences in red over the dimmed expectation)."""
        got = vmpixels.reduce_depth(raw, want.bits)
        diff = vmpixels.compare(got, want.reduced, cell)
        text = "%s%s" % (message, diff.describe(got.width * got.height))
        if cell and diff.count and not diff.outside_cell():
            text += ": only the console cursor's cell differs (fbcon drew over the picture)"
        base = self.base_name(request)
        vmpixels.write_ppm(base + "-actual.ppm", raw)
        vmpixels.write_ppm(base + "-diff.ppm", vmpixels.diff_picture(got, want.reduced))
        return False, "%s [screen %s-actual.ppm, expected %s, diff %s-diff.ppm]" % (
            text, base, want.path, base)

    def settle_on(self, request, good, limit=None):
        """Re-take the dump until good(raw) or `limit` seconds (default: the
        settle time) are over: deferred I/O and virtio transfers reach the
        screen late. Returns (raw, ok, attempts, milliseconds)."""
        limit = self.settle if limit is None else limit
        start = time.monotonic()
        attempts = 0
        while True:
            raw = self.dump(request)
            attempts += 1
            ok = good(raw)
            if ok or time.monotonic() - start >= limit:
                return raw, ok, attempts, (time.monotonic() - start) * 1000
            time.sleep(0.1)

    def check_image(self, request):
        """The screen equals the expected picture (at the device's depth),
        and stays equal for `hold` ms when the request asks."""
        want = self.wanted(request)
        cell = vmpixels.Rect.parse(request.get("cursor"))

        def good(raw):
            return not self.mode_problem(request, raw) and \
                vmpixels.reduce_depth(raw, want.bits).rgb == want.reduced.rgb
        raw, ok, attempts, ms = self.settle_on(request, good)
        problem = self.mode_problem(request, raw)
        if problem:
            return False, problem
        if not ok:
            return self.failure(request, raw, want, cell, "")
        if self.widening is None and want.bits != [8, 8, 8]:
            self.widening = raw.rgb == want.picture.rgb
        message = "matches (%d ms, %d dump%s)" % (ms, attempts, "s" if attempts > 1 else "")
        hold = int(request.get("hold", "0")) / 1000.0
        if hold:
            return self.hold(request, want, cell, hold, message)
        return True, message

    def hold(self, request, want, cell, seconds, message):
        """Keep taking dumps for `seconds`: every one must still match
        (the fbcon cursor blinks every 200 ms, so it would show)."""
        matched = time.monotonic()
        dumps = 0
        while time.monotonic() - matched < seconds:
            time.sleep(0.05)
            raw = self.dump(request)
            dumps += 1
            if vmpixels.reduce_depth(raw, want.bits).rgb != want.reduced.rgb:
                return self.failure(request, raw, want, cell, "changed %d ms after matching: " % (
                    (time.monotonic() - matched) * 1000))
        return True, "%s, unchanged over %d more dumps in %d ms%s" % (
            message, dumps, seconds * 1000, " (cursor cell included)" if cell else "")

    def check_blink(self, request):
        """A control: the picture is right outside the cursor cell, and the
        fbcon cursor is seen in the cell at least once within `hold` ms."""
        cell = vmpixels.Rect.parse(request.get("cursor"))
        if not cell:
            return False, "the guest did not say where the cursor is"
        want = self.wanted(request)
        around = blank(want.reduced, cell)

        def right_around(raw):
            return not self.mode_problem(request, raw) and \
                blank(vmpixels.reduce_depth(raw, want.bits), cell).rgb == around.rgb
        raw, ok, _, _ = self.settle_on(request, right_around)
        if self.mode_problem(request, raw):
            return False, self.mode_problem(request, raw)
        if not ok:
            return self.failure(request, raw, want, cell, "outside the cursor cell: ")
        start = time.monotonic()
        seen = dumps = 0
        while time.monotonic() - start < int(request.get("hold", "1500")) / 1000.0:
            raw = self.dump(request)
            dumps += 1
            got = vmpixels.reduce_depth(raw, want.bits)
            if blank(got, cell).rgb != around.rgb:
                return self.failure(request, raw, want, cell, "outside the cursor cell: ")
            seen += got.rgb != want.reduced.rgb
            time.sleep(0.05)
        if not seen:
            return False, ("the cursor never showed in its cell (%s) in %d dumps: the cursor "
                           "checks cannot be trusted" % (cell, dumps))
        return True, "fbcon's cursor seen in its cell (%s) in %d of %d dumps, picture right " \
            "around it" % (cell, seen, dumps)

    def check_console(self, request):
        """The text console is on screen: the cursor shows in its (blank)
        cell, and the picture named by `gone` is no longer there. Only
        meaningful after an image check has seen that picture on screen."""
        cell = vmpixels.Rect.parse(request.get("cursor"))
        if not cell:
            return False, "the guest did not say where the cursor is"
        gone = None
        if request.get("gone"):
            fmt, w, h = self.last_mode or self.device.mode
            gone = self.expected.get(request["gone"], w, h, fmt)[1]
        state = {}

        def console_shown(raw):
            background = raw.pixel(raw.width - 1, raw.height - 1)
            state["cursor"] = vmpixels.cell_shows_cursor(raw, cell, background)
            state["lingering"] = gone is not None and (raw.width, raw.height) == (
                gone.width, gone.height) and same_rows(raw, gone) > 0.5
            return state["cursor"] and not state["lingering"]
        # At least a few blink cycles: the cursor is off half the time.
        _, ok, attempts, ms = self.settle_on(request, console_shown, max(self.settle, 1.5))
        where = self.base_name(request) + ".ppm"
        if ok:
            return True, "text console back, cursor visible in its cell (%s) (%d dump%s)" % (
                cell, attempts, "s" if attempts > 1 else "")
        if state["lingering"]:
            return False, "the picture is still on the screen: the console was not redrawn " \
                "in text mode [%s]" % where
        return False, "no cursor in its cell (%s) in %d dumps over %.1f s: the cursor is " \
            "hidden [%s]" % (cell, attempts, ms / 1000, where)


class Step:
    def __init__(self, name):
        self.name = name
        self.status = None  # PASS, FAIL or NOTBUILT, as the guest reported it
        self.detail = ""
        self.dumps = []  # (ok, message)
        self.notes = []

    def verdict(self):
        if self.status not in ("PASS", "NOTBUILT"):
            return "FAIL"
        if any(not ok for ok, _ in self.dumps):
            return "FAIL"
        return self.status


class Run:
    """One boot: follows the guest's protocol lines and keeps the results."""

    def __init__(self, machine, checker, steps, quiet):
        self.machine = machine
        self.checker = checker
        self.steps = [Step(s) for s in steps]
        self.current = None
        self.quiet = quiet
        self.ended = False
        self.problems = []
        self.stats = []  # figures the guest reports for the summary

    def echo(self, line):
        if not self.quiet:
            print("[%6.2f] %s" % (self.machine.elapsed(), line), flush=True)

    def step(self, name):
        for s in self.steps:
            if s.name == name and s.status is None:
                return s
        s = Step(name)
        self.steps.append(s)
        return s

    def handle(self, line):
        at = line.find("@@")
        if at < 0:
            return
        tag, _, rest = line[at + 2:].partition(" ")
        f = fields(rest)
        if tag == "STEP":
            self.current = self.step(f.get("step", "?"))
        elif tag == "NOTE" and self.current:
            self.current.notes.append(rest)
        elif tag == "STAT":
            self.stats.append(rest)
        elif tag == "DUMP":
            ok, message = self.checker.check(f)
            print("    dump %s %s: %s" % (f.get("seq"), "ok" if ok else "FAILED", message),
                  flush=True)
            if self.current:
                self.current.dumps.append((ok, message))
            self.machine.write_line("@@ACK %s" % f.get("seq", "0"))
        elif tag == "RESULT":
            s = self.step(f.get("step", "?"))
            s.status = f.get("status", "FAIL")
            s.detail = re.sub(r"^step=\S+ status=\S+ ?", "", rest)
            self.current = None
        elif tag == "END":
            self.ended = True
        elif tag == "INIT" and ("missing" in rest or "failed" in rest):
            self.problems.append("guest /init: " + re.sub(r" uptime=\S+$", "", rest))

    def follow(self, timeout, idle):
        """Read the console until the guest powers off; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.machine.read_line(min(idle, left))
            except EOFError:
                return True
            if line is None:
                self.problems.append("the guest %s" % (
                    "timed out after %d s" % timeout if left <= idle else
                    "printed nothing for %d s" % idle))
                return False
            self.echo(line)
            self.handle(line)


def report(run, device_name, started, qemu_status, strict):
    """Print the summary; returns the exit status."""
    print("\n==== %s: %s ====" % (device_name, "%s %dx%d" % run.checker.seen_mode
                                  if run.checker.seen_mode else "mode not seen"))
    counts = {"PASS": 0, "FAIL": 0, "NOTBUILT": 0}
    for s in run.steps:
        v = s.verdict()
        counts[v] += 1
        why = s.detail or ("no result from the guest" if s.status is None else "")
        print("%-8s %-22s %s" % (v, s.name, why))
        if v != "PASS":
            for note in s.notes[-6:]:
                print("             note: %s" % note)
        for ok, message in s.dumps:
            if not ok:
                print("             dump: %s" % message)
    if not run.ended:
        run.problems.append("the guest program did not finish (no @@END)")
    if qemu_status not in (0, None):
        run.problems.append("QEMU exited with status %d" % qemu_status)
    for p in run.problems:
        print("PROBLEM  %s" % p)
    if run.checker.widening is not None:
        print("note: at 8 bits the %s dumps %s fbkit's widening of narrow channels" % (
            run.checker.seen_mode[0], "equal" if run.checker.widening else "differ from"))
    for stat in run.stats:
        print("stat: %s" % stat)
    first = run.checker.first_pass
    print("boot to first verified picture: %s; whole run: %.1f s" % (
        "%.1f s" % first if first is not None else "never", time.monotonic() - started))
    print("%d passed, %d failed, %d need a backend not built yet" % (
        counts["PASS"], counts["FAIL"], counts["NOTBUILT"]))
    if counts["FAIL"] or run.problems:
        return 1
    if counts["NOTBUILT"]:
        names = ", ".join(s.name for s in run.steps if s.verdict() == "NOTBUILT")
        if strict:
            print("FAIL: not built yet: %s" % names)
            return 1
        print("SKIP: the control steps passed, but these need a backend this fbkit does not "
              "have yet: %s" % names)
        return SKIP
    return 0


def prerequisites(args):
    """Everything the run needs, or Missing with what to install."""
    if args.guest_missing:
        raise vmimage.Missing("no guest program: " + args.guest_missing)
    if not args.guest or not os.path.isfile(args.guest):
        raise vmimage.Missing("guest program %s not built" % args.guest)
    qemu, busybox, kernel, version = vmimage.vm_tools(args.qemu, args.busybox, args.kernel)
    if not os.path.isdir(os.path.join(vmimage.MODULES_DIR, version)):
        raise vmimage.Missing("no modules for kernel %s in %s" % (version, vmimage.MODULES_DIR))
    return qemu, busybox, kernel, version


def qemu_command(qemu, device, kernel, initramfs, memory, append):
    return [qemu, "-nodefaults", "-no-user-config", "-machine", "pc", "-accel", "tcg",
            "-m", memory, "-smp", "1", "-display", "none", "-no-reboot"] + device.qemu + [
            "-kernel", kernel, "-initrd", initramfs,
            "-append", " ".join(["console=ttyS0 quiet panic=-1", device.append, append]).strip()]


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", required=True, choices=sorted(DEVICES))
    ap.add_argument("--steps",
                    help="steps (see fbkit-vmtest --help) and sets of steps (%s), separated "
                    "by spaces; default: the device's own list" % ", ".join(sorted(STEP_SETS)))
    ap.add_argument("--guest", help="fbkit-vmtest to run in the guest (its shared libraries "
                    "go into the initramfs)")
    ap.add_argument("--guest-missing", help="why there is no guest program (skip)")
    ap.add_argument("--render", required=True, help="fbkit-vmtest built for the host")
    ap.add_argument("--workdir", default="vm-work", help="initramfs, logs and dumps go here")
    ap.add_argument("--kernel", help="bzImage to boot (default: newest /boot/vmlinuz-*)")
    ap.add_argument("--busybox", help="static busybox (default: from PATH)")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--memory", default="256M")
    ap.add_argument("--append", default="",
                    help="more kernel arguments, e.g. loglevel=7 to see the kernel's messages")
    ap.add_argument("--settle", type=float, default=2.0,
                    help="seconds to re-take a mismatching dump (deferred I/O flushes late)")
    ap.add_argument("--timeout", type=float, default=240, help="seconds for the whole boot")
    ap.add_argument("--strict", action="store_true",
                    help="steps whose backend is not built fail instead of skipping")
    ap.add_argument("--without", action="append", default=[], metavar="BACKEND",
                    help="leave out the steps that open BACKEND (not built into this fbkit)")
    ap.add_argument("--quiet", action="store_true", help="do not echo the guest console")
    return ap.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    device = DEVICES[args.device]
    started = time.monotonic()
    try:
        qemu, busybox, kernel, version = prerequisites(args)
        folder = os.path.abspath(os.path.join(args.workdir, args.device))
        for sub in ("dumps", "expected"):
            os.makedirs(os.path.join(folder, sub), exist_ok=True)
        for old in os.listdir(os.path.join(folder, "dumps")):  # a previous run's
            os.remove(os.path.join(folder, "dumps", old))
        modules = vmimage.module_files(version, device.modules)
    except vmimage.Missing as e:
        print("SKIP: %s" % e)
        return SKIP
    steps = expand_steps(args.steps or device.steps, args.without)
    boot_image = kernel
    if device.pvh:
        boot_image = vmimage.vmlinux_for(kernel, version,
                                         os.path.join(os.path.abspath(args.workdir), "cache"))
        boot_image = boot_image or kernel
    initramfs = os.path.join(folder, "initramfs.cpio")
    here = os.path.dirname(os.path.abspath(__file__))
    vmimage.build_initramfs(initramfs, busybox, args.guest, os.path.join(here, "guest-init.sh"),
                            modules, device.nodes, steps, device.module_args)
    print("%s: kernel %s (%s), %d modules, steps: %s" % (
        args.device, version, "PVH vmlinux" if boot_image != kernel else "bzImage",
        len(modules), " ".join(steps)), flush=True)

    command = qemu_command(qemu, device, boot_image, initramfs, args.memory, args.append)
    try:
        machine = Machine(command, os.path.join(folder, "qemu.log"))
    except RuntimeError as e:
        print("FAIL: cannot start QEMU: %s (see %s)" % (e, os.path.join(folder, "qemu.log")))
        return 1
    expected = Expected(args.render, os.path.join(folder, "expected"))
    checker = Checker(machine, expected, os.path.join(folder, "dumps"), args.settle, device)
    run = Run(machine, checker, steps, args.quiet)
    finished = False
    try:
        finished = run.follow(args.timeout, idle=60)
    finally:
        status = machine.stop(grace=10 if finished else 0)
    return report(run, args.device, started, status, args.strict)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
