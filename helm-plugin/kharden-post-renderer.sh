#!/bin/sh
# Helm 4 post-renderer: rendered manifests on stdin, hardened manifests on stdout, nothing else.
# The --post-renderer-args Helm passes come after this script's name and go to kharden as they are.
# Which kharden: $KHARDEN_BIN if set; else the kharden package this directory belongs to (helm
# plugin install links to it); else `kharden` on the PATH.
if [ -n "${KHARDEN_BIN:-}" ]; then exec "$KHARDEN_BIN" "$@"; fi
here=$(cd -P "$(dirname "$0")" && pwd)
if [ -f "$here/../bin/kharden.js" ] && [ -f "$here/../dist/src/cli/main.js" ]; then
  exec node "$here/../bin/kharden.js" "$@"
fi
if command -v kharden >/dev/null 2>&1; then exec kharden "$@"; fi
echo "kharden: not found: install it (npm install -g kharden) or set KHARDEN_BIN" >&2
exit 2
