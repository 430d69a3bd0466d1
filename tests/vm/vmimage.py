"""What the VM boots: Debian's kernel and an initramfs made here.

The initramfs is a newc cpio archive written by this module (no cpio tool
needed): busybox, the display driver modules with their dependencies (as
`modprobe --show-depends` orders them), the guest program with the shared
libraries it loads, a config file and /init.
"""

import gzip
import lzma
import os
import re
import shutil
import struct
import subprocess

BOOT_DIR = "/boot"
MODULES_DIR = "/lib/modules"


class Missing(Exception):
    """Something the VM tests need is not installed; the message says what."""


def version_key(version):
    """Sort key for kernel versions: numbers compare as numbers."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", version)]


def find_kernel(path=None):
    """(bzImage path, kernel version): `path`, else the newest in /boot."""
    if path:
        if not os.path.isfile(path):
            raise Missing("kernel %s does not exist" % path)
        return path, os.path.basename(path).split("vmlinuz-", 1)[-1]
    try:
        names = [n for n in os.listdir(BOOT_DIR) if n.startswith("vmlinuz-")]
    except OSError:
        names = []
    if not names:
        raise Missing("no kernel in /boot: apt-get install linux-image-amd64")
    newest = max(names, key=lambda n: version_key(n[len("vmlinuz-"):]))
    return os.path.join(BOOT_DIR, newest), newest[len("vmlinuz-"):]


def kernel_has_pvh(version):
    """True when the kernel's config says it has the PVH entry point."""
    try:
        with open(os.path.join(BOOT_DIR, "config-" + version)) as f:
            return "CONFIG_PVH=y\n" in f.read()
    except OSError:
        return False


def unpack_bzimage(data):
    """The ELF vmlinux inside a bzImage whose payload is XZ-compressed."""
    if data[0x202:0x206] != b"HdrS":
        raise ValueError("not a bzImage (no HdrS signature)")
    setup_sectors = data[0x1F1] or 4
    offset, length = struct.unpack_from("<II", data, 0x248)
    start = (setup_sectors + 1) * 512 + offset
    payload = data[start:start + length]
    if not payload.startswith(b"\xfd7zXZ\x00"):
        raise ValueError("the bzImage payload is not XZ")
    elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    if not elf.startswith(b"\x7fELF"):
        raise ValueError("the bzImage payload is not an ELF file")
    return elf


def vmlinux_for(bzimage, version, cache_dir):
    """Path of the uncompressed kernel (made once, kept in cache_dir), for
    QEMU's PVH entry: no real-mode setup and no decompression in the guest,
    which under TCG saves seconds per boot. None when that is impossible."""
    if not kernel_has_pvh(version):
        return None
    path = os.path.join(cache_dir, "vmlinux-" + version)
    if os.path.isfile(path) and os.path.getmtime(path) >= os.path.getmtime(bzimage):
        return path
    with open(bzimage, "rb") as f:
        try:
            elf = unpack_bzimage(f.read())
        except (ValueError, lzma.LZMAError):
            return None
    os.makedirs(cache_dir, exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(elf)
    os.replace(path + ".tmp", path)
    return path


def find_tool(name):
    """A tool from PATH or the sbin folders (not on every user's PATH)."""
    found = shutil.which(name)
    for folder in ("/usr/sbin", "/sbin"):
        if not found and os.access(os.path.join(folder, name), os.X_OK):
            found = os.path.join(folder, name)
    return found


def vm_tools(qemu_name="qemu-system-x86_64", busybox=None, kernel=None):
    """(qemu, busybox, kernel, version) for a VM run, or Missing with what
    to install. The busybox must be static: it is the initramfs' only shell."""
    qemu = find_tool(qemu_name)
    if not qemu:
        raise Missing("%s not found: apt-get install qemu-system-x86" % qemu_name)
    busybox = busybox or find_tool("busybox")
    if not busybox or not is_static(busybox):
        raise Missing("no static busybox: apt-get install busybox-static")
    kernel, version = find_kernel(kernel)
    return qemu, busybox, kernel, version


def is_static(path):
    """True for a statically linked ELF executable (no PT_INTERP header)."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    return head[:4] == b"\x7fELF" and b"/ld-linux" not in head


def module_files(version, names):
    """The .ko files to load, in order, for the named modules and all they
    depend on (each once). Raises Missing when a module cannot be found."""
    modprobe = find_tool("modprobe")
    if names and not modprobe:
        raise Missing("modprobe not found: apt-get install kmod")
    files = []
    for name in names:
        result = subprocess.run([modprobe, "-S", version, "--show-depends", name],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise Missing("module %s for kernel %s: %s" % (name, version, result.stderr.strip()))
        for line in result.stdout.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "insmod" and words[1] not in files:
                files.append(words[1])
    return files


def module_bytes(path):
    """A module's contents, decompressed as busybox insmod needs them."""
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".zst"):
        zstd = shutil.which("zstd")
        if not zstd:
            raise Missing("%s is zstd-compressed: apt-get install zstd" % path)
        return subprocess.run([zstd, "-dc", path], capture_output=True, check=True).stdout
    return data


def module_name(path):
    """insmod file name for a module path: foo.ko.xz -> foo.ko"""
    return re.sub(r"\.ko(\.\w+)?$", ".ko", os.path.basename(path))


class Cpio:
    """A newc ("070701") cpio archive, built in memory."""

    def __init__(self):
        self.data = bytearray()
        self.inode = 0

    def _pad(self):
        self.data += b"\0" * (-len(self.data) % 4)

    def _entry(self, name, mode, body=b"", rdev=(0, 0)):
        self.inode += 1
        fields = (self.inode, mode, 0, 0, 1, 0, len(body), 0, 0, rdev[0], rdev[1],
                  len(name) + 1, 0)
        self.data += b"070701" + b"".join(b"%08X" % v for v in fields)
        self.data += name.encode() + b"\0"
        self._pad()
        self.data += body
        self._pad()

    def directory(self, name):
        self._entry(name, 0o040755)

    def file(self, name, body, executable=False):
        self._entry(name, 0o100755 if executable else 0o100644, body)

    def symlink(self, name, target):
        self._entry(name, 0o120777, target.encode())

    def char_device(self, name, major, minor):
        self._entry(name, 0o020600, rdev=(major, minor))

    def finish(self):
        """The archive's bytes, with its trailer."""
        self._entry("TRAILER!!!", 0)
        return bytes(self.data)


def shared_libraries(program):
    """The files `ldd` says the program loads, the loader included; none
    for a static program."""
    if is_static(program):
        return []
    result = subprocess.run(["ldd", program], capture_output=True, text=True)
    if result.returncode != 0:
        raise Missing("ldd %s: %s" % (program, result.stderr.strip()))
    paths = []
    for line in result.stdout.splitlines():
        if "not found" in line:
            raise Missing("%s cannot run here: %s" % (program, line.strip()))
        m = re.search(r"(/\S+) \(0x[0-9a-f]+\)", line)
        if m:
            paths.append(m.group(1))
    return paths


class Tree:
    """An initramfs with folders made as files need them."""

    def __init__(self):
        self.cpio = Cpio()
        self.folders = set()
        self.libraries_copied = set()

    def folder(self, path):
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            name = "/".join(parts[:i])
            if name not in self.folders:
                self.folders.add(name)
                self.cpio.directory(name)

    def file(self, path, body, executable=False):
        self.folder(os.path.dirname(path))
        self.cpio.file(path, body, executable)

    def copy(self, path, source, executable=False):
        with open(source, "rb") as f:
            self.file(path, f.read(), executable)

    def libraries(self, program):
        """The shared libraries `program` loads, each file once however many
        programs need it, at the path the host's loader found it (so the
        loader's PT_INTERP path and default search path find them in the
        guest as on the host). A library from elsewhere, such as fbkit's own
        from the build folder (found through the $ORIGIN runpath, which
        points nowhere in the guest), goes to the loader's default folder."""
        for lib in shared_libraries(program):
            where = lib if lib.startswith(("/lib", "/usr/lib")) else \
                "/lib/x86_64-linux-gnu/" + os.path.basename(lib)
            if where not in self.libraries_copied:
                self.libraries_copied.add(where)
                self.copy(where.lstrip("/"), os.path.realpath(lib), executable=True)

    def program(self, path, source):
        """A dynamically linked program and the libraries it loads."""
        self.copy(path, source, executable=True)
        self.libraries(source)

    def copy_folder(self, path, source):
        """A folder and everything under it, symbolic links resolved."""
        for folder, _, names in os.walk(source, followlinks=True):
            inside = os.path.relpath(folder, source)
            for name in sorted(names):
                real = os.path.realpath(os.path.join(folder, name))
                if os.path.isfile(real):
                    self.copy(os.path.normpath(os.path.join(path, inside, name)), real)


def init_script(body, path="/bin", tmpfs=("tmp",)):
    """A guest's /init: busybox's applets on `path`, /dev, /proc and /sys, a
    tmpfs on each folder of `tmpfs`, /etc/conf read and the kernel modules it
    names in MODULES loaded (a failure said as "@@ NOTE"), then `body`."""
    mounts = "".join("mount -t tmpfs %s /%s\n" % (d, d) for d in tmpfs)
    return ("#!/bin/sh\n"
            "/bin/busybox --install -s /bin 2>/dev/null\n"
            "export PATH=%s\n"
            "mount -t devtmpfs dev /dev\n"
            "mount -t proc proc /proc\n"
            "mount -t sysfs sys /sys\n"
            "%s"
            ". /etc/conf\n"
            "for ko in $MODULES; do insmod \"/lib/modules/$ko\" || "
            "echo \"@@ NOTE insmod $ko failed\"; done\n" % (path, mounts)) + body


def shell_words(values):
    """Values joined for a sh assignment; they must not need quoting."""
    values = list(values)
    for v in values:
        if not re.fullmatch(r"[\w./:,=@+-]+", v):
            raise ValueError("%r cannot be passed to the guest's /init" % v)
    return " ".join(values)


def build_initramfs(path, busybox, guest, init_script, modules, wait_nodes, steps,
                    module_args=None):
    """Write the initramfs to `path`, uncompressed (gzip made no measurable
    difference to boot time). The guest program is the host's dynamically
    linked build, with its shared libraries. module_args: {module name:
    "param=value ..."} for insmod (busybox insmod does not read the kernel
    command line's module.param= as modprobe does)."""
    tree = Tree()
    for d in ("bin", "dev", "etc", "lib/modules", "proc", "sys", "tmp"):
        tree.folder(d)
    tree.cpio.char_device("dev/console", 5, 1)
    tree.copy("bin/busybox", busybox, executable=True)
    tree.cpio.symlink("bin/sh", "busybox")
    tree.program("bin/fbkit-vmtest", guest)
    tree.copy("init", init_script, executable=True)
    for ko in modules:
        tree.file("lib/modules/" + module_name(ko), module_bytes(ko))
    config = "MODULES=\"%s\"\nWAIT_NODES=\"%s\"\nSTEPS=\"%s\"\n" % (
        shell_words(module_name(ko) for ko in modules), shell_words(wait_nodes),
        shell_words(steps))
    for name, args in (module_args or {}).items():
        config += "ARGS_%s=\"%s\"\n" % (name.replace("-", "_"), shell_words(args.split()))
    tree.file("etc/vmtest.conf", config.encode())
    with open(path, "wb") as f:
        f.write(tree.cpio.finish())
