#!/usr/bin/env bash
# Build the Pulumi CLI, the Python language host and the dynamic-provider plugin
# from Go modules into one folder, for machines that have no Pulumi CLI.
#
# Usage: tools/build-pulumi.sh DEST_BIN_DIR
#
# The build runs once per machine: the result is kept in a cache folder named
# after the versions, and later calls only copy it to DEST_BIN_DIR.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: tools/build-pulumi.sh DEST_BIN_DIR}

# The CLI and the Python SDK share version numbers. A CLI newer than the SDK is
# the supported direction.
cli_version=v3.276.0
host_version=v3.79.0
cache=${RECALL_PROVIDER_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/recall-provider}
built=$cache/pulumi-$cli_version-host-$host_version

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

build() {
  local module_dir=$1 package=$2 version=$3 output=$4
  (cd "$here/$module_dir" &&
    go build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
      -o "$output" "$package")
}

if [ ! -x "$built/pulumi-resource-pulumi-python" ]; then
  echo "Building the Pulumi CLI $cli_version from Go modules (several minutes, once per machine)..."
  rm -rf "$built.tmp"
  mkdir -p "$built.tmp"
  build pulumi-cli github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$cli_version" "$built.tmp/pulumi"
  build pulumi-language-python \
    github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python \
    "$host_version" "$built.tmp/pulumi-language-python"

  # The language host's program runner and the dynamic-provider plugin are
  # scripts shipped inside the sdk/v3 module download.
  sdk_dir=$(cd "$here/pulumi-cli" && go mod download -json "github.com/pulumi/pulumi/sdk/v3@$cli_version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  cp "$sdk_dir/python/cmd/pulumi-language-python-exec" "$built.tmp/"
  cp "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$built.tmp/"
  chmod 0755 "$built.tmp"/*
  rm -rf "$built"
  mv "$built.tmp" "$built"
fi

mkdir -p "$dest"
for tool in pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python; do
  if ! cmp -s "$built/$tool" "$dest/$tool"; then
    cp "$built/$tool" "$dest/$tool"
    chmod 0755 "$dest/$tool"
  fi
done
