#!/usr/bin/env bash
# Runs hvac_conformance.py (python3-hvac, an independent Vault client) against a Vault test
# server started from this package's CLI (through start-server.mjs), then stops the server.
#
#   packages/vault-test-server/conformance/run-hvac.sh
#
# Needs a built package (dist/cli.js; built here when missing) and Debian's python3-hvac:
#   apt-get update && apt-get install -y python3-hvac
# Without python3-hvac it prints a SKIP line and exits 0. Exits non-zero when a scenario fails or
# the server does not start. PYTHON overrides the interpreter (default: /usr/bin/python3, where
# Debian installs hvac, else python3 on PATH).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
package="$(cd "$here/.." && pwd)"

python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x /usr/bin/python3 ]]; then python=/usr/bin/python3; else python="$(command -v python3 || true)"; fi
fi
if [[ -z "$python" ]] || ! "$python" -c 'import hvac' >/dev/null 2>&1; then
  echo "SKIP hvac conformance: python3-hvac is not installed (install it with: apt-get update && apt-get install -y python3-hvac)"
  exit 0
fi

if [[ ! -f "$package/dist/cli.js" ]]; then
  echo "building @nestjs-vault-secrets/vault-test-server (dist/cli.js is missing)"
  (cd "$package" && npm run build >/dev/null)
fi

workdir="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# start-server.mjs runs the package's CLI and prints VAULT_ADDR=..., VAULT_TOKEN=... and
# VAULT_UNSEAL_KEY=... once the server listens.
node "$here/start-server.mjs" --port 0 >"$workdir/server.out" 2>"$workdir/server.err" &
server_pid=$!
for _ in $(seq 1 100); do
  if grep -q '^VAULT_UNSEAL_KEY=' "$workdir/server.out" 2>/dev/null; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if ! grep -q '^VAULT_UNSEAL_KEY=' "$workdir/server.out" 2>/dev/null; then
  echo "FAIL hvac conformance: the Vault test server did not start" >&2
  cat "$workdir/server.err" >&2 || true
  exit 1
fi

VAULT_ADDR="$(sed -n 's/^VAULT_ADDR=//p' "$workdir/server.out")"
VAULT_TOKEN="$(sed -n 's/^VAULT_TOKEN=//p' "$workdir/server.out")"
VAULT_UNSEAL_KEY="$(sed -n 's/^VAULT_UNSEAL_KEY=//p' "$workdir/server.out")"
export VAULT_ADDR VAULT_TOKEN VAULT_UNSEAL_KEY

status=0
"$python" "$here/hvac_conformance.py" || status=$?
exit "$status"
