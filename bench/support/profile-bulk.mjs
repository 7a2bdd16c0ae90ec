// getAllSecrets() of 1,000 keys, 20 times from a cold cache, for `node --cpu-prof`:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/support/profile-bulk.mjs
import { SecretsManager } from '../../dist/index.js';
import { silentLogger } from './common.mjs';
import { pad, secretData } from './data.mjs';
import { startVault } from './vault.mjs';

const LOADS = Number(process.env.PROFILE_LOADS ?? 20);
const vault = await startVault();
try {
  await vault.kvPutMany(
    'secret',
    Array.from({ length: 1000 }, (_, i) => [`app/k${pad(i, 4)}`, secretData(i)]),
    32,
  );
  const m = new SecretsManager(
    { address: vault.address, token: vault.rootToken, secretsPath: 'secret/app', watch: { enabled: false }, cache: { maxEntries: 1000 } },
    { env: {}, logger: silentLogger },
  );
  await m.start();
  await m.getAllSecrets();
  const c0 = process.cpuUsage();
  for (let i = 0; i < LOADS; i++) {
    m.invalidate();
    await m.getAllSecrets();
  }
  const c = process.cpuUsage(c0);
  console.log(`${LOADS} loads of 1,000 keys: ${((c.user + c.system) / LOADS / 1000).toFixed(0)} µs client CPU per read`);
  await m.close();
} finally {
  await vault.stop();
}
