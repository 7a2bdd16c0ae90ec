// The three loaders of bulk-load.mjs, each run in its own process by side-child.mjs:
//   ours: SecretsManager.getAllSecrets() from a cold cache (invalidate() first);
//   seq:  node-vault, one request at a time: LIST a folder, then read or recurse entry by entry;
//   all:  node-vault, LIST every folder (folders in parallel), then Promise.all of every read.
// Each loader returns { [key relative to secret/app]: data }.
import nodeVault from 'node-vault';
import { SecretsManager } from '../../dist/index.js';
import { silentLogger } from './common.mjs';

/** node-vault, one request at a time. */
async function nvSequential(nv) {
  const out = {};
  const walk = async (folder) => {
    const listed = await nv.list(`secret/metadata/app/${folder}`);
    for (const entry of listed.data.keys) {
      if (entry.endsWith('/')) await walk(folder + entry);
      else out[folder + entry] = (await nv.read(`secret/data/app/${folder}${entry}`)).data.data;
    }
  };
  await walk('');
  return out;
}

/** node-vault, all at once. */
async function nvPromiseAll(nv) {
  const keys = [];
  const walk = async (folder) => {
    const listed = await nv.list(`secret/metadata/app/${folder}`);
    await Promise.all(listed.data.keys.map((entry) => (entry.endsWith('/') ? walk(folder + entry) : keys.push(folder + entry))));
  };
  await walk('');
  const values = await Promise.all(keys.map((k) => nv.read(`secret/data/app/${k}`)));
  return Object.fromEntries(keys.map((k, i) => [k, values[i].data.data]));
}

/** @param context - { address, token, keys } */
export async function setup(name, { address, token, keys }) {
  if (name === 'ours') {
    const m = new SecretsManager(
      { address, token, secretsPath: 'secret/app', watch: { enabled: false }, cache: { maxEntries: keys } },
      { env: {}, logger: silentLogger },
    );
    await m.start();
    return {
      run: () => {
        m.invalidate(); // every run reads all the keys from Vault
        return m.getAllSecrets();
      },
      close: () => m.close(),
    };
  }
  const nv = nodeVault({ endpoint: address, token, apiVersion: 'v1' });
  if (name === 'seq') return { run: () => nvSequential(nv), close: async () => undefined };
  if (name === 'all') return { run: () => nvPromiseAll(nv), close: async () => undefined };
  throw new Error(`unknown side ${name}`);
}
