# Integration tests for `update` as runc has it: its flag names, and what a --resources file
# leaves alone. Sourced by run.sh (its helpers: cfg, start_waiter, expect_cg, ...).

# --cpu-share (runc's name); with --resources the flags are ignored, and so are the file's
# device rules (the container keeps its own: a deny-all there would cut off /dev/null)
t_update_like_runc() {
  local id d
  id=$(newid)
  need_v1 cpu pids devices
  cfg '.linux.resources = {pids: {limit: 40}}'
  start_waiter "$id"
  rtc update --cpu-share 512 "$id"
  expect_rc "update --cpu-share" 0
  expect_cg cpu cpu.shares 512
  rt update --resources - --pids-limit 9 "$id" >"$T/upd.out" 2>&1 \
    <<<'{"cpu": {"shares": 256}, "devices": [{"allow": false, "access": "rwm"}]}'
  RC=$?
  expect_rc "update --resources - --pids-limit 9 ($(cat "$T/upd.out"))" 0
  expect_cg cpu cpu.shares 256
  expect_cg pids pids.max 40
  d=$(cgdir devices "$PID")/devices.list
  grep -qx 'c 1:3 rwm' "$d" || fail "devices.list lost c 1:3 rwm: $(tr '\n' ' ' <"$d")"
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}
