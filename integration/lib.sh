# Shared by the test drivers (run.sh, clients/run.sh, ...): sourced before anything else runs.

setup_fail() {
  echo "FAIL setup: $*"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
}

# resolve_runtime TOOL...: RUNTIME (a path or a command name, default build/rong of this repo)
# made absolute and checked; also checks for root and for each TOOL on PATH.
resolve_runtime() {
  local d r tool
  RUNTIME=${RUNTIME:-$REPO/build/rong}
  case $RUNTIME in
    */*) d=$(cd "$(dirname "$RUNTIME")" 2>/dev/null && pwd) && RUNTIME=${d%/}/$(basename "$RUNTIME") ;;
    *) r=$(command -v "$RUNTIME") || setup_fail "runtime '$RUNTIME' not found on PATH"
       RUNTIME=$r ;;
  esac
  [ -x "$RUNTIME" ] || setup_fail "runtime '$RUNTIME' does not exist or is not executable"
  [ "$(id -u)" = 0 ] || setup_fail "must run as root"
  for tool in "$@"; do
    command -v "$tool" >/dev/null || setup_fail "$tool is not installed"
  done
}

# runtime_kind: "rong" or "runc" from the first word of `$RUNTIME --version` (a rong installed as
# "runc" is rong), else the binary's name.
runtime_kind() {
  local kind
  kind=$("$RUNTIME" --version 2>/dev/null | head -n1 | awk '{print $1}')
  case $kind in runc | rong) echo "$kind" ;; *) basename "$RUNTIME" ;; esac
}
