// 20,000 cold reads (fetchSecret(key, { refresh: true })), 32 in flight, for `node --cpu-prof`:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/support/profile-cold.mjs
import { SecretsManager } from '../../dist/index.js';
import { pool, silentLogger } from './common.mjs';
import { secretData } from './data.mjs';
import { startVault } from './vault.mjs';

const READS = Number(process.env.PROFILE_READS ?? 20_000);
const vault = await startVault();
try {
  await vault.kvPutMany('secret', [['app/db', secretData(1)]]);
  const m = new SecretsManager(
    { address: vault.address, token: vault.rootToken, secretsPath: 'secret/app', watch: { enabled: false } },
    { env: {}, logger: silentLogger },
  );
  await m.start();
  await pool(1000, 32, () => m.fetchSecret('db', { refresh: true }));
  const c0 = process.cpuUsage();
  await pool(READS, 32, () => m.fetchSecret('db', { refresh: true }));
  const c = process.cpuUsage(c0);
  console.log(`${READS} cold reads: ${((c.user + c.system) / READS).toFixed(0)} µs client CPU per read`);
  await m.close();
} finally {
  await vault.stop();
}
