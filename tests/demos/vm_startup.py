#!/usr/bin/env python3
"""Startup speed: process start to the first picture, fbkit-view and fbi.

Issue 5, item 6, and issue 17 for JPEG: the time from a viewer's start
until the screen shows exoplanet-3840x2160.png fitted (contain) into
1280x800, and the same photo as a JPEG (quality 90, 4:2:0, made by
make_jpeg with libjpeg-turbo's compressor, when --make-jpeg is given: a
build without libjpeg-turbo has no fbkit-view that shows one), measured

- on the host, offscreen: `fbkit-view --display offscreen:1280x800 --fit
  contain --snapshot` from its start until it has written the snapshot and
  exited;
- in QEMU (bochs-display, 1280x800, TCG, one CPU), on /dev/fb0: fbkit-view
  (`--display fbdev --fit contain`) and Debian's fbi (`-d /dev/fb0 -a -1 -T 1
  --noverbose`), alternately, several runs each.

In the guest, fbwatch (fbwatch.c) paints the screen a marker colour, starts
the viewer on tty1 and polls the framebuffer until its block means match the
host's offscreen snapshot (see fbwatch.c for the criterion); the host then
takes a QEMU screendump and checks it with the same criterion, so a picture
that only reached the framebuffer memory and not the display would fail.

fbi runs from the initramfs with what Debian's package needs at run time:
its shared libraries (as `ldd` lists them) and the loader, fontconfig's
configuration (/etc/fonts, links resolved) and the fonts of
fonts-dejavu-core (fbi opens a font before anything else and exits without
one). `-d /dev/fb0` because fbi, like fbkit-view, would otherwise take DRM,
which a framebuffer watcher cannot see; `--noverbose` because otherwise fbi
draws a status line over the bottom of the picture. Both viewers run once
on a small picture first, so fontconfig has written its cache (as on an
installed system) and nothing is loaded for the first time in the timed runs.

Both pictures are shown in the same boot: the PNG runs, then the JPEG
runs (viewers named fbkit-view-jpeg and fbi-jpeg), each against its own
offscreen snapshot.

Exit status: 0 when every run showed the picture (which viewer is faster does
not decide it: TCG timing is noisy), 1 when a viewer never showed it or a
screendump disagreed, 77 (skip) when fbi, its fonts, the photo, QEMU, busybox,
a kernel or the guest programs are missing.

    vm_startup.py --view fbkit-view --watch fbwatch \\
        --host-watch fbwatch --host-view fbkit-view --make-jpeg make_jpeg \\
        --photo exoplanet-3840x2160.png --workdir build/vm-startup
"""
import argparse
import os
import shutil
import statistics
import struct
import subprocess
import sys
import time
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm"))
import vmimage  # noqa: E402
import vmqemu  # noqa: E402

SKIP = 77
WIDTH, HEIGHT = 1280, 800
QEMU_DEVICE = ["-vga", "none", "-device", "bochs-display"]
FONT_DIR = "/usr/share/fonts/truetype/dejavu"
# What fonts-dejavu-core installs.
FONTS = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf",
         "DejaVuSansMono-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"]
VIEWERS = {
    "fbkit-view": "/bin/fbkit-view --display fbdev --fit contain /img/photo.png",
    "fbi": "/usr/bin/fbi -d /dev/fb0 -a -1 -T 1 --noverbose /img/photo.png",
}
# The same for the photo as a JPEG: name + JPEG_SUFFIX, /img/photo.jpg.
JPEG_SUFFIX = "-jpeg"
# Warm-up runs on a small picture: fbi without -T runs on the terminal it is
# given (it does not fork), -t 1 -1 makes it leave after a second.
WARM = {
    "fbkit-view": "/bin/fbkit-view --display fbdev --once --delay 0.5 /img/small.png",
    "fbi": "/usr/bin/fbi -d /dev/fb0 --noverbose -1 -t 1 /img/small.png",
}

INIT = vmimage.init_script(r"""mkdir -p /var/cache/fontconfig
n=0
while [ ! -e /dev/fb0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
fb=/sys/class/graphics/fb0
echo "@@ MODE $(cat $fb/virtual_size) $(cat $fb/bits_per_pixel)"
warm() { # warm NAME COMMAND...
	name=$1
	shift
	setsid sh -c "exec $* </dev/tty1 >/dev/tty1 2>/tmp/warm.err" &
	wait $!
	echo "@@ WARM name=$name status=$? stderr=[$(tr '\n' ' ' </tmp/warm.err | cut -c1-300)]"
}
run() { # run NAME WANT COMMAND...
	name=$1
	want=$2
	shift 2
	/bin/fbwatch --want "$want" --ack --name "$name" --log /tmp/viewer.err \
		--timeout "$TIMEOUT" --tolerance "$TOLERANCE" -- "$@"
	# what it wrote to stderr, then to tty1 (where fbi -T moves its stderr)
	err=$(tr '\n' ' ' </tmp/viewer.err | cut -c1-300)
	echo "@@ LOG name=$name stderr=[$err] tty1=[$(tr -s ' ' </dev/vcs1 | cut -c1-300)]"
}
pair() { # pair I SUFFIX WANT VIEW_COMMAND FBI_COMMAND: alternate which goes first
	if [ $(($1 % 2)) = 1 ]; then
		run "fbkit-view$2" "$3" $4
		run "fbi$2" "$3" $5
	else
		run "fbi$2" "$3" $5
		run "fbkit-view$2" "$3" $4
	fi
}
warm fbkit-view $WARM_VIEW
warm fbi $WARM_FBI
i=1
while [ $i -le $RUNS ]; do
	pair $i "" /img/want.png "$VIEW" "$FBI"
	i=$((i + 1))
done
i=1
while [ -n "$VIEW_JPEG" ] && [ $i -le $RUNS ]; do
	pair $i "$JPEG_SUFFIX" /img/want-jpeg.png "$VIEW_JPEG" "$FBI_JPEG"
	i=$((i + 1))
done
echo "@@ END"
poweroff -f
""", path="/bin:/usr/bin")


def small_png():
    """A 64x40 PNG (a grey ramp), written here: the warm-up picture."""
    w, h = 64, 40
    rows = b"".join(b"\0" + bytes((x * 4 + y) & 0xff for x in range(w) for _ in range(3))
                    for y in range(h))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def fbi_files(fbi):
    """(path in the guest, host file) for what fbi reads at run time (its
    shared libraries are the Tree's to add)."""
    files = []
    if not os.path.isfile("/etc/fonts/fonts.conf"):
        raise vmimage.Missing("no /etc/fonts/fonts.conf: apt-get install fontconfig-config")
    files.append(("etc/fonts/fonts.conf", "/etc/fonts/fonts.conf"))
    conf_d = "/etc/fonts/conf.d"
    for name in sorted(os.listdir(conf_d)) if os.path.isdir(conf_d) else []:
        path = os.path.realpath(os.path.join(conf_d, name))
        if name.endswith(".conf") and os.path.isfile(path):
            files.append(("etc/fonts/conf.d/" + name, path))
    fonts = [f for f in FONTS if os.path.isfile(os.path.join(FONT_DIR, f))]
    if "DejaVuSansMono.ttf" not in fonts:
        raise vmimage.Missing("fbi needs a font: apt-get install fonts-dejavu-core")
    files += [(FONT_DIR.lstrip("/") + "/" + f, os.path.join(FONT_DIR, f)) for f in fonts]
    return files


def build(path, args, busybox, modules, fbi, want, jpeg):
    tree = vmimage.Tree()
    for d in ("bin", "dev", "etc", "img", "lib/modules", "proc", "sys", "tmp", "var/cache"):
        tree.folder(d)
    tree.cpio.char_device("dev/console", 5, 1)
    tree.copy("bin/busybox", busybox, executable=True)
    tree.cpio.symlink("bin/sh", "busybox")
    tree.program("bin/fbkit-view", args.view)
    tree.program("bin/fbwatch", args.watch)
    tree.program("usr/bin/fbi", fbi)
    for guest, host in fbi_files(fbi):
        tree.copy(guest, host)
    tree.copy("img/photo.png", args.photo)
    tree.copy("img/want.png", want)
    if jpeg:
        tree.copy("img/photo.jpg", jpeg["photo"])
        tree.copy("img/want-jpeg.png", jpeg["want"])
    tree.file("img/small.png", small_png())
    tree.file("init", INIT.encode(), executable=True)
    for ko in modules:
        tree.file("lib/modules/" + vmimage.module_name(ko), vmimage.module_bytes(ko))
    as_jpeg = {k: v.replace("/img/photo.png", "/img/photo.jpg") if jpeg else ""
               for k, v in VIEWERS.items()}
    conf = ('MODULES="%s"\nRUNS=%d\nTIMEOUT=%g\nTOLERANCE=%g\nVIEW="%s"\nFBI="%s"\n'
            'WARM_VIEW="%s"\nWARM_FBI="%s"\nVIEW_JPEG="%s"\nFBI_JPEG="%s"\nJPEG_SUFFIX="%s"\n' % (
                vmimage.shell_words(vmimage.module_name(ko) for ko in modules), args.runs,
                args.run_timeout, args.tolerance, VIEWERS["fbkit-view"], VIEWERS["fbi"],
                WARM["fbkit-view"], WARM["fbi"], as_jpeg["fbkit-view"], as_jpeg["fbi"],
                JPEG_SUFFIX))
    tree.file("etc/conf", conf.encode())
    with open(path, "wb") as f:
        f.write(tree.cpio.finish())


def offscreen_runs(args, photo, want):
    """Host: fbkit-view from its start to its exit, the snapshot written.
    Returns [(wall ms, cpu ms)]."""
    times = []
    cmd = [args.host_view, "--display", "offscreen:%dx%d" % (WIDTH, HEIGHT), "--fit", "contain",
           "--snapshot", want, photo]
    env = dict(os.environ)
    env.pop("FBKIT_SNAPSHOT", None)
    for _ in range(args.offscreen_runs):
        if os.path.exists(want):
            os.remove(want)
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=env)
        out = proc.stdout.read()
        proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = (time.monotonic() - start) * 1e3
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0 or not os.path.isfile(want):
            raise RuntimeError("offscreen fbkit-view failed (%d): %s" % (
                proc.returncode, out.decode(errors="replace").strip()))
        times.append((wall, (usage.ru_utime + usage.ru_stime) * 1e3))
    return times


def fields(line):
    """key=value words of a guest line."""
    return dict(w.split("=", 1) for w in line.split() if "=" in w)


def check_dump(args, machine, want, path):
    """Screendump until it shows the picture (2 s at most, for deferred
    flushes). Returns fbwatch's verdict line and whether it passed."""
    deadline = time.monotonic() + 2
    while True:
        machine.screendump(path)
        result = subprocess.run([args.host_watch, "--want", want, "--tolerance",
                                 str(args.tolerance), "--compare", path],
                                capture_output=True, text=True)
        verdict = (result.stdout + result.stderr).strip()
        if result.returncode == 0 or time.monotonic() > deadline:
            return verdict, result.returncode == 0
        time.sleep(0.1)


def run_vm(args, qemu, busybox, kernel, version, fbi, want, jpeg):
    folder = os.path.abspath(args.workdir)
    shots = os.path.join(folder, "shots")
    os.makedirs(shots, exist_ok=True)
    initramfs = os.path.join(folder, "initramfs.cpio")
    build(initramfs, args, busybox, vmimage.module_files(version, ["bochs"]), fbi, want, jpeg)
    boot = vmimage.vmlinux_for(kernel, version, os.path.join(folder, "cache")) or kernel
    cmd = [qemu, "-nodefaults", "-no-user-config", "-machine", "pc", "-accel", "tcg",
           "-m", "256M", "-smp", "1", "-display", "none", "-no-reboot"] + QEMU_DEVICE + [
           "-kernel", boot, "-initrd", initramfs, "-append", "console=ttyS0 quiet panic=-1"]
    machine = vmqemu.Machine(cmd, os.path.join(folder, "qemu.log"))
    runs, problems, counts = [], [], {}
    console = []
    deadline = time.monotonic() + args.timeout
    try:
        while True:
            line = machine.read_line(max(0.0, deadline - time.monotonic()))
            if line is None:
                problems.append("the guest did not finish in %g s" % args.timeout)
                break
            console.append(line)
            if line.startswith(("@@ MODE", "@@ WARM", "@@ NOTE")):
                print(line[3:])
            elif line.startswith("@@ SHOWN"):
                name = fields(line)["name"]
                counts[name] = counts.get(name, 0) + 1
                path = os.path.join(shots, "%s-%d.ppm" % (name, counts[name]))
                verdict, ok = check_dump(args, machine,
                                         jpeg["want"] if name.endswith(JPEG_SUFFIX) else want,
                                         path)
                runs.append({"screen": verdict, "screen_ok": ok})
                machine.write_line("ACK")
            elif line.startswith("@@ RUN"):
                run = fields(line)
                if runs and "name" not in runs[-1] and run.get("result") == "SHOWN":
                    runs[-1].update(run)
                else:
                    runs.append(run)
            elif line.startswith("@@ LOG") and runs:
                runs[-1]["log"] = line.split(" ", 3)[-1]
            elif line.startswith("@@ END"):
                break
    except EOFError as e:
        problems.append("the guest went away: %s" % e)
    finally:
        machine.stop(5)
        with open(os.path.join(folder, "console.log"), "w") as f:
            f.write("\n".join(console) + "\n")
    return runs, problems


def median(values):
    return statistics.median(values) if values else float("nan")


def report(offscreen, runs, problems):
    for kind, times in offscreen.items():
        walls = [w for w, _ in times]
        print("offscreen on the host, fbkit-view start to snapshot written, %s, %dx%d contain:"
              % (kind, WIDTH, HEIGHT))
        print("  runs (ms): %s; median %.0f ms, CPU median %.0f ms" % (
            " ".join("%.0f" % w for w in walls), median(walls), median([c for _, c in times])))
    print("VM (bochs-display %dx%d, fbdev, TCG), start to picture on /dev/fb0:" % (WIDTH, HEIGHT))
    shown = {}
    for i, run in enumerate(runs, 1):
        name = run.get("name", "?")
        ok = run.get("result") == "SHOWN" and run.get("screen_ok", False)
        if not ok:
            problems.append("%s run %d: %s%s%s" % (
                name, i, run.get("result", "no result"),
                "" if run.get("screen_ok", True) else ", screendump: " + run.get("screen", ""),
                "; viewer stderr: " + run["log"] if run.get("log") else ""))
        if run.get("result") == "SHOWN":
            shown.setdefault(name, []).append(run)
        print("  %-10s %-7s shown %8s ms  first change %8s ms  viewer CPU %8s ms  "
              "maxdiff %s  watcher CPU %s ms, %s polls, %s checks; screendump: %s" % (
                  name, run.get("result", "?"), run.get("shown_ms", "-"),
                  run.get("first_change_ms", "-"), run.get("cpu_ms", "-"),
                  run.get("maxdiff", "-"), run.get("watch_cpu_ms", "-"), run.get("polls", "-"),
                  run.get("checks", "-"), run.get("screen", "none")))
    medians = {}
    suffixes = [""] + ([JPEG_SUFFIX] if "JPEG" in offscreen else [])
    for name in [v + s for s in suffixes for v in VIEWERS]:
        got = shown.get(name, [])
        if not got:
            problems.append("%s never showed the picture" % name)
            continue
        medians[name] = median([float(r["shown_ms"]) for r in got])
        print("  median %-15s %8.0f ms (CPU %.0f ms) over %d runs" % (
            name, medians[name], median([float(r["cpu_ms"]) for r in got]), len(got)))
    for s in suffixes:
        view, fbi = "fbkit-view" + s, "fbi" + s
        if view in medians and fbi in medians:
            print("  %s / %s: %.1f" % (fbi, view, medians[fbi] / medians[view]))
            if medians[fbi] <= medians[view]:
                print("NOTE %s was not faster than %s here" % (view, fbi))
    for p in problems:
        print("FAIL %s" % p)
    return 1 if problems else 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--view", help="fbkit-view for the guest (its shared libraries go in too)")
    ap.add_argument("--watch", help="fbwatch for the guest (its shared libraries go in too)")
    ap.add_argument("--host-watch", help="fbwatch built for the host (compares screendumps)")
    ap.add_argument("--host-view", help="fbkit-view built for the host (offscreen timing)")
    ap.add_argument("--missing", help="why the guest programs cannot run (skip)")
    ap.add_argument("--make-jpeg", help="make_jpeg built for the host: also time the photo "
                    "as a JPEG made by it (left out without)")
    ap.add_argument("--photo", required=True)
    ap.add_argument("--fbi", default="/usr/bin/fbi")
    ap.add_argument("--workdir", default="vm-startup")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each viewer in the VM")
    ap.add_argument("--offscreen-runs", type=int, default=5)
    ap.add_argument("--tolerance", type=float, default=16,
                    help="largest block mean difference (levels of 255) that still matches")
    ap.add_argument("--run-timeout", type=float, default=60, help="seconds per run")
    ap.add_argument("--timeout", type=float, default=420, help="seconds for the whole VM")
    args = ap.parse_args(argv)
    try:
        if args.missing:
            raise vmimage.Missing(args.missing)
        for p in (args.view, args.watch, args.host_watch, args.host_view):
            if not p or not os.path.isfile(p):
                raise vmimage.Missing("program %s not built" % p)
        if not os.path.isfile(args.photo):
            raise vmimage.Missing("no %s (test data: -Dtestdata=DIR)" % args.photo)
        if not os.access(args.fbi, os.X_OK):
            raise vmimage.Missing("no %s: apt-get install fbi" % args.fbi)
        if not shutil.which("ldd"):
            raise vmimage.Missing("no ldd to list fbi's libraries")
        qemu, busybox, kernel, version = vmimage.vm_tools()
        fbi_files(args.fbi)  # skips when fbi's fonts are missing
    except vmimage.Missing as e:
        print("SKIP: %s" % e)
        return SKIP
    os.makedirs(args.workdir, exist_ok=True)
    want = os.path.join(os.path.abspath(args.workdir), "want.png")
    started = time.monotonic()
    offscreen = {"PNG": offscreen_runs(args, args.photo, want)}
    jpeg = None
    if args.make_jpeg:
        jpeg = {"photo": os.path.join(os.path.abspath(args.workdir), "photo.jpg"),
                "want": os.path.join(os.path.abspath(args.workdir), "want-jpeg.png")}
        made = subprocess.run([args.make_jpeg, args.photo, jpeg["photo"]], capture_output=True,
                              text=True)
        if made.returncode != 0:
            print("FAIL make_jpeg: %s" % (made.stdout + made.stderr).strip())
            return 1
        print("the photo as a JPEG: %d KiB" % (os.path.getsize(jpeg["photo"]) >> 10))
        offscreen["JPEG"] = offscreen_runs(args, jpeg["photo"], jpeg["want"])
    else:
        print("JPEG left out: no --make-jpeg (fbkit built without libjpeg-turbo)")
    runs, problems = run_vm(args, qemu, busybox, kernel, version, args.fbi, want, jpeg)
    status = report(offscreen, runs, problems)
    print("took %.0f s" % (time.monotonic() - started))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
