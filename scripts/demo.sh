#!/usr/bin/env bash
# demo.sh: the README's first command ends here. Makes a busybox bundle (config from `rong spec`)
# and runs a container that says who it is from the inside.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rong=$here/../build/rong
bundle=$(mktemp -d /tmp/rong-demo.XXXXXX)
trap 'rm -rf "$bundle"' EXIT
"$here/make-bundle.sh" "$bundle" "$rong"
# args: ["sh"] → a command that prints the hostname and its pid as the container sees them.
sed -i 's|"sh"$|"sh", "-c", "echo hello from $(hostname): I am pid $$, my root holds $(ls / \| wc -l) entries"|' "$bundle/config.json"
exec "$rong" --root "$bundle/state" run --bundle "$bundle" "demo-$$"
