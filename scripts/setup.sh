#!/usr/bin/env bash
# Prepare a checkout: a virtual environment in .venv/ with the project and its
# development tools, and a Pulumi CLI (the one on PATH, or one built into
# .tools/bin/). Safe to run again: finished steps are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtual environment in .venv/"
  "$python" -m venv .venv
fi

# Reinstall only when the package's metadata or the pins change.
stamp=.venv/.recall-provider-installed
wanted=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing the project and its development tools into .venv/"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check \
    -c constraints.txt -e '.[dev]'
  echo "$wanted" > "$stamp"
fi

# A Pulumi CLI already installed (with its Python language host) is used as it
# is; otherwise one is built from Go modules.
if [ -x .tools/bin/pulumi ] || ! command -v pulumi >/dev/null 2>&1; then
  tools/build-pulumi.sh .tools/bin
fi
