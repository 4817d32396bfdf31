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

# update persists: the state's config says the resources in force afterwards (runc keeps them in
# its own config's cgroups, rong in the OCI config it keeps: linux.resources). rong's next update
# keeps what it does not change; runc 1.1.5 rewrites the fields its flags cover (an absent flag
# is 0, "unchanged" for the cgroup files), so the test reads that back for rong only.
t_update_persists_in_state() {
  local id q
  id=$(newid)
  need_v1 pids cpu memory
  cfg '.linux.resources = {pids: {limit: 40}, memory: {limit: 67108864}}'
  start_waiter "$id"
  rtc update --pids-limit 17 --cpu-quota 30000 --cpu-period 60000 --memory 100663296 "$id"
  expect_rc "update" 0
  expect_cg pids pids.max 17
  if [ "$RT_KIND" = runc ]; then
    q='.config.cgroups | [.pids_limit, .cpu_quota, .cpu_period, .memory]'
  else
    q='.config.linux.resources | [.pids.limit, .cpu.quota, .cpu.period, .memory.limit]'
  fi
  expect_eq "state.json's resources after update" "$(jq -c "$q" "$ROOT/$id/state.json")" "[17,30000,60000,100663296]"
  rtc update --memory 83886080 "$id"
  expect_rc "update --memory" 0
  expect_cg memory memory.limit_in_bytes 83886080
  # (runc's state now says [0,0,0,83886080])
  [ "$RT_KIND" = runc ] ||
    expect_eq "state.json's resources after update --memory" "$(jq -c "$q" "$ROOT/$id/state.json")" "[17,30000,60000,83886080]"
  # the container still runs with the config rong rewrote: exec reads it
  rtc exec "$id" cat /proc/self/cgroup
  expect_rc "exec after update" 0
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}

# cpu.shares outside the kernel's range (2..262144), which it clamps without an error: refused,
# at create and at update, as runc does
t_cpu_shares_out_of_range() {
  local id
  need_v1 cpu
  id=$(newid big)
  cfg '.linux.resources = {cpu: {shares: 1000000}}'
  set_args true
  create_c "$id"
  [ "$RC" != 0 ] || fail "create with cpu.shares 1000000 succeeded"
  [ "$RT_KIND" = rong ] && expect_match "create's error" "$ERR" 'cpu.shares: 1000000 is above the maximum, 262144'
  assert_clean "$id"
  cfg 'del(.linux.resources)'
  id=$(newid)
  start_waiter "$id"
  rt update --cpu-share 1 "$id" >"$T/upd.out" 2>&1
  RC=$?
  [ "$RC" != 0 ] || fail "update --cpu-share 1 succeeded"
  [ "$RT_KIND" = rong ] && expect_match "update's error" "$(cat "$T/upd.out")" 'below the minimum, 2'
  rtc delete --force "$id"
  assert_clean "$id" "$PID"
}
