#!/usr/bin/env bash
# Runs kpt on this package with kharden as an exec KRM function, leaving the package untouched.
#   ./run.sh [render]    kpt fn render (the Kptfile pipeline); the hardened resources on stdout
#   ./run.sh eval        kpt fn eval DIR --exec kharden --fn-config harden.yaml, on a copy of the package
#   ./run.sh eval-stdin  kpt fn eval - --exec kharden: a resource stream in, the hardened stream out
# kharden: $KHARDEN if set, else `kharden` on the PATH, else this repository's bin/kharden.js.
# Extra arguments go to kpt (e.g. --results-dir DIR).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mode="${1:-render}"; [ $# -gt 0 ] && shift
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
if [ -n "${KHARDEN:-}" ]; then target="$KHARDEN"
elif command -v kharden >/dev/null 2>&1; then target="$(command -v kharden)"
else target="$here/../../bin/kharden.js"; fi
# kpt finds `exec: kharden` on the PATH: put the chosen kharden there under that name.
printf '#!/bin/sh\nexec %q "$@"\n' "$target" > "$work/bin/kharden"; chmod +x "$work/bin/kharden"
export PATH="$work/bin:$PATH"
cp -R "$here" "$work/pkg"; rm -f "$work/pkg/run.sh"
case "$mode" in
  render) kpt fn render "$work/pkg" --allow-exec -o unwrap "$@" ;;
  eval)
    kpt fn eval "$work/pkg" --exec kharden --fn-config "$work/pkg/harden.yaml" "$@" >&2
    for f in "$work/pkg"/*.yaml; do echo "---"; cat "$f"; done ;;
  eval-stdin)
    cat "$work/pkg/app.yaml" <(echo ---) "$work/pkg/worker.yaml" | kpt fn eval - --exec kharden --fn-config "$work/pkg/harden.yaml" -o unwrap "$@" ;;
  *) echo "usage: $0 [render|eval|eval-stdin] [kpt flags]" >&2; exit 2 ;;
esac
