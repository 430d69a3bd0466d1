#!/bin/sh
# /init of the VM tests' initramfs (busybox): load the display driver,
# wait for its device nodes, run fbkit-vmtest on the first virtual terminal
# with the protocol on the serial line, then power off.
# /etc/vmtest.conf (written by vmimage.py) sets MODULES, WAIT_NODES, STEPS,
# and ARGS_<module> for modules that take parameters.
/bin/busybox --install -s /bin 2>/dev/null
export PATH=/bin
mount -t devtmpfs dev /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
. /etc/vmtest.conf

say() {
	echo "@@INIT $* uptime=$(cut -d' ' -f1 /proc/uptime)"
}

say booted
for ko in $MODULES; do
	# Parameters from ARGS_<name> (dashes as underscores), if the device sets any.
	eval "args=\${ARGS_$(echo "${ko%.ko}" | tr - _)}"
	insmod "/lib/modules/$ko" $args || say "insmod $ko failed"
done
say modules-loaded

for node in $WAIT_NODES; do
	tries=0
	while [ ! -e "$node" ] && [ $tries -lt 100 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	[ -e "$node" ] || say "missing $node"
done
say devices $(ls /dev/fb* /dev/dri/* 2>/dev/null)

/bin/fbkit-vmtest --control=/dev/ttyS0 --tty=/dev/tty1 $STEPS
say exit $?
poweroff -f
