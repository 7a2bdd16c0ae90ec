/**
 * The installed bins (of the library and of the test server package) answer `--help` with their
 * usage on stdout and exit code 0 (and start nothing).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, binEntries, ensureBuilt, readPackageJson, ROOT, run, SERVER_DIR } from './support.js';

beforeAll(ensureBuilt, BUILD_TIMEOUT_MS);

describe('bins --help', () => {
  const bins = Object.fromEntries(
    [ROOT, SERVER_DIR].flatMap((dir) => Object.entries(binEntries(readPackageJson(dir))).map(([name, file]) => [name, join(dir, file)])),
  );

  it.each(Object.keys(bins))('%s --help prints usage and exits 0', async (name) => {
    for (const flag of ['--help', '-h']) {
      const output = await run(process.execPath, [bins[name]!, flag], { timeoutMs: 30_000 });
      expect(output.code, output.stderr).toBe(0);
      expect(output.stdout).toMatch(/usage/i);
      expect(output.stdout).toContain(name);
      expect(output.stdout).not.toContain('VAULT_ADDR=');
    }
  });
});
