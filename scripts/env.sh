# Source this file from the project folder to run the Pulumi CLI offline with
# the project's tools:
#   . scripts/env.sh
# It puts .tools/bin/ (when built) and .venv/bin/ first on PATH, keeps Pulumi's
# files inside the checkout, and turns off every download and update check.
# bash and zsh find the project from this file's path; plain sh cannot, so there
# the current folder must be the project folder.
_source=${BASH_SOURCE:-$0}
case $_source in
  */scripts/env.sh | scripts/env.sh) _root=$(cd "$(dirname "$_source")/.." && pwd) ;;
  *) _root=$PWD ;;
esac
if [ ! -f "$_root/scripts/env.sh" ]; then
  echo "scripts/env.sh: source it from the project folder" >&2
fi
unset _source
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
