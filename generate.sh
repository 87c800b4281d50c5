#!/usr/bin/env bash
# Regenerate generated/faraday_webhooks_api from openapi.yaml with the pinned
# openapi-python-client, from an empty folder every time (the generator's
# --overwrite leaves stale top-level files behind).
#
#   ./generate.sh                 rewrite generated/faraday_webhooks_api
#   ./generate.sh --check         exit 1, naming the differing files, if generated/ is stale
#   ./generate.sh --spec F --output DIR
#                                 generate from another document into DIR/faraday_webhooks_api
#                                 (used by the regeneration-survival test)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
package=faraday_webhooks_api
mode=write
spec="$root/openapi.yaml"
output="$root/generated"

while [ $# -gt 0 ]; do
  case "$1" in
    --check) mode=check ;;
    --spec) spec=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
    --output) mkdir -p "$2"; output=$(cd "$2" && pwd); shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "generate.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

venv_bin="${FARADAY_GENERATOR_BIN:-$root/.venv/bin}"
if [ ! -x "$venv_bin/openapi-python-client" ]; then
  echo "generate.sh: building the development environment first (make venv)" >&2
  make -s -C "$root" venv >&2
fi

# The generator and ruff must be exactly the pinned versions, or the output drifts.
pinned=$(sed -n 's/^openapi-python-client==//p' "$root/requirements-dev.txt")
installed=$("$venv_bin/python" -c 'import importlib.metadata as m; print(m.version("openapi-python-client"))')
if [ "$pinned" != "$installed" ]; then
  echo "generate.sh: openapi-python-client $installed is installed but $pinned is pinned; run 'make venv'" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# scripts/generate_client.py runs the generator as its command line would (failing on
# any warning: a missing post-hook tool otherwise only warns), with the document itself
# given to the templates too (see that script).
(cd "$work" && PATH="$venv_bin:$PATH" "$venv_bin/python" "$root/scripts/generate_client.py" \
  "$spec" "$root/generator-config.yaml" "$root/generator-templates" "$work/$package" \
  >"$work/generator.log" 2>&1) || {
  cat "$work/generator.log" >&2
  echo "generate.sh: the generator failed" >&2
  exit 1
}
# --meta none writes no py.typed; the spec travels with the models as package data
# (the sandbox validates against it; nothing else reads it at run time).
# The copied templates in generator-templates/ call names (parse_uuid) that only the
# model template imports: a name left undefined anywhere fails here, not in a user's call.
"$venv_bin/ruff" check "$work/$package" --isolated --no-cache --select F821 --quiet || {
  echo "generate.sh: the generated code uses an undefined name (see generator-templates/)" >&2
  exit 1
}
touch "$work/$package/py.typed"
cp "$spec" "$work/$package/openapi.yaml"
find "$work/$package" -name __pycache__ -prune -exec rm -rf {} +

if [ "$mode" = check ]; then
  if [ ! -d "$output/$package" ]; then
    echo "generate.sh --check: $output/$package is missing; run ./generate.sh" >&2
    exit 1
  fi
  if ! differences=$(diff -rq -x __pycache__ "$work/$package" "$output/$package"); then
    echo "generate.sh --check: generated/ is stale; run ./generate.sh. Differing files:" >&2
    printf '%s\n' "$differences" | sed -e "s#$work/##g" -e "s#$output/##g" >&2
    exit 1
  fi
  echo "generated/$package is up to date with $(basename "$spec")"
  exit 0
fi

rm -rf "${output:?}/$package"
mv "$work/$package" "$output/$package"
echo "wrote $output/$package from $(basename "$spec")"
