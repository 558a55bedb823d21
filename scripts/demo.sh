#!/usr/bin/env bash
# Run the project's stack `dev` against the local Recall emulator: `pulumi up`,
# print the outputs, then `pulumi refresh` and fail if it finds drift.
#
# The emulator keeps its apps in .demo/emulator-state.json and Pulumi keeps the
# stack's state in .demo/state/, so a second run finds the app made by the first
# one and changes nothing. `make demo-clean` starts over.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

mkdir -p .demo/state
export PULUMI_BACKEND_URL="file://$PWD/.demo/state"
# The passphrase that encrypts the demo's secrets in Pulumi.dev.yaml. It guards
# only the emulator's development key and made-up Zoom credentials.
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-recall-demo}
port=18765

python -m recall_provider.emulator --host 127.0.0.1 --port "$port" \
  --state-file .demo/emulator-state.json >.demo/emulator.out 2>.demo/emulator.log &
emulator=$!
trap 'kill "$emulator" 2>/dev/null; wait "$emulator" 2>/dev/null; true' EXIT

# The emulator prints its URL once it listens; if it exits first (the port is
# taken, say), stop here rather than talk to whatever listens on the port.
for _ in $(seq 100); do
  if grep -q "listening on" .demo/emulator.out 2>/dev/null; then break; fi
  if ! kill -0 "$emulator" 2>/dev/null; then
    echo "The emulator did not start:" >&2
    cat .demo/emulator.log >&2
    echo "Stop whatever uses port $port (or wait for it to end) and run make demo again." >&2
    exit 1
  fi
  sleep 0.1
done

pulumi stack select dev --create --non-interactive >/dev/null
pulumi up --yes --skip-preview --non-interactive
pulumi stack output
pulumi refresh --yes --skip-preview --non-interactive --expect-no-changes
echo "Refresh found no drift."
