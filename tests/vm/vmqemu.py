"""One QEMU process, its serial console and its QMP monitor.

Both are unix sockets in a private temporary folder (socket paths must stay
under 108 bytes, which a build folder may not). QEMU waits for the serial
connection before it starts the guest, so no console output is lost.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time


def connect(path, proc, deadline):
    """Connect to a unix socket QEMU is about to create."""
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if proc.poll() is not None:
                raise RuntimeError("QEMU exited with status %d before it listened on %s"
                                   % (proc.returncode, os.path.basename(path)))
            if time.monotonic() > deadline:
                raise RuntimeError("QEMU did not create %s in time" % path)
            time.sleep(0.02)


class Qmp:
    """The QEMU Machine Protocol: one JSON object per line each way."""

    def __init__(self, sock):
        self.file = sock.makefile("rwb", buffering=0)
        self._reply()  # the greeting
        self.command("qmp_capabilities")

    def _reply(self):
        while True:
            line = self.file.readline()
            if not line:
                raise RuntimeError("QMP connection closed")
            message = json.loads(line)
            if "event" not in message:
                return message

    def command(self, name, **arguments):
        request = {"execute": name}
        if arguments:
            request["arguments"] = arguments
        self.file.write(json.dumps(request).encode() + b"\n")
        reply = self._reply()
        if "error" in reply:
            raise RuntimeError("QMP %s: %s" % (name, reply["error"].get("desc", reply["error"])))
        return reply.get("return")


class Machine:
    """A running QEMU: read console lines, write lines, take screendumps."""

    def __init__(self, qemu_args, log_path):
        self.folder = tempfile.mkdtemp(prefix="fbkvm.")
        serial_path = os.path.join(self.folder, "serial")
        qmp_path = os.path.join(self.folder, "qmp")
        argv = qemu_args + [
            "-chardev", "socket,id=console,path=%s,server=on,wait=on" % serial_path,
            "-serial", "chardev:console",
            "-chardev", "socket,id=qmp,path=%s,server=on,wait=off" % qmp_path,
            "-mon", "chardev=qmp,mode=control",
        ]
        self.log = open(log_path, "wb")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.pending = b""
        try:
            deadline = self.started + 30
            self.serial = connect(serial_path, self.proc, deadline)
            self.qmp = Qmp(connect(qmp_path, self.proc, deadline))
        except Exception:
            self.stop()
            raise

    def elapsed(self):
        """Seconds since QEMU was started."""
        return time.monotonic() - self.started

    def read_line(self, timeout):
        """The next console line (without line end), None after `timeout`
        seconds without one, or EOFError when the guest has gone."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.serial.settimeout(left)
            try:
                data = self.serial.recv(65536)
            except socket.timeout:
                return None
            except OSError as e:
                raise EOFError(str(e))
            if not data:
                raise EOFError("the serial console closed")
            self.pending += data
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode("utf-8", "replace").rstrip("\r")

    def write_line(self, text):
        self.serial.sendall(text.encode() + b"\n")

    def screendump(self, path):
        """Write what the display shows to `path` as a binary PPM."""
        self.qmp.command("screendump", filename=os.path.abspath(path))

    def stop(self, grace=10):
        """Wait up to `grace` seconds for QEMU to exit, then end it.
        Returns its exit status (negative: killed by that signal)."""
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        return self.proc.returncode
