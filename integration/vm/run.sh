#!/usr/bin/env bash
# Runs integration tests inside a VM that has a pure cgroup2 hierarchy (this host's is hybrid).
#
#   integration/vm/run.sh [FILTER...]              # rong from ../../build/rong
#   RUNTIME=runc integration/vm/run.sh [FILTER...]
#
# Boots Debian's stock kernel (linux-image-amd64's, downloaded with apt-get and unpacked into
# VM_CACHE, never installed) in qemu-system-x86_64 under TCG, with an initramfs of busybox-static
# and init (next to this script). The host's / is shared read-only over virtio-9p; the VM's root
# is an overlay of it with a tmpfs on top, so the host's bash, jq, runc and the runtime under test
# run unchanged and nothing the VM writes reaches the host. Inside, stage2.sh mounts cgroup2 at
# /sys/fs/cgroup, enables every controller and runs integration/run.sh with the FILTERs (default:
# the cgroup tests, VM_FILTERS) under RUNTIME. Its PASS/FAIL/SKIP lines come back over the serial
# console; the exit status is 1 if a test failed or the VM did not finish within VM_TIMEOUT.
#
# Knobs: VM_CACHE (kernel and initramfs; default build/vm), VM_TIMEOUT (seconds, the whole VM run;
# 2400), VM_LOG (the whole console output; default $VM_CACHE/console.<runtime>.log), VM_FILTERS,
# VM_DEBUG=1 (kernel messages on the console, and the console streamed to stderr), VM_LSM=selinux
# (boot with SELinux as the major LSM instead of Debian's default AppArmor; both are built in, only
# one can be on).
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VM_CACHE=${VM_CACHE:-$REPO/build/vm}
VM_TIMEOUT=${VM_TIMEOUT:-2400}
VM_LOG=${VM_LOG:-$VM_CACHE/console.$(basename "${RUNTIME:-rong}")${VM_LSM:+.$VM_LSM}.log}
# What runs when no FILTER is given: the v2 suite and run.sh's cgroup tests, which hold these words.
VM_FILTERS=${VM_FILTERS:-cgroup pause ps_json ps_table kill_all update events apparmor}
# The modules the VM needs that Debian builds as modules, dependencies first (from each .ko's
# modinfo "depends=": virtio-pci, the 9p transport and filesystem, overlayfs, virtio-blk for the
# disks, and the BFQ I/O scheduler, which gives cgroups io.bfq.weight).
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
         9pnet 9pnet_virtio netfs fscache 9p overlay virtio_blk bfq"

# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
resolve_runtime qemu-system-x86_64 apt-get dpkg-deb busybox gzip timeout
mkdir -p "$VM_CACHE" || setup_fail "cannot make $VM_CACHE"

# ---------------------------------------------------------------- the kernel (cached)
# linux-image-amd64 is a metapackage; the image it depends on names the kernel.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
[ -n "$kpkg" ] || setup_fail "apt-cache depends linux-image-amd64 names no kernel image (apt-get update?)"
KDIR=$VM_CACHE/$kpkg
# .unpacked holds the module list it was unpacked for: a new module unpacks again
if [ "$(cat "$KDIR/.unpacked" 2>/dev/null)" != "$(echo $MODULES)" ]; then
  rm -rf "$KDIR" && mkdir -p "$KDIR/deb" || setup_fail "cannot make $KDIR"
  (cd "$KDIR/deb" && apt-get download "$kpkg" >"$KDIR/download.log" 2>&1) ||
    setup_fail "apt-get download $kpkg failed: $(tail -n2 "$KDIR/download.log" | tr '\n' ' ')"
  deb=$(ls "$KDIR"/deb/*.deb 2>/dev/null | head -n1)
  [ -n "$deb" ] || setup_fail "apt-get download $kpkg left no .deb"
  # dpkg -x, restricted to the image and the modules we load (the whole package is ~400 MB)
  patterns=("./boot/vmlinuz-*")
  for m in $MODULES; do patterns+=("*/$m.ko"); done
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$KDIR" --wildcards "${patterns[@]}" ||
    setup_fail "cannot unpack $deb"
  rm -rf "$KDIR/deb"
  echo $MODULES >"$KDIR/.unpacked"
fi
KERNEL=$(ls "$KDIR"/boot/vmlinuz-* 2>/dev/null | head -n1)
[ -n "$KERNEL" ] || setup_fail "no vmlinuz in $KDIR"

# ---------------------------------------------------------------- run.sh's C helpers
# Built here, where cc is fast, into integration/build/ (run.sh's place for them): inside the VM
# run.sh finds them up to date instead of compiling under emulation.
IT_BUILD=$REPO/integration/build
mkdir -p "$IT_BUILD" || setup_fail "cannot make $IT_BUILD"
for h in "$REPO"/integration/helpers/*.c; do
  b=$IT_BUILD/$(basename "$h" .c)
  if [ ! -x "$b" ] || [ "$h" -nt "$b" ]; then
    cc -O2 -Wall -o "$b.tmp.$$" "$h" && mv -f "$b.tmp.$$" "$b" || setup_fail "cannot build $h"
  fi
done

# ---------------------------------------------------------------- the initramfs (per run)
# (one per run: a rong run and a runc run may go at the same time)
RUN_DIR=$(mktemp -d "$VM_CACHE/run.XXXXXX") || setup_fail "cannot make a directory under $VM_CACHE"
trap 'rm -rf "$RUN_DIR"' EXIT
IRD=$RUN_DIR/initramfs
mkdir -p "$IRD"/{bin,dev,proc,sys,host,newroot,rw,modules} || setup_fail "cannot make $IRD"
cp "$(command -v busybox)" "$IRD/bin/busybox" || setup_fail "cannot copy busybox"
[[ $(ldd "$IRD/bin/busybox" 2>&1) == *"not a dynamic"* ]] || setup_fail "busybox is not static (install busybox-static)"
ln -s busybox "$IRD/bin/sh"
# the kernel opens /dev/console for init before anything is mounted
mknod "$IRD/dev/console" c 5 1 || setup_fail "cannot make dev/console"
for m in $MODULES; do
  f=$(find "$KDIR/lib/modules" -name "$m.ko" | head -n1)
  [ -n "$f" ] || setup_fail "module $m.ko is not in $kpkg"
  cp "$f" "$IRD/modules/" || setup_fail "cannot copy $f"
done
cp "$HERE/init" "$IRD/init" && chmod 755 "$IRD/init" || setup_fail "cannot copy init"
# what stage 2 runs, read by init (no quoting games: one word per filter)
{
  echo "VM_MODULES='$(echo $MODULES)'"
  echo "VM_STAGE2='$HERE/stage2.sh'"
  echo "VM_REPO='$REPO'"
  echo "VM_RUNTIME='$RUNTIME'"
  echo "VM_TESTS='${*:-$VM_FILTERS}'"
  echo "VM_RT_TIMEOUT='${RT_TIMEOUT:-60}'"
} >"$IRD/vm.env"
(cd "$IRD" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$RUN_DIR/initramfs.gz") ||
  setup_fail "cannot pack the initramfs"
# Two sparse disks (virtio-blk): vda for the io controller's per-device limits (stage2 gives it
# the BFQ scheduler), vdb for a swap area (memory.swap.max that can be used).
truncate -s 64M "$RUN_DIR/io.raw" "$RUN_DIR/swap.raw" || setup_fail "cannot make the disk files"

# ---------------------------------------------------------------- boot
quiet="quiet loglevel=1"
lsm=
case ${VM_LSM:-} in
  "") ;;
  selinux) lsm="lsm=landlock,lockdown,yama,integrity,selinux,bpf" ;;
  *) setup_fail "VM_LSM=$VM_LSM: only selinux (or empty, for AppArmor) is known" ;;
esac
[ -n "${VM_DEBUG:-}" ] && quiet="loglevel=7"
t0=$(date +%s.%N)
echo "vm: $(basename "$KERNEL"), runtime $RUNTIME, tests: ${*:-$VM_FILTERS}" >&2
# One boot: the console, line by line, to VM_LOG; run.sh's result lines to stdout as they come;
# the host's clock noted when the tests start. A guest kernel that reports a soft lockup (seen
# under TCG: both vCPUs stuck in runc and its init, at the first test, for good) gets its qemu
# stopped (by the pid it wrote) and the file "lockup" left, so that the run boots once more.
boot() {
  rm -f "$RUN_DIR/qemu.pid" "$RUN_DIR/lockup" "$RUN_DIR/begin"
  # -no-reboot + panic=-1: a dying init ends qemu instead of hanging the run.
  timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg -m 1024 -smp 2 \
    -nographic -no-reboot -nic none -pidfile "$RUN_DIR/qemu.pid" \
    -kernel "$KERNEL" -initrd "$RUN_DIR/initramfs.gz" \
    -append "console=ttyS0 panic=-1 cgroup_no_v1=all $lsm $quiet" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -drive file="$RUN_DIR/io.raw",if=virtio,format=raw -drive file="$RUN_DIR/swap.raw",if=virtio,format=raw \
    </dev/null 2>&1 | {
    in_tests=
    while IFS= read -r line; do
      line=${line//$'\r'/}
      printf '%s\n' "$line" >&3
      [ -z "${VM_DEBUG:-}" ] || printf '%s\n' "$line" >&2
      case $line in
        *RONG-VM-BEGIN*) in_tests=1 && date +%s.%N >"$RUN_DIR/begin" ;;
        RONG-VM-END*) in_tests= ;;
        PASS\ * | FAIL\ * | SKIP\ * | [0-9]*\ passed,*) [ -z "$in_tests" ] || printf '%s\n' "$line" ;;
        *"soft lockup"*)
          if [ ! -e "$RUN_DIR/lockup" ] && [ -s "$RUN_DIR/qemu.pid" ]; then
            : >"$RUN_DIR/lockup"
            kill "$(cat "$RUN_DIR/qemu.pid")" 2>/dev/null
          fi ;;
      esac
    done 3>"$VM_LOG"
  }
  qrc=${PIPESTATUS[0]}
}
boot "$@"
if [ -e "$RUN_DIR/lockup" ] && ! grep -q '^RONG-VM-END' "$VM_LOG"; then
  mv "$VM_LOG" "$VM_LOG.lockup"
  echo "vm: the guest kernel reported a soft lockup (console: $VM_LOG.lockup); booting once more" >&2
  boot "$@"
fi
t1=$(date +%s.%N)

# ---------------------------------------------------------------- results
end=$(sed -nE 's/^RONG-VM-END rc=([0-9]+).*/\1/p' "$VM_LOG")
tb=$(cat "$RUN_DIR/begin" 2>/dev/null)
awk -v a="$t0" -v b="${tb:-0}" -v c="$t1" 'BEGIN {
  printf "vm: booted to the tests in %s, whole run %.0f s\n", b ? sprintf("%.0f s", b - a) : "?", c - a }' >&2
if [ -z "$end" ]; then
  [ "$qrc" = 124 ] && why="timed out after $VM_TIMEOUT s" || why="qemu exited $qrc before the tests finished"
  echo "FAIL vm: $why; last console lines:"
  grep -v '^$' "$VM_LOG" | tail -n 15 | sed 's/^/  | /'
  exit 1
fi
grep -q '^FAIL ' <(sed -n '/RONG-VM-BEGIN/,/^RONG-VM-END/p' "$VM_LOG") && exit 1
[ "$end" = 0 ] || { echo "FAIL vm: the suite exited $end"; exit 1; }
exit 0
