#!/usr/bin/env bash
# Builds base/ with kubectl kustomize, kharden running as a legacy exec plugin; output on stdout.
# The plugin is installed into a temporary plugin home (kharden kustomize-plugin --install DIR).
# kharden: $KHARDEN if set, else `kharden` on the PATH, else this repository's bin/kharden.js.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
home="$(mktemp -d)"; trap 'rm -rf "$home"' EXIT
if [ -n "${KHARDEN:-}" ]; then kharden=("$KHARDEN")
elif command -v kharden >/dev/null 2>&1; then kharden=(kharden)
else kharden=(node "$here/../../bin/kharden.js"); fi
"${kharden[@]}" kustomize-plugin --install "$home" >/dev/null
KUSTOMIZE_PLUGIN_HOME="$home" kubectl kustomize --enable-alpha-plugins "$here/base" "$@"
