#!/usr/bin/env bash
# make-bundle.sh DIR [RUNTIME]: make an OCI bundle in DIR whose rootfs is busybox-static.
# The config comes from `RUNTIME spec` (default: rong from the build tree, else rong on PATH), made
# non-interactive (terminal false) so it runs from scripts and CI.
set -euo pipefail
dir=${1:?usage: make-bundle.sh DIR [RUNTIME]}
here=$(cd "$(dirname "$0")" && pwd)
runtime=${2:-${RUNTIME:-}}
if [ -z "$runtime" ]; then
  if [ -x "$here/../build/rong" ]; then runtime=$here/../build/rong; else runtime=rong; fi
fi
busybox=$(command -v busybox || true)
[ -x /bin/busybox ] && busybox=/bin/busybox
[ -n "$busybox" ] || { echo "make-bundle.sh: busybox-static is not installed" >&2; exit 1; }

mkdir -p "$dir/rootfs"/{bin,sbin,etc,dev,proc,sys,tmp,root,usr/bin,usr/sbin}
cp "$busybox" "$dir/rootfs/bin/busybox"
# One process makes the ~400 applet links (perl-base is essential in Debian): a fork per link
# takes minutes in the emulated test VM (integration/vm).
# shellcheck disable=SC2046 # one word per applet
perl -e 'chdir(shift) or die "cd: $!\n"; for (@ARGV) { next if $_ eq "busybox"; unlink; symlink("busybox", $_) or die "$_: $!\n" }' \
  "$dir/rootfs/bin" $("$busybox" --list)
echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/rootfs/etc/passwd"
echo 'root:x:0:' > "$dir/rootfs/etc/group"
rm -f "$dir/config.json"
"$runtime" spec --bundle "$dir"
# terminal: false, so the container's stdio is the caller's.
sed -i 's/"terminal": true/"terminal": false/' "$dir/config.json"
