#!/usr/bin/env python3
"""fbkit-view and fbkit-shot on real kernel display drivers, in QEMU.

For each device, one boot: fbkit-view shows an image on a device display
(fbdev, then drm), and fbkit-shot reads the screen from outside, through the
framebuffer device and through DRM, until the shot equals fbkit-view's own
offscreen snapshot of the same image at the device's mode and format (or 30 s
pass). Then the same on displays rotated by 90 and 270 degrees (rotate=),
each shot turned back to the picture by fbkit-shot. Both programs run as
built, dynamically linked, in an initramfs built with tests/vm/vmimage.py
that carries the shared libraries they load; the comparison happens in the guest (both PNGs are
written by fbk_png_save from the same format, so equal pixels give equal
files) and the guest reports one line per check on the serial console.

    vm_view_shot.py --view fbkit-view --shot fbkit-shot \\
        --image assets/images/backdrop.png --workdir build/vm-view-shot

Exit status: 0 all passed, 1 a check failed, 77 (skip) when QEMU, a kernel,
busybox or the programs are missing. A display backend that is not
built (the view says so, or --without-drm for the checks on DRM) is
reported as NOTBUILT and not counted as a failure.
"""
import argparse
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm"))
import vmimage  # noqa: E402

SKIP = 77

# device: QEMU options, modules, the offscreen spec of its mode (fbdev's format),
# and the DRM backend's default format where fbdev's differs.
DEVICES = {
    "bochs": ("-vga none -device bochs-display", ["bochs"], "1280x800,format=XR24", "XR24"),
    "cirrus": ("-vga cirrus", ["cirrus"], "1024x768,format=RG16", "XR24"),
    "virtio": ("-vga none -device virtio-gpu-pci", ["virtio_pci", "virtio_gpu"],
               "1280x800,format=XR24", "XR24"),
}

# /init: load the driver, then for each display spec: start the viewer on tty1,
# shoot until the shot equals the offscreen snapshot, stop the viewer (SIGTERM).
INIT = vmimage.init_script(r"""n=0
while { [ ! -e /dev/fb0 ] || [ ! -e /dev/dri/card0 ]; } && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
VIEW="--background 203040 --caption /img/image.png"
check() { # check DISPLAY-SPEC SHOT-SPEC OFFSCREEN-SPEC
	case "$1 $2" in *drm*)
		if [ "$DRM" = no ]; then
			echo "@@ RESULT NOTBUILT view=$1 shot=$2: fbkit is built without libdrm"
			return
		fi;;
	esac
	/bin/fbkit-view --display "offscreen:$3" --snapshot /tmp/want.png $VIEW 2>/tmp/err ||
		{ echo "@@ RESULT FAIL view=$1 shot=$2: offscreen snapshot: $(cat /tmp/err)"; return; }
	# The initramfs busybox has no pgrep/pkill: follow the viewer by PID
	# (setsid execs in place here: a background job is no group leader).
	setsid sh -c "exec /bin/fbkit-view --display $1 --delay 600 $VIEW </dev/tty1 >/dev/tty1 2>/tmp/viewerr" &
	viewer=$!
	n=0
	result=FAIL
	while [ $n -lt 60 ]; do
		sleep 0.5
		if /bin/fbkit-shot --display "$2" /tmp/shot.png 2>/tmp/shoterr && cmp -s /tmp/shot.png /tmp/want.png; then
			result=PASS
			break
		fi
		kill -0 "$viewer" 2>/dev/null || break
		n=$((n + 1))
	done
	kill -TERM "$viewer" 2>/dev/null
	sleep 1
	if kill -0 "$viewer" 2>/dev/null; then result="FAIL (fbkit-view ignored SIGTERM)"; kill -KILL "$viewer"; fi
	if [ "$result" = FAIL ] && grep -q "not built" /tmp/viewerr; then result=NOTBUILT; fi
	echo "@@ RESULT $result view=$1 shot=$2 tries=$n view-stderr=[$(cat /tmp/viewerr | tr '\n' ' ')] shot-stderr=[$(cat /tmp/shoterr | tr '\n' ' ')]"
}
check fbdev fbdev "$FBDEV_MODE"
check fbdev drm "$FBDEV_MODE"
check drm drm "$DRM_MODE"
# Rotated displays: the device holds the picture turned on the panel, and
# fbkit-shot turns it back (pixel by pixel, not with the library's kernels):
# equal to the offscreen snapshot of the same rotation, which test_rotation
# holds to the mapping of fbk_display_rotation().
for r in 90 270; do
	check "fbdev,rotate=$r" "fbdev,rotate=$r" "$FBDEV_MODE,rotate=$r"
	check "drm,rotate=$r" "drm,rotate=$r" "$DRM_MODE,rotate=$r"
done
echo "@@ END"
poweroff -f
""")


def build(path, args, busybox, modules, fbdev_mode, drm_mode):
    tree = vmimage.Tree()
    for d in ("bin", "dev", "etc", "img", "lib/modules", "proc", "sys", "tmp"):
        tree.folder(d)
    tree.cpio.char_device("dev/console", 5, 1)
    tree.copy("bin/busybox", busybox, executable=True)
    tree.cpio.symlink("bin/sh", "busybox")
    tree.program("bin/fbkit-view", args.view)
    tree.program("bin/fbkit-shot", args.shot)
    tree.copy("img/image.png", args.image)
    tree.file("init", INIT.encode(), executable=True)
    for ko in modules:
        tree.file("lib/modules/" + vmimage.module_name(ko), vmimage.module_bytes(ko))
    conf = 'MODULES="%s"\nFBDEV_MODE="%s"\nDRM_MODE="%s"\nDRM="%s"\n' % (
        vmimage.shell_words(vmimage.module_name(ko) for ko in modules), fbdev_mode, drm_mode,
        "no" if args.without_drm else "yes")
    tree.file("etc/conf", conf.encode())
    with open(path, "wb") as f:
        f.write(tree.cpio.finish())


def run_device(name, args, qemu, busybox, kernel, version):
    qemu_opts, module_names, fbdev_mode, drm_format = DEVICES[name]
    folder = os.path.join(os.path.abspath(args.workdir), name)
    os.makedirs(folder, exist_ok=True)
    drm_mode = re.sub(r"format=\w+", "format=" + drm_format, fbdev_mode)
    initramfs = os.path.join(folder, "initramfs.cpio")
    build(initramfs, args, busybox, vmimage.module_files(version, module_names), fbdev_mode,
          drm_mode)
    boot = vmimage.vmlinux_for(kernel, version, os.path.join(os.path.abspath(args.workdir), "cache"))
    cmd = [qemu, "-nodefaults", "-no-user-config", "-machine", "pc", "-accel", "tcg",
           "-m", "256M", "-smp", "1", "-display", "none", "-no-reboot", "-serial", "stdio"
           ] + qemu_opts.split() + ["-kernel", boot, "-initrd", initramfs,
                                    "-append", "console=ttyS0 quiet panic=-1"]
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, timeout=args.timeout).stdout
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"") + b"\n@@ RESULT FAIL the guest did not finish in time\n"
    text = out.decode(errors="replace")
    with open(os.path.join(folder, "console.log"), "w") as f:
        f.write(text)
    results = [line[len("@@ RESULT "):] for line in text.splitlines()
               if line.startswith("@@ RESULT ")]
    if "@@ END" not in text:
        results.append("FAIL the guest program did not finish (no @@ END)")
    for r in results:
        print("%s: %s" % (name, r))
    return results


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--view", help="fbkit-view (its shared libraries go into the initramfs)")
    ap.add_argument("--shot", help="fbkit-shot (its shared libraries go into the initramfs)")
    ap.add_argument("--missing", help="why the guest programs cannot run (skip)")
    ap.add_argument("--without-drm", action="store_true",
                    help="fbkit is built without libdrm: the checks on DRM are left out")
    ap.add_argument("--image", required=True)
    ap.add_argument("--workdir", default="vm-view-shot")
    ap.add_argument("--devices", default="bochs cirrus")
    ap.add_argument("--timeout", type=float, default=240)
    args = ap.parse_args(argv)
    try:
        if args.missing:
            raise vmimage.Missing(args.missing)
        for p in (args.view, args.shot):
            if not p or not os.path.isfile(p):
                raise vmimage.Missing("program %s not built" % p)
        qemu, busybox, kernel, version = vmimage.vm_tools()
    except vmimage.Missing as e:
        print("SKIP: %s" % e)
        return SKIP
    results = []
    for name in args.devices.split():
        results += run_device(name, args, qemu, busybox, kernel, version)
    failed = [r for r in results if not r.startswith(("PASS", "NOTBUILT"))]
    print("%d checks: %d passed, %d not built, %d failed" % (
        len(results), sum(r.startswith("PASS") for r in results),
        sum(r.startswith("NOTBUILT") for r in results), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
