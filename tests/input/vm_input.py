#!/usr/bin/env python3
"""Input on real kernel devices: fbkit's input layer through the real
libinput in QEMU, checked end to end (see vm_input_guest.c for the steps).

The guest gets a bochs display (fbdev on /dev/fb0, 1280x800), QEMU's
virtio keyboard, tablet and mouse, and makes a multi-touch touchscreen itself
with uinput. Keys and tablet events are injected from here with QMP
`input-send-event`, each one waited for: the guest prints a GOT line from
its callback, so the time from the QMP command to that line is the
latency from injection to the program (plus the serial line back). The
guest checks what it received (key, text, display coordinates), fbkit's
software cursor following the tablet (in the framebuffer, and here in
QEMU's screendump), the VT
keyboard mode (K_OFF while running, restored after close, SIGTERM and
SIGSEGV) and Ctrl+Alt+Fn with vt-switch, and reports each check.

Then /init starts udevd (Debian's, with the one rule that tags input
devices, 60-input-id.rules) and runs the guest again for hot-plug: the
devices come with udevd's entries, and a keyboard made with uinput while
the input is open appears, types and goes away.

The guest program is linked dynamically (libinput has no static library
in Debian): the initramfs carries the libraries `ldd` lists, libinput's
quirks and the XKB data. There is no udevd in the guest, so the guest
writes udev's database entries for the devices itself (ID_INPUT_*), which
libinput needs to take a device.

Exit status: 0 when every check passed, 1 otherwise, 77 (skip) when QEMU,
busybox, a kernel, the modules or the guest's files are missing.

    vm_input.py --guest build/tests/vm-input-guest --workdir build/tests/vm-input
"""
import argparse
import os
import statistics
import struct
import sys
import time
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm"))
import vmimage  # noqa: E402
import vmpixels  # noqa: E402
import vmqemu  # noqa: E402

SKIP = 77
MODULES = ["bochs", "evdev", "uinput", "virtio_pci", "virtio_input"]
QEMU_DEVICES = ["-vga", "none", "-device", "bochs-display",
                "-device", "virtio-keyboard-pci", "-device", "virtio-tablet-pci",
                "-device", "virtio-mouse-pci"]
XKB_DIR = "/usr/share/X11/xkb"
QUIRKS_DIR = "/usr/share/libinput"
UDEVADM = "/bin/udevadm"
INPUT_RULE = "/lib/udev/rules.d/60-input-id.rules"

INIT = vmimage.init_script(r"""n=0
while { [ ! -e /dev/fb0 ] || [ ! -e /dev/uinput ] || [ "$(ls /dev/input | grep -c event)" -lt 3 ]; } &&
	[ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
echo "@@ NOTE devices: $(ls /dev/input | tr '\n' ' ')"
# tty1 as the controlling terminal and stdin, as a program on a VT has it
setsid sh -c "exec /bin/vm-input-guest --control=/dev/ttyS0 </dev/tty1 >/dev/tty1 2>/dev/ttyS0"
echo "@@ EXIT status=$?"
# Then with udevd, for hot-plug: it writes the devices' entries itself.
/bin/systemd-udevd --daemon 2>/tmp/udevd.err || echo "@@ NOTE udevd: $(cat /tmp/udevd.err)"
udevadm trigger --action=add --subsystem-match=input
udevadm settle --timeout=20 || echo "@@ NOTE udevadm settle failed"
setsid sh -c "exec /bin/vm-input-guest --control=/dev/ttyS0 --hotplug </dev/tty1 >/dev/tty1 2>/dev/ttyS0"
echo "@@ EXIT status=$?"
echo "@@ DONE"
poweroff -f
""", tmpfs=("run", "tmp"))


def key(name, down):
    return {"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": name}}}


def button(name, down):
    return {"type": "btn", "data": {"down": down, "button": name}}


def absolute(axis, value):
    return {"type": "abs", "data": {"axis": axis, "value": value}}


def relative(axis, value):
    return {"type": "rel", "data": {"axis": axis, "value": value}}


def solid_png(r, g, b, w=64, h=40):
    """A PNG of one colour."""
    rows = b"".join(b"\0" + bytes((r, g, b)) * w for _ in range(h))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def build(path, guest, tools, busybox, modules):
    tree = vmimage.Tree()
    for d in ("bin", "dev", "etc", "lib/modules", "proc", "run", "sys", "tmp"):
        tree.folder(d)
    tree.cpio.char_device("dev/console", 5, 1)
    tree.copy("bin/busybox", busybox, executable=True)
    tree.cpio.symlink("bin/sh", "busybox")
    tree.program("bin/vm-input-guest", guest)
    # the demos, driven by touch: fbkit-view shows a red then a blue picture
    for name, program in tools.items():
        tree.program("bin/" + name, program)
    tree.file("img/red.png", solid_png(255, 0, 0))
    tree.file("img/blue.png", solid_png(0, 0, 255))
    tree.copy_folder(XKB_DIR.lstrip("/"), XKB_DIR)
    tree.copy_folder(QUIRKS_DIR.lstrip("/"), QUIRKS_DIR)
    # udevd (udevadm under another name) with the one rule that tags input devices
    tree.copy("bin/udevadm", UDEVADM, executable=True)
    tree.cpio.symlink("bin/systemd-udevd", "udevadm")
    tree.libraries(UDEVADM)
    tree.copy("lib/udev/rules.d/" + os.path.basename(INPUT_RULE), INPUT_RULE)
    tree.file("init", INIT.encode(), executable=True)
    for ko in modules:
        tree.file("lib/modules/" + vmimage.module_name(ko), vmimage.module_bytes(ko))
    tree.file("etc/conf", ('MODULES="%s"\n' % vmimage.shell_words(
        vmimage.module_name(ko) for ko in modules)).encode())
    with open(path, "wb") as f:
        f.write(tree.cpio.finish())


class Run:
    """The guest's lines, and the host's side of the protocol."""

    def __init__(self, machine, deadline, quiet):
        self.machine = machine
        self.deadline = deadline
        self.quiet = quiet
        self.checks = []
        self.stats = []
        self.latencies = []  # (what, ms) from QMP command to the guest's GOT line
        self.lines = []
        self.ended = False

    def line(self, timeout=None):
        left = self.deadline - time.monotonic()
        if timeout is not None:
            left = min(left, timeout)
        text = self.machine.read_line(max(0.0, left))
        if text is None:
            return None
        self.lines.append(text)
        if not self.quiet and text.startswith("@@"):
            print(text)
        if text.startswith("@@ CHECK"):
            self.checks.append(text)
        elif text.startswith("@@ STAT"):
            self.stats.append(text)
        elif text.startswith("@@ DONE"):
            self.ended = True
        return text

    def send(self, events, wait_for=None, what=""):
        """Inject events; with wait_for, wait (5 s at most) for the guest's GOT line
        that starts so, and record the time it took."""
        start = time.monotonic()
        # No "device": it must be bound to a display console. QEMU gives events
        # to the input handler activated last, and virtio-input activates its
        # own when the guest's driver starts, after the PS/2 keyboard's.
        self.machine.qmp.command("input-send-event", events=events)
        while wait_for:
            text = self.line(5.0)
            if text is None or self.ended:
                self.checks.append("@@ CHECK name=got-%s ok=0 no GOT line in 5 s" % what)
                return
            if text.startswith("@@ GOT " + wait_for):
                self.latencies.append((what, (time.monotonic() - start) * 1e3))
                return

    def go(self):
        self.machine.write_line("GO")


def host_keys(run):
    for name, code in (("shift", 42), ("a", 30)):
        run.send([key(name, True)], "key code=%d state=1" % code, name + "-down")
    for name, code in (("a", 30), ("shift", 42)):
        run.send([key(name, False)], "key code=%d state=0" % code, name + "-up")
    run.send([key("b", True)], "key code=48 state=1", "b-down")
    run.send([key("b", False)], "key code=48 state=0", "b-up")
    run.send([key("c", True)], "key code=46 state=1", "c-down")
    time.sleep(1.2)
    run.send([key("c", False)], "key code=46 state=0", "c-up")
    run.send([key("esc", True)], "key code=1 state=1", "esc-down")
    run.send([key("esc", False)], "key code=1 state=0", "esc-up")


def host_tablet(run):
    run.send([absolute("x", 8192), absolute("y", 24576)], "motion", "move")
    run.send([button("left", True)], "button pressed=1", "left-down")
    run.send([button("left", False)], "button pressed=0", "left-up")


def cursor_shot(run, folder, width=1280, height=800):
    """QEMU's picture of the screen after the tablet moved the pointer to
    (w/4, 3h/4): fbkit's cursor (a magenta square, hotspot (2, 2)) there,
    and not where it started (the middle). Taken again for up to 2 s: the
    fbdev emulation writes the framebuffer out on a timer."""
    x, y = width * 8192 // 32768, height * 24576 // 32768
    inside = [(x - 2, y - 2), (x + 7, y + 7), (x, y)]
    outside = [(x - 3, y), (x + 8, y + 7), (width // 2, height // 2)]
    path = os.path.join(folder, "cursor-shot.ppm")
    magenta = (255, 0, 255)
    deadline = time.monotonic() + 2
    while True:
        run.machine.screendump(path)
        picture = vmpixels.read_ppm(path)
        got_in = [picture.pixel(*p) for p in inside]
        got_out = [picture.pixel(*p) for p in outside]
        ok = all(p == magenta for p in got_in) and all(p != magenta for p in got_out)
        if ok or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    run.checks.append("@@ CHECK name=cursor-screen ok=%d screendump %s inside the cursor "
                      "at (%d, %d), %s beside it and where it started" % (
                          ok, got_in, x, y, got_out))


def ctrl_alt(run, fkey):
    run.send([key("ctrl", True), key("alt", True), key(fkey, True)])
    run.send([key(fkey, False), key("alt", False), key("ctrl", False)])


def run_vm(args, qemu, busybox, kernel, version):
    folder = os.path.abspath(args.workdir)
    os.makedirs(folder, exist_ok=True)
    initramfs = os.path.join(folder, "initramfs.cpio")
    tools = {"fbkit-view": args.view, "fbkit-demo": args.demo}
    build(initramfs, args.guest, tools, busybox, vmimage.module_files(version, MODULES))
    boot = vmimage.vmlinux_for(kernel, version, os.path.join(folder, "cache")) or kernel
    cmd = [qemu, "-nodefaults", "-no-user-config", "-machine", "pc", "-accel", "tcg",
           "-m", "256M", "-smp", "1", "-display", "none", "-no-reboot"] + QEMU_DEVICES + [
           "-kernel", boot, "-initrd", initramfs, "-append", "console=ttyS0 quiet panic=-1"]
    machine = vmqemu.Machine(cmd, os.path.join(folder, "qemu.log"))
    run = Run(machine, time.monotonic() + args.timeout, args.quiet)
    problems = []
    try:
        while not run.ended:
            text = run.line()
            if text is None:
                problems.append("the guest did not finish in %g s" % args.timeout)
                break
            if not text.startswith("@@ READY "):
                continue
            step = text.split()[2]
            run.go()
            if step == "keys":
                host_keys(run)
            elif step == "tablet":
                host_tablet(run)
            elif step == "cursor-shot":
                cursor_shot(run, folder)
            elif step == "mouse-far":
                run.send([relative("x", 5000), relative("y", 5000)],
                         "motion", "mouse-far")
            elif step == "mouse-back":
                run.send([relative("x", -5000), relative("y", -5000)],
                         "motion", "mouse-back")
            elif step == "mouse-step":
                run.send([relative("x", 3)], "motion", "mouse-step")
            elif step == "wheel":
                run.send([button("wheel-up", True)], "scroll", "wheel")
                run.send([button("wheel-up", False)])
            elif step == "vt2":
                ctrl_alt(run, "f2")
            elif step == "vt1":
                ctrl_alt(run, "f1")
            elif step == "f5":
                run.send([key("f5", True)])
                run.send([key("f5", False)])
    except EOFError as e:
        problems.append("the guest went away: %s" % e)
    finally:
        machine.stop(5)
        with open(os.path.join(folder, "console.log"), "w") as f:
            f.write("\n".join(run.lines) + "\n")
    return run, problems


EXPECTED = ["input-open", "kbmode-running", "touch-down", "touch-motion", "touch-up",
            "key-shift-a", "key-b", "key-repeat", "key-escape", "cursor-software",
            "tablet-motion", "tablet-button", "cursor-follows", "cursor-screen",
            "mouse-clamp-far", "mouse-clamp-back", "mouse-step", "mouse-wheel",
            "kbmode-close", "kbmode-sigterm", "kbmode-sigsegv", "vt-switch-away",
            "vt-switch-back", "vt-switch-mode", "paths", "paths-no-udev", "touch-rotate-90",
            "touch-rotate-270", "view-touch", "demo-touch", "hotplug-udevd",
            "hotplug-added", "hotplug-key", "hotplug-removed"]


def report(run, problems):
    names = {}
    for c in run.checks:
        words = dict(w.split("=", 1) for w in c.split() if "=" in w)
        names[words.get("name")] = words.get("ok") == "1"
    for name in EXPECTED:
        if name == "input-open":
            if names.get(name) is False:
                problems.append("input-open failed")
            continue
        if name not in names:
            problems.append("no result for %s" % name)
    problems += ["%s failed" % n for n, ok in names.items() if not ok and n != "input-open"]
    for s in run.stats:
        print(s[3:])
    if run.latencies:
        ms = [m for _, m in run.latencies]
        print("STAT injection (QMP) to the program's callback, seen back on the host: "
              "%d events, median %.1f ms, min %.1f, max %.1f" % (
                  len(ms), statistics.median(ms), min(ms), max(ms)))
    for p in problems:
        print("FAIL: %s" % p)
    print("%d checks, %d failed" % (len(names), sum(not ok for ok in names.values())))
    return 1 if problems else 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--guest", help="vm-input-guest, linked dynamically")
    ap.add_argument("--view", help="fbkit-view, linked dynamically")
    ap.add_argument("--demo", help="fbkit-demo, linked dynamically")
    ap.add_argument("--missing", help="why there is no guest program (skip)")
    ap.add_argument("--workdir", default="vm-input")
    ap.add_argument("--kernel")
    ap.add_argument("--timeout", type=float, default=240)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    try:
        if args.missing:
            raise vmimage.Missing(args.missing)
        for program in (args.guest, args.view, args.demo):
            if not program or not os.path.isfile(program):
                raise vmimage.Missing("no guest program %s" % program)
        for d in (XKB_DIR, QUIRKS_DIR):
            if not os.path.isdir(d):
                raise vmimage.Missing("no %s (xkb-data, libinput-bin)" % d)
        for f in (UDEVADM, INPUT_RULE):
            if not os.path.isfile(f):
                raise vmimage.Missing("no %s: apt-get install udev" % f)
        qemu, busybox, kernel, version = vmimage.vm_tools(kernel=args.kernel)
        run, problems = run_vm(args, qemu, busybox, kernel, version)
    except vmimage.Missing as e:
        print("SKIP: %s" % e)
        return SKIP
    return report(run, problems)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
