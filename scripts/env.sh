# Source this file to run the Pulumi CLI offline with the project's tools:
#   . scripts/env.sh
# It puts .tools/bin/ (when built) and .venv/bin/ first on PATH, keeps Pulumi's
# files inside the checkout, and turns off every download and update check.
_root=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
if [ -d "$_root/.tools/bin" ]; then
  PATH="$_root/.tools/bin:$PATH"
fi
PATH="$_root/.venv/bin:$PATH"
export PATH
export PULUMI_HOME="${PULUMI_HOME:-$_root/.demo/pulumi-home}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# The built language host does not read Pulumi.yaml's virtualenv option; this
# points it, and the dynamic-provider plugin, at the project's interpreter.
export PULUMI_PYTHON_CMD="$_root/.venv/bin/python"
unset _root
