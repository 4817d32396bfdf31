# Integration tests for the root filesystem (issue 3): mount options, propagation and recursive
# attributes as /proc/self/mountinfo shows them inside, data options, read-only and masked paths,
# devices, destinations through symlinks, idmapped mounts, and bad mounts. Every test ends by
# checking that the host's mount table is what it was before the container.
# Sourced by run.sh: every t_* function here is a test like those in run.sh.

# The host's mount table, as mount point and type. Mounts under /tmp and /run are left out: other
# tests (and other runs) make and remove theirs there at any time; this test's own, under $T, are
# checked by assert_clean and _cleanup_test.
host_mount_table() {
  awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { print $5, $(i+1); break } }' /proc/self/mountinfo |
    grep -vE '^/(tmp|run)(/| )' | sort -u
}
# mounts_before: remember the host's table; expect_host_mounts_unchanged: compare with it
mounts_before() { host_mount_table >"$T/host-mounts.before"; }
expect_host_mounts_unchanged() {
  local diff
  diff=$(host_mount_table | diff "$T/host-mounts.before" - | grep '^[<>]')
  [ -z "$diff" ] || fail "the host's mount table changed: $(echo $diff | head -c 300)"
}

# mountinfo_of DIR...: shell code printing "DIR PER-MOUNT-OPTIONS TAGS - SUPER-OPTIONS" for each
# DIR as mountinfo shows it inside (tags: shared/master/unbindable, numbers dropped)
mountinfo_of() {
  local d out=
  for d in "$@"; do
    out+="awk -v d=$d '\$5 == d { t = \"\"; for (i = 7; \$i != \"-\"; i++) { s = \$i; sub(/:[0-9]+\$/, \"\", s); t = t \" \" s }; print d, \$6 t, \"-\", \$(i+3) }' /proc/self/mountinfo | tail -n1
"
  done
  printf '%s' "$out"
}

# Each per-mount flag as mountinfo shows it: per-mount flags in field 6, sync/dirsync/mand in
# the superblock's options; bind mounts take theirs on a remount.
t_rootfs_mount_flags() {
  mounts_before
  mkdir -p "$T/src"
  cfg --arg s "$T/src" '.mounts += [
      {destination: "/t/a", type: "tmpfs", source: "tmpfs", options: ["ro", "nosuid", "nodev", "noexec", "sync", "dirsync", "noatime"]},
      {destination: "/t/b", type: "tmpfs", source: "tmpfs", options: ["nodiratime", "strictatime", "mand"]},
      {destination: "/t/c", type: "tmpfs", source: "tmpfs", options: ["relatime", "rw", "suid", "dev", "exec", "async", "atime"]},
      {destination: "/t/d", type: "bind", source: $s, options: ["bind", "ro", "nosuid", "nodev", "noexec", "noatime"]},
      {destination: "/t/e", type: "bind", source: $s, options: ["rbind", "rw", "nodiratime", "strictatime"]}]'
  sh_args "$(mountinfo_of /t/a /t/b /t/c /t/d /t/e)"'
if touch /t/a/x 2>/dev/null; then echo a-writable; else echo a-ro; fi
cp /bin/busybox /t/c/true && /t/c/true && echo c-exec
if touch /t/d/x 2>/dev/null; then echo d-writable; else echo d-ro; fi
touch /t/e/x && echo e-writable'
  run_fg "$(newid)"
  expect_rc "run" 0
  # (runc mounts a read-only tmpfs rw and remounts the mount ro; rong makes the tmpfs ro)
  expect_match "mountinfo and writes" "$OUT" "^/t/a ro,nosuid,nodev,noexec,noatime - r[ow],sync,dirsync
/t/b rw,nodiratime - rw,mand
/t/c rw,relatime - rw
/t/d ro,nosuid,nodev,noexec,noatime - [^
]*
/t/e rw,nodiratime - [^
]*
a-ro
c-exec
d-ro
e-writable$"
  [ -e "$T/src/x" ] || fail "the write through the rw bind did not reach the source"
  expect_host_mounts_unchanged
}

# Propagation per mount, of a bind of a shared host mount: inside, that mount is a slave of the
# host's (the container's mounts never propagate back), and each option changes the bind's mode.
t_rootfs_propagation() {
  local p
  mounts_before
  mkdir -p "$T/shared"
  mount -t tmpfs it-shared "$T/shared" && mount --make-shared "$T/shared" || fail "cannot make a shared tmpfs"
  cfg --arg s "$T/shared" '.mounts += ([ "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable"] |
      map({destination: ("/p/" + .), type: "bind", source: $s, options: ["rbind", .]}))'
  sh_args "$(mountinfo_of /p/private /p/rprivate /p/shared /p/rshared /p/slave /p/rslave /p/unbindable /p/runbindable)"
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "propagation" "$OUT" "/p/private rw,relatime - rw
/p/rprivate rw,relatime - rw
/p/shared rw,relatime shared master - rw
/p/rshared rw,relatime shared master - rw
/p/slave rw,relatime master - rw
/p/rslave rw,relatime master - rw
/p/unbindable rw,relatime unbindable - rw
/p/runbindable rw,relatime unbindable - rw"
  expect_host_mounts_unchanged
  # linux.rootfsPropagation: the container's / as asked
  for p in private slave; do
    cfg --arg p "$p" '.mounts = [.mounts[] | select(.destination | startswith("/p/") | not)] | .linux.rootfsPropagation = $p'
    sh_args "$(mountinfo_of /)"
    run_fg "$(newid "$p")"
    expect_rc "run with rootfsPropagation $p" 0
    [[ $OUT != *shared* ]] || fail "rootfsPropagation $p: / is shared: $OUT"
  done
  expect_host_mounts_unchanged
}

# The recursive attributes (mount_setattr AT_RECURSIVE) reach a mount inside the bound tree.
t_rootfs_recursive_attrs() {
  mounts_before
  mkdir -p "$T/tree/sub"
  mount -t tmpfs it-sub "$T/tree/sub" || fail "cannot mount a tmpfs in the tree"
  ln -s /etc/passwd "$T/tree/sub/link"
  cfg --arg s "$T/tree" '.mounts += [{destination: "/r", type: "bind", source: $s,
      options: ["rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rnoatime", "rnosymfollow"]}]'
  sh_args "$(mountinfo_of /r /r/sub)"'
if touch /r/sub/x 2>/dev/null; then echo sub-writable; else echo sub-ro; fi
if cat /r/sub/link >/dev/null 2>&1; then echo followed; else echo nosymfollow; fi'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_match "mountinfo and writes" "$OUT" "^/r ro,nosuid,nodev,noexec,noatime,nosymfollow - [^
]*
/r/sub ro,nosuid,nodev,noexec,noatime,nosymfollow - rw[^
]*
sub-ro
nosymfollow$"
  # the host's mounts keep their attributes
  touch "$T/tree/sub/host-write" || fail "the host's tmpfs became read-only"
  expect_host_mounts_unchanged
}

# Data options reach the filesystem: tmpfs size/mode, mqueue, devpts newinstance/ptmxmode/mode/gid
t_rootfs_data_options() {
  mounts_before
  cfg '.mounts += [
      {destination: "/d/tmp", type: "tmpfs", source: "tmpfs", options: ["size=2m", "mode=1770", "nr_inodes=100"]},
      {destination: "/d/mq", type: "mqueue", source: "mqueue", options: ["nosuid", "nodev", "noexec"]},
      {destination: "/d/pts", type: "devpts", source: "devpts", options: ["newinstance", "ptmxmode=0660", "mode=600", "gid=5"]}]'
  sh_args "$(mountinfo_of /d/tmp /d/mq /d/pts)"'
stat -c "%a" /d/tmp
stat -c "%a" /d/pts/ptmx'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "mountinfo" "$OUT" "/d/tmp rw,relatime - rw,size=2048k,nr_inodes=100,mode=1770
/d/mq rw,nosuid,nodev,noexec,relatime - rw
/d/pts rw,relatime - rw,gid=5,mode=600,ptmxmode=660
1770
660"
  expect_host_mounts_unchanged
}

# sysfs without a new network namespace: the host's /sys, bound read-only (as runc)
t_rootfs_sysfs_host_network() {
  mounts_before
  cfg '.linux.namespaces |= map(select(.type != "network"))'
  sh_args "ls /sys/class/net | sort | tr '\n' ' '; echo"'
awk "\$5 == \"/sys\" { print \$6 }" /proc/self/mountinfo | tail -n1 | cut -d, -f1
if echo 1 > /sys/kernel/profiling 2>/dev/null; then echo sys-writable; else echo sys-ro; fi'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "output" "$OUT" "$(ls /sys/class/net | sort | tr '\n' ' ')
ro
sys-ro"
  expect_host_mounts_unchanged
}

# Writes into read-only and masked paths fail or go nowhere; the image's files stay as they were
t_rootfs_readonly_masked_writes() {
  mounts_before
  mkdir -p "$B/rootfs/ro-dir" "$B/rootfs/masked-dir" && echo secret >"$B/rootfs/masked-dir/inner"
  echo secret >"$B/rootfs/masked-file" && echo image >"$B/rootfs/ro-dir/f"
  cfg '.root.readonly = false | .linux.maskedPaths = ["/masked-file", "/masked-dir", "/no-such-path"] |
      .linux.readonlyPaths = ["/ro-dir", "/no-such-ro-path"]'
  sh_args 'cat /masked-file; echo "masked-file $(wc -c < /masked-file)"
echo leaked > /masked-file; echo "masked-file after write $(wc -c < /masked-file)"
echo "masked-dir $(ls -A /masked-dir | wc -l)"
if touch /masked-dir/new 2>/dev/null; then echo masked-dir-writable; else echo masked-dir-ro; fi
if echo over > /ro-dir/f 2>/dev/null; then echo ro-dir-writable; else echo ro-dir-ro; fi
cat /ro-dir/f
'"$(mountinfo_of /ro-dir)"' | cut -d" " -f1,2 | cut -d, -f1
echo root-writable > /probe && cat /probe'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "output" "$OUT" "masked-file 0
masked-file after write 0
masked-dir 0
masked-dir-ro
ro-dir-ro
image
/ro-dir ro
root-writable"
  expect_eq "the masked file in the image" "$(cat "$B/rootfs/masked-file")" secret
  expect_eq "the read-only file in the image" "$(cat "$B/rootfs/ro-dir/f")" image
  [ ! -e "$B/rootfs/masked-dir/new" ] || fail "a file was written into the masked directory"
  expect_host_mounts_unchanged
}

# linux.devices: char, block and fifo nodes with their modes and owners, in sub-directories too
t_rootfs_devices() {
  mounts_before
  cfg '.linux.devices = [
      {path: "/dev/it-null", type: "c", major: 1, minor: 3, fileMode: 416, uid: 1000, gid: 1001},
      {path: "/dev/it/loop", type: "b", major: 7, minor: 200, fileMode: 384, uid: 0, gid: 6},
      {path: "/dev/it-fifo", type: "p", fileMode: 420, uid: 2, gid: 3},
      {path: "/dev/it-default", type: "c", major: 1, minor: 5}]'
  sh_args 'for d in /dev/it-null /dev/it/loop /dev/it-fifo /dev/it-default; do stat -c "%n %F %t:%T %a %u:%g" $d; done'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "devices" "$OUT" "/dev/it-null character special file 1:3 640 1000:1001
/dev/it/loop block special file 7:c8 600 0:6
/dev/it-fifo fifo 0:0 644 2:3
/dev/it-default character special file 1:5 666 0:0"
  expect_host_mounts_unchanged
}

# make_userns_bundle: the bundle in a user namespace (container 0..65535 = host 100000..):
# the test's directories are made traversable for it
USERNS_BASE=100000
make_userns_bundle() {
  chmod 755 "$T" "$B"
  cfg --argjson b "$USERNS_BASE" '.linux.namespaces += [{type: "user"}] |
      .linux.uidMappings = [{containerID: 0, hostID: $b, size: 65536}] |
      .linux.gidMappings = [{containerID: 0, hostID: $b, size: 65536}]'
}

# In a user namespace, mknod is not allowed: the default devices and linux.devices are bound from
# the host's nodes.
t_rootfs_devices_userns() {
  [ -c /dev/fuse ] || skip "no /dev/fuse on this host"
  mounts_before
  make_userns_bundle
  cfg '.linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229}]'
  sh_args 'for d in null zero fuse; do stat -c "%n %F %t:%T" /dev/$d; done
echo x > /dev/null && echo null-writable
head -c 3 /dev/zero | wc -c'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "devices" "$OUT" "/dev/null character special file 1:3
/dev/zero character special file 1:5
/dev/fuse character special file a:e5
null-writable
3"
  expect_host_mounts_unchanged
}

# A destination through a symlink resolves inside the rootfs: an absolute one to /etc and a
# relative one climbing with ../../ both land in the rootfs, never on the host.
t_rootfs_destination_symlinks() {
  mounts_before
  mkdir -p "$B/rootfs/links"
  ln -s /etc "$B/rootfs/links/abs"
  ln -s ../../../../../../../.. "$B/rootfs/links/up"
  ln -s /etc/it-target "$B/rootfs/links/whole"
  cfg '.mounts += [
      {destination: "/links/abs/it-abs", type: "tmpfs", source: "tmpfs", options: ["size=1m"]},
      {destination: "/links/up/it-up", type: "tmpfs", source: "tmpfs", options: ["size=1m"]},
      {destination: "/links/whole", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
  sh_args 'awk "\$5 ~ /^\/(etc|links|it-)/ { print \$5, \$9 }" /proc/self/mountinfo | sort'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "mounts inside" "$OUT" "/etc/it-abs tmpfs
/etc/it-target tmpfs
/it-up tmpfs"
  local p
  for p in /etc/it-abs /it-up /etc/it-target; do
    [ ! -e "$p" ] || fail "$p was created on the host"
  done
  [ -d "$B/rootfs/etc/it-abs" ] && [ -d "$B/rootfs/it-up" ] || fail "the mount points were not made in the rootfs"
  expect_host_mounts_unchanged
}

# Mount points right in a tmpfs just mounted are made under its fd (the shortcut in
# rootfs.cpp), until a mount is made the usual way: here a bind through a symlink that covers
# that tmpfs without naming it. A mount after it must land in the bind, where the container
# sees it, not in the hidden tmpfs.
t_rootfs_mounts_in_a_fresh_tmpfs() {
  mounts_before
  mkdir -p "$T/src" "$B/rootfs/t"
  touch "$T/src/marker"
  ln -s /t/f "$B/rootfs/t/link"
  cfg --arg s "$T/src" '.mounts += [
      {destination: "/t/f", type: "tmpfs", source: "tmpfs", options: ["size=1m"]},
      {destination: "/t/f/a", type: "tmpfs", source: "tmpfs", options: ["size=1m"]},
      {destination: "/t/link", type: "bind", source: $s, options: ["bind"]},
      {destination: "/t/f/b", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
  sh_args 'echo $(ls /t/f); stat -f -c %T /t/f/b'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "/t/f inside" "$OUT" "b marker
tmpfs"
  [ -d "$T/src/b" ] || fail "the mount point of /t/f/b was not made in the bind's source"
  expect_host_mounts_unchanged
}

# A destination that resolves to the rootfs's root (the image's symlink to / or .) is refused:
# a mount there would sit on the root itself, which the lookups that follow never step onto (a
# read-only bind would stay writable; under a /dev tmpfs, later mount points would be made in,
# and mounted through, the image's root).
t_rootfs_destination_resolving_to_root() {
  mounts_before
  mkdir -p "$T/src"
  ln -s / "$B/rootfs/it-root"
  ln -s . "$B/rootfs/it-dot"
  bad_creates <<CASES
.mounts += [{destination: "/it-root", type: "bind", source: "$T/src", options: ["rbind", "ro"]}]|mounts\[[0-9]+\] \(/it-root\): the destination resolves to the container's root directory
.mounts += [{destination: "/it-dot", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]|mounts\[[0-9]+\] \(/it-dot\): the destination resolves to the container's root directory
.mounts += [{destination: "/it-root/it-dot", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]|mounts\[[0-9]+\] \(/it-root/it-dot\): the destination resolves to the container's root directory
CASES
  # the default mounts, on an image whose /dev is a symlink to its root
  rm -rf "$B/rootfs/dev" && ln -s / "$B/rootfs/dev"
  bad_creates <<'CASES'
.|mounts\[[0-9]+\] \(/dev\): the destination resolves to the container's root directory
CASES
  [ -z "$(ls -A "$T/src")" ] || fail "something was written into the bind's source"
  [ ! -e "$B/rootfs/pts" ] && [ ! -e "$B/rootfs/shm" ] || fail "a mount point was made in the image's root"
  # the rootfs bound elsewhere is another place, not the root
  rm "$B/rootfs/dev" && mkdir "$B/rootfs/dev"
  cp --remove-destination "$TEMPLATE/config.json" "$B/config.json"
  cfg --arg r "$B/rootfs" '.mounts += [{destination: "/it-self", type: "bind", source: $r, options: ["rbind"]},
      {destination: "/it-self", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
  sh_args 'stat -f -c %T /it-self'
  run_fg "$(newid self)"
  expect_rc "run with the rootfs bound at /it-self" 0
  expect_eq "/it-self" "$OUT" tmpfs
  expect_host_mounts_unchanged
}

# Options of mounts made with fsconfig, one by one (those that get something done after they
# are made, here a propagation): mount(2)'s meaning kept (strictatime wins over noatime), and
# data the kernel would not split at its commas (tmpfs's mpol node list) left to mount(2).
# (runc mounts a read-only tmpfs rw and makes the mount read-only.)
t_rootfs_options_of_new_mounts() {
  mounts_before
  cfg '.mounts += [
      {destination: "/n/atime", type: "tmpfs", source: "tmpfs", options: ["noatime", "strictatime", "private"]},
      {destination: "/n/mpol", type: "tmpfs", source: "tmpfs", options: ["mpol=bind:0,0", "size=1m", "private"]},
      {destination: "/n/ro", type: "tmpfs", source: "tmpfs", options: ["ro", "nodev", "mode=700", "unbindable"]}]'
  sh_args "$(mountinfo_of /n/atime /n/mpol /n/ro)"
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_match "mountinfo" "$OUT" "^/n/atime rw - rw
/n/mpol rw,relatime - rw,size=1024k,mpol=bind:0
/n/ro ro,nodev,relatime unbindable - r[ow],mode=700$"
  expect_host_mounts_unchanged
}

# Without open_tree and fsopen, or move_mount (a kernel before 5.2: ENOSYS; a seccomp profile
# around the runtime that refuses them: EPERM), binds, read-only paths and the mounts that get something
# done after they are made take mount(2) and find the new mount by its destination again: the
# flags still land on it.
t_rootfs_without_new_mount_api() {
  [ "$RT_KIND" = runc ] && skip "rong's way without them (runc 1.1.5 uses neither, and ignores rnodev)"
  local denied n=0 real=$RUNTIME
  mounts_before
  mkdir -p "$T/src"
  cfg --arg s "$T/src" '.mounts += [
      {destination: "/t/ro", type: "bind", source: $s, options: ["rbind", "ro", "nosuid"]},
      {destination: "/t/priv", type: "tmpfs", source: "tmpfs", options: ["size=1m", "rnodev", "private"]},
      {destination: "/t/priv/sub", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
  # (from the second run on, /t/priv is a directory of the image: its tmpfs takes its mode)
  sh_args "$(mountinfo_of /t/ro /t/priv /t/priv/sub /dev /dev/shm /proc/sys)"'
if touch /t/ro/x 2>/dev/null; then echo ro-writable; else echo ro-ro; fi'
  # ENOSYS, EPERM for open_tree (428) and fsopen (430); EPERM for move_mount (429) alone
  for denied in "38 428 430" "1 428 430" "1 429"; do
    n=$((n + 1))
    printf '#!/bin/sh\nexec "%s" %s -- "%s" "$@"\n' "$BUILD/deny_syscalls" "$denied" "$real" >"$T/rt-$n"
    chmod 755 "$T/rt-$n"
    RUNTIME=$T/rt-$n run_fg "$(newid "$n")"
    expect_rc "run with errno and syscalls $denied" 0
    expect_match "mountinfo and writes (errno and syscalls $denied)" "$OUT" "^/t/ro ro,nosuid,relatime - [^
]*
/t/priv rw,nodev,relatime - rw,size=1024k(,mode=755)?
/t/priv/sub rw,relatime - rw,size=1024k
/dev rw,nosuid - rw,size=65536k,mode=755
/dev/shm rw,nosuid,nodev,noexec,relatime - rw,size=65536k
/proc/sys ro,relatime - rw
ro-ro$"
  done
  [ -z "$(ls -A "$T/src")" ] || fail "the write through the read-only bind reached the source"
  expect_host_mounts_unchanged
}

# An idmapped bind mount with maps of its own (container 0..9 = host 1000..1009): files owned by
# 0 and 1 on disk show as 1000 and 1001; a plain bind of the same directory shows them as they are.
t_rootfs_idmap_own_maps() {
  [ "$RT_KIND" = runc ] && skip "runc 1.1.5 ignores idmap and mount uidMappings"
  mounts_before
  mkdir -p "$T/ids" && touch "$T/ids/zero" "$T/ids/one" && chown 1:1 "$T/ids/one"
  cfg --arg s "$T/ids" '.mounts += [
      {destination: "/idmapped", type: "bind", source: $s, options: ["rbind", "idmap"],
       uidMappings: [{containerID: 0, hostID: 1000, size: 10}], gidMappings: [{containerID: 0, hostID: 2000, size: 10}]},
      {destination: "/plain", type: "bind", source: $s, options: ["rbind"]}]'
  sh_args 'for d in idmapped plain; do stat -c "%n %u:%g" /$d/zero /$d/one; done
awk "\$5 == \"/idmapped\" { print \$6 }" /proc/self/mountinfo | tr , "\n" | grep -x idmapped'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "owners" "$OUT" "/idmapped/zero 1000:2000
/idmapped/one 1001:2001
/plain/zero 0:0
/plain/one 1:1
idmapped"
  expect_host_mounts_unchanged
}

# idmap without maps uses the container's user namespace: inside, files show their on-disk
# owners (a plain bind shows them unmapped, as nobody); a file created through it is owned by
# root on disk.
t_rootfs_idmap_userns() {
  [ "$RT_KIND" = runc ] && skip "runc 1.1.5 ignores idmap"
  mounts_before
  make_userns_bundle
  mkdir -p "$T/ids" && touch "$T/ids/five" && chown 5:6 "$T/ids/five" && chmod 777 "$T/ids"
  # the rootfs belongs to the host's root, unmapped inside: the mount points must exist
  mkdir -p "$B/rootfs/idmapped" "$B/rootfs/plain"
  cfg --arg s "$T/ids" '.mounts += [
      {destination: "/idmapped", type: "bind", source: $s, options: ["bind", "ridmap"]},
      {destination: "/plain", type: "bind", source: $s, options: ["bind"]}]'
  sh_args 'stat -c "%n %u:%g" /idmapped/five /plain/five; touch /idmapped/made && echo made'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "owners" "$OUT" "/idmapped/five 5:6
/plain/five 65534:65534
made"
  expect_eq "owner on disk of the file made inside" "$(stat -c %u:%g "$T/ids/made")" 0:0
  expect_host_mounts_unchanged
}

# Bad mounts: one clear error naming the mount (index and destination) or the device, a failed
# create, and nothing left: no state, no mount on the host, no cgroup.
t_rootfs_bad_mounts() {
  mounts_before
  bad_creates <<'EOF'
.mounts += [{destination: "/m", type: "bind", source: "/nonexistent-it-source", options: ["rbind"]}]|mounts\[[0-9]+\] \(/m\): stat bind source /nonexistent-it-source: No such file or directory
.mounts += [{destination: "/m", type: "tmpfs", source: "tmpfs", options: ["it-bogus-option"]}]|mounts\[[0-9]+\] \(/m\): mount tmpfs on /m: Invalid argument
.mounts += [{destination: "/m", type: "it-no-such-fs", source: "none", options: []}]|mounts\[[0-9]+\] \(/m\): mount none on /m: No such device
.linux.mountLabel = "system_u:object_r:container_file_t:s0"|linux.mountLabel: selinux
EOF
  expect_host_mounts_unchanged
}

# Refused by rong before anything is made; runc 1.1.5 accepts them (and makes the node). A node
# that cannot be made is named by its entry.
t_rootfs_bad_devices_idmap() {
  [ "$RT_KIND" = runc ] && skip "runc 1.1.5 makes device nodes outside /dev and ignores idmap"
  mounts_before
  bad_creates <<'EOF'
.linux.devices = [{path: "/etc/it-evil", type: "c", major: 1, minor: 3}]|linux.devices\[0\].path: /etc/it-evil is not a path under /dev
.linux.devices = [{path: "/dev/../etc/it-evil", type: "c", major: 1, minor: 3}]|linux.devices\[0\].path: /dev/../etc/it-evil is not a path under /dev
.linux.devices = [{path: "/dev/null/it", type: "c", major: 1, minor: 3}]|linux.devices\[0\] \(/dev/null/it\): open /dev/null in container rootfs: Not a directory
.mounts += [{destination: "/m", type: "bind", source: "/etc", options: ["bind", "idmap"]}]|mounts\[[0-9]+\] \(/m\): an idmapped mount without uidMappings/gidMappings needs a user namespace
.mounts += [{destination: "/m", type: "tmpfs", source: "tmpfs", options: ["idmap"]}]|mounts\[[0-9]+\] \(/m\): idmapped mounts are supported for bind mounts only
EOF
  [ ! -e "$B/rootfs/etc/it-evil" ] || fail "a device node was made outside /dev"
  expect_host_mounts_unchanged
}

# Binds into /proc: only over the files lxcfs emulates; /proc itself only with a procfs source;
# a symlink leading into /proc does not get around it. The same for a new filesystem of a type
# runc 1.1 checks there (all but proc, sysfs, mqueue, tmpfs and cgroup).
t_rootfs_proc_binds() {
  local id n=0 case
  mounts_before
  echo "12.5 34.5" >"$T/uptime"
  cfg --arg s "$T/uptime" '.mounts += [{destination: "/proc/uptime", type: "bind", source: $s, options: ["bind", "ro"]}]'
  set_args cat /proc/uptime
  run_fg "$(newid)"
  expect_rc "run with /proc/uptime bound" 0
  expect_eq "/proc/uptime" "$OUT" "12.5 34.5"
  mkdir -p "$T/dir"
  ln -s /proc/sys "$B/rootfs/to-proc-sys"
  while IFS= read -r case; do
    n=$((n + 1))
    cp --remove-destination "$TEMPLATE/config.json" "$B/config.json"
    set_args true
    cfg --arg s "$T/uptime" --arg d "$T/dir" "$case"
    id=$(newid "$n")
    create_c "$id"
    [ "$RC" != 0 ] || fail "create with $case succeeded"
    if [ "$RT_KIND" = rong ]; then expect_match "error for $case" "$ERR" 'cannot be mounted because it is (inside /proc|not of type proc)'; fi
    assert_clean "$id" "" "" "$case: "
    # Refused before its mount point is made (runc checks first): the image's /proc stays empty.
    [ -z "$(ls -A "$B/rootfs/proc")" ] || fail "$case: left $(ls -A "$B/rootfs/proc") in the image's /proc"
  done <<'CASES'
.mounts = [{destination: "/proc/new/dir", type: "bind", source: $d, options: ["bind"]}] + .mounts
.mounts += [{destination: "/proc/new", type: "bind", source: $d, options: ["bind"]}]
.mounts += [{destination: "/new/../to-proc-sys/kernel/core_pattern", type: "bind", source: $s, options: ["bind"]}]
.mounts += [{destination: "/proc/sys/kernel/core_pattern", type: "bind", source: $s, options: ["bind"]}]
.mounts += [{destination: "/to-proc-sys/kernel/core_pattern", type: "bind", source: $s, options: ["bind"]}]
.mounts += [{destination: "/proc", type: "bind", source: $d, options: ["rbind"]}]
.mounts += [{destination: "/proc/sys", type: "ramfs", source: "ramfs"}]
.mounts += [{destination: "/to-proc-sys", type: "ramfs", source: "ramfs"}]
.mounts += [{destination: "/proc", type: "ramfs", source: "ramfs"}]
.mounts += [{destination: "/to-proc-sys", type: "cgroup2", source: "cgroup"}]
CASES
  expect_host_mounts_unchanged
}

# rootfsPropagation rshared with an rshared bind of a shared host mount (Kubernetes'
# Bidirectional mount propagation): a mount made inside appears on the host, as with runc; the
# other mounts are not made shared (an rslave bind is a slave only, an rprivate one private).
t_rootfs_propagation_bidirectional() {
  mounts_before
  mkdir -p "$T/shared"
  mount -t tmpfs it-shared "$T/shared" && mount --make-shared "$T/shared" && mkdir "$T/shared/sub" ||
    fail "cannot make a shared tmpfs"
  cfg --arg s "$T/shared" '.linux.rootfsPropagation = "rshared" |
      .process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] |
      .process.capabilities.permitted += ["CAP_SYS_ADMIN"] |
      .mounts += [{destination: "/bidi", type: "bind", source: $s, options: ["rbind", "rshared"]},
                  {destination: "/h2c", type: "bind", source: $s, options: ["rbind", "rslave"]},
                  {destination: "/none", type: "bind", source: $s, options: ["rbind", "rprivate"]}]'
  # (the rest of the container's mounts keep their own propagation, as with runc: only the
  # namespace's mounts before the rootfs bind are shared)
  sh_args 'mount -t tmpfs it-from-inside /bidi/sub && echo mounted
for m in / /proc /dev /h2c /none; do awk -v m=$m "\$5 == m { s = \"not-shared\"; for (i = 7; \$i != \"-\"; i++) if (\$i ~ /^shared/) s = \"shared\"; print m, s; exit }" /proc/self/mountinfo; done'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "output" "$OUT" "mounted
/ not-shared
/proc not-shared
/dev not-shared
/h2c not-shared
/none not-shared"
  awk -v d="$T/shared/sub" '$5 == d { found = 1 } END { exit !found }' /proc/self/mountinfo ||
    fail "the mount made inside did not propagate to the host"
  expect_host_mounts_unchanged
}

# Masked and read-only paths through symlinks: followed inside the container, as runc does
# (/proc/net is a link to self/net; an image's links to what they mean), so nothing stays
# readable or writable because its path holds a symlink.
t_rootfs_masked_readonly_symlinks() {
  mounts_before
  mkdir -m 755 "$B/rootfs/rodir" "$B/rootfs/secretdir"
  echo secret >"$B/rootfs/secret"
  ln -s /rodir "$B/rootfs/rolnk"
  ln -s secret "$B/rootfs/lnkfile"
  ln -s /secretdir "$B/rootfs/lnkdir"
  cfg '.root.readonly = false | .linux.maskedPaths += ["/proc/net", "/lnkfile", "/lnkdir"]
      | .linux.readonlyPaths += ["/rolnk"]'
  # (the shell itself looks: /proc/net is /proc/self/net, the container's pid 1's when masked)
  sh_args 'if [ -e /proc/net/tcp ]; then echo net-visible; else echo net-masked; fi; cat /secret | wc -c; ls /secretdir | wc -l
if touch /rodir/x 2>/dev/null; then echo rodir-writable; else echo rodir-ro; fi'
  touch "$B/rootfs/secretdir/visible"
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "/proc/net, /secret bytes, /secretdir entries, /rodir" "$OUT" "net-masked
0
0
rodir-ro"
  expect_host_mounts_unchanged
}

# Without a proc mount, /proc is the image's directory, and its thread-self/fd links are the
# image's too: masking through them put the tmpfs for /sys/firmware on /decoy, and /sys/firmware
# stayed readable. Refused (runc 1.1.5 cannot run without /proc either), leaving nothing.
t_rootfs_masked_paths_without_proc() {
  local id n
  mounts_before
  mkdir -p "$B/rootfs/decoy" "$B/rootfs/proc/fake/fd"
  ln -s fake "$B/rootfs/proc/thread-self"
  for n in $(seq 0 40); do ln -s /decoy "$B/rootfs/proc/fake/fd/$n"; done
  cfg 'del(.mounts[] | select(.destination == "/proc")) | .linux.maskedPaths = ["/sys/firmware"] | .linux.readonlyPaths = []'
  sh_args 'ls /sys/firmware | wc -l; stat -f -c %T /decoy'
  id=$(newid)
  run_fg "$id"
  [ "$RC" != 0 ] || fail "ran without a proc mount, masking through the image's /proc: $OUT"
  [ "$RT_KIND" = runc ] || expect_match "the error" "$ERR" "not procfs"
  assert_clean "$id"
  expect_host_mounts_unchanged
}

# create without a proc mount: the init's way back to exec.fifo (its own fd, reopened through
# /proc) is not there, so create fails saying so (runc 1.1.5's create fails too), instead of
# succeeding with an init that had already died ("cannot start a container that has stopped")
t_rootfs_create_without_proc() {
  local id
  cfg 'del(.mounts[] | select(.destination == "/proc")) | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
  set_args echo hi
  id=$(newid)
  create_c "$id"
  [ "$RC" != 0 ] || fail "create without a proc mount succeeded (start: $(rt start "$id" 2>&1))"
  [ "$RT_KIND" = runc ] || expect_match "the error" "$ERR" "not procfs"
  assert_clean "$id"
}

# A tmpfs over a directory of the image takes that directory's mode, even over a mode= option
# (runc chmods it after the mount); over a directory it had to make, its options' mode
t_rootfs_tmpfs_takes_image_dir_mode() {
  mounts_before
  mkdir -m 755 "$B/rootfs/run-it"
  mkdir -m 700 "$B/rootfs/priv-it"
  cfg '.mounts += [{destination: "/run-it", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"]},
      {destination: "/priv-it", type: "tmpfs", source: "tmpfs", options: ["mode=1777"]},
      {destination: "/new-it", type: "tmpfs", source: "tmpfs", options: ["mode=1777"]}]'
  sh_args 'stat -c "%n %a" /run-it /priv-it /new-it'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "modes" "$OUT" "/run-it 755
/priv-it 700
/new-it 1777"
  expect_host_mounts_unchanged
}

# Without a /dev mount in the config the devices are made in the image's /dev, as runc does:
# the defaults and linux.devices
t_rootfs_devices_without_dev_mount() {
  mounts_before
  cfg '.mounts |= map(select(.destination != "/dev" and (.destination | startswith("/dev/") | not)))
      | .linux.devices = [{path: "/dev/it-zero", type: "c", major: 1, minor: 5}]'
  sh_args 'for d in null zero full random urandom tty it-zero; do stat -c "%n %t:%T" /dev/$d; done; readlink /dev/fd'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "devices" "$OUT" "/dev/null 1:3
/dev/zero 1:5
/dev/full 1:7
/dev/random 1:8
/dev/urandom 1:9
/dev/tty 5:0
/dev/it-zero 1:5
/proc/self/fd"
  expect_host_mounts_unchanged
}

# A read-only tmpfs or /dev becomes read-only after what goes in it: mounts beneath it, the
# devices, tmpcopyup's copy (runc remounts them read-only at the end)
t_rootfs_readonly_tmpfs_filled_first() {
  mounts_before
  cfg '.mounts |= map(if .destination == "/dev" then .options += ["ro"] else . end)
      | .mounts += [{destination: "/t", type: "tmpfs", source: "tmpfs", options: ["ro"]},
                    {destination: "/t/sub", type: "tmpfs", source: "tmpfs"},
                    {destination: "/etc", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "ro"]}]'
  sh_args 'for f in /t/x /t/sub/x /dev/x /etc/x; do if touch $f 2>/dev/null; then echo "$f rw"; else echo "$f ro"; fi; done
test -c /dev/null && test -s /etc/passwd && echo filled'
  run_fg "$(newid)"
  expect_rc "run ($ERR)" 0
  expect_eq "writes" "$OUT" "/t/x ro
/t/sub/x rw
/dev/x ro
/etc/x ro
filled"
  expect_host_mounts_unchanged
}

# readonlyPaths make the path read-only, not the mounts the config puts beneath it (runc
# remounts only the top one)
t_rootfs_readonly_path_not_recursive() {
  mounts_before
  cfg '.mounts += [{destination: "/proc/sys/kernel/random", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
  sh_args 'awk "\$5 ~ /^\/proc\/sys/ { print \$5, \$6 }" /proc/self/mountinfo'
  run_fg "$(newid)"
  expect_rc "run" 0
  # the tmpfs, the read-only bind of /proc/sys, the tmpfs's copy beneath that bind
  expect_eq "mounts" "$OUT" "/proc/sys/kernel/random rw,relatime
/proc/sys ro,relatime
/proc/sys/kernel/random rw,relatime"
  expect_host_mounts_unchanged
}

# A linux.devices node may be used only as linux.resources.devices allow (podman's
# `--device /dev/x:w`): the node alone opens nothing up (runc)
t_rootfs_device_access_from_rules_only() {
  [ -c /dev/fuse ] || skip "no /dev/fuse on this host"
  mounts_before
  cfg '.linux.devices = [{path: "/dev/it-fuse", type: "c", major: 10, minor: 229}]
      | .linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 229, access: "w"}]'
  sh_args 'if head -c0 /dev/it-fuse 2>/dev/null; then echo read-allowed; else echo read-denied; fi
if (exec 3>/dev/it-fuse) 2>/dev/null; then echo write-allowed; else echo write-denied; fi'
  run_fg "$(newid)"
  expect_rc "run" 0
  expect_eq "opens" "$OUT" "read-denied
write-allowed"
  expect_host_mounts_unchanged
}

# /dev/ptmx among linux.devices (podman --privileged lists every host device) stays the link to
# the container's devpts, in a user namespace too (where the devices are binds of the host's)
t_rootfs_ptmx_in_devices_userns() {
  mounts_before
  make_userns_bundle
  cfg '.linux.devices = [{path: "/dev/ptmx", type: "c", major: 5, minor: 2}, {path: "/dev/full", type: "c", major: 1, minor: 7}]'
  sh_args 'readlink /dev/ptmx; stat -c "%t:%T" /dev/full'
  run_fg "$(newid)"
  expect_rc "run ($ERR)" 0
  expect_eq "/dev/ptmx, /dev/full" "$OUT" "pts/ptmx
1:7"
  expect_host_mounts_unchanged
}
