#!/usr/bin/env bash
# The packages as users install them: `npm pack` of the library and of the test server package
# (packages/vault-test-server), then two fixture apps each install both tarballs (next to their own
# package.json and lock file) and run their own test runner:
#   test/fixtures/cjs-nest11-jest     NestJS 11, CommonJS, Jest (ts-jest, default CommonJS mode)
#   test/fixtures/esm-nest12-vitest   NestJS 12, ESM, Vitest
# Each boots SecretsModule.forRootAsync against a VaultTestServer (from the test server's tarball,
# @nestjs-vault-secrets/vault-test-server), reads a secret and receives a rotation, and runs the
# installed `vault-test-server --help`. Then the e2e suite runs again on NestJS 11
# (test/fixtures/nest11, see vitest.nest11.config.ts).
#
# Usage: npm run test:fixtures            (builds dist/ first through npm pack's prepack)
#        scripts/test-fixtures.sh apps    (only the two fixture apps)
#        scripts/test-fixtures.sh nest11  (only the e2e suite on NestJS 11)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
what="${1:-all}"
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

if [[ "$what" == all || "$what" == apps ]]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  echo "== npm pack"
  # prepack cleans dist/ and builds both formats (ESM and CommonJS), of each package.
  tarball="$scratch/$(npm pack --pack-destination "$scratch" --silent | tail -n 1)"
  echo "packed $tarball"
  server_tarball="$scratch/$(npm pack --workspace packages/vault-test-server --pack-destination "$scratch" --silent | tail -n 1)"
  echo "packed $server_tarball"
  for fixture in cjs-nest11-jest esm-nest12-vitest; do
    echo "== $fixture"
    # A copy outside the repository: inside it, Node would find the repository's own node_modules
    # (NestJS 12, every optional peer) by walking up, and the fixture would not be what a user has.
    tar --exclude=node_modules -C test/fixtures -cf - "$fixture" | tar -C "$scratch" -xf -
    (
      cd "$scratch/$fixture"
      npm ci --no-audit --no-fund --loglevel=error
      npm install --no-save --no-audit --no-fund --loglevel=error "$tarball" "$server_tarball"
      npm test
      usage="$(npx --no-install vault-test-server --help)"
      [[ "$usage" == "Usage: vault-test-server"* ]] || { echo "vault-test-server --help printed: $usage" >&2; exit 1; }
    )
  done
fi

if [[ "$what" == all || "$what" == nest11 ]]; then
  echo "== e2e suite on NestJS 11"
  (cd test/fixtures/nest11 && npm ci --no-audit --no-fund --loglevel=error)
  npx vitest run --config vitest.nest11.config.ts
fi
