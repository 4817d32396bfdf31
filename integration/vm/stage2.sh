#!/bin/bash
# Stage 2 of the rong test VM: PID 1 after switch_root, on an overlay of the host's / (see init).
# Mounts the kernel filesystems, cgroup2 alone at /sys/fs/cgroup with every controller enabled for
# the children of the root, and runs integration/run.sh with VM_TESTS under VM_RUNTIME. Markers
# around its output tell integration/vm/run.sh where the results are; then the VM powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8

off() {
  sync
  echo o >/proc/sysrq-trigger
  sleep 10
}
oops() {
  echo "RONG-VM-ERROR stage 2: $*"
  off
}

mount -t proc proc /proc || oops "mount /proc"
mount -t sysfs sys /sys || oops "mount /sys"
mount -t devtmpfs dev /dev || oops "mount /dev"
mkdir -p /dev/pts /dev/shm
# what udev or systemd would make: bash's <(...) needs /dev/fd
ln -s /proc/self/fd /dev/fd && ln -s fd/0 /dev/stdin && ln -s fd/1 /dev/stdout && ln -s fd/2 /dev/stderr
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts && ln -sf pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t tmpfs -o mode=755 run /run || oops "mount /run"
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || oops "mount cgroup2 on /sys/fs/cgroup"
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
mount -t selinuxfs selinuxfs /sys/fs/selinux 2>/dev/null
# The root cgroup may hold processes and delegate: every controller goes to its children.
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
  echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || oops "enable $c in cgroup.subtree_control"
done
# The disks run.sh gives the VM: vda for the io tests, with the BFQ scheduler (a device must use
# BFQ for io.bfq.weight's per-device weights); vdb a swap area, so memory.swap.max limits real swap.
echo bfq >/sys/block/vda/queue/scheduler || oops "select bfq for /dev/vda"
mkswap /dev/vdb >/dev/null && swapon /dev/vdb || oops "make /dev/vdb a swap area"
hostname rong-vm
ip link set lo up 2>/dev/null

echo
echo "RONG-VM-BEGIN uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r)" \
  "controllers=$(tr ' ' ',' </sys/fs/cgroup/cgroup.subtree_control)" \
  "vda=$(cat /sys/block/vda/dev) swap=$(awk 'NR > 1 { print $1 }' /proc/swaps)"
cd "$VM_REPO" || oops "cd $VM_REPO"
# The tests' work directories: a tmpfs of their own (/tmp stays the overlay of the host's, where
# the repository may be).
mkdir -p /var/tmp/rong-vm && mount -t tmpfs -o mode=755 work /var/tmp/rong-vm || oops "mount a tmpfs for the tests"
# shellcheck disable=SC2086 # one word per filter
RUNTIME=$VM_RUNTIME RT_TIMEOUT=$VM_RT_TIMEOUT KEEP=1 IT_TIMES=1 TMPDIR=/var/tmp/rong-vm integration/run.sh $VM_TESTS 2>&1 |
  tee /var/tmp/rong-vm/results
rc=${PIPESTATUS[0]}
echo "RONG-VM-END rc=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"
# the log of each failed test (every runtime call and its output), for the console log
for name in $(sed -nE 's/^FAIL ([a-z0-9_]+):.*/\1/p' /var/tmp/rong-vm/results); do
  echo "---- log of $name"
  cat /var/tmp/rong-vm/rong-it.*/"$name.log" 2>/dev/null | head -n 200
done
off
