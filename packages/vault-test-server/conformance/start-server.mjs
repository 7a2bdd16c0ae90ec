#!/usr/bin/env node
/**
 * Starts the Vault test server for the hvac conformance job: the package's CLI (`runCli` of
 * dist/cli.js, same flags, real-time clock), which prints VAULT_ADDR and VAULT_TOKEN, plus
 * VAULT_UNSEAL_KEY (the server's single unseal key share, base64) for the seal/unseal scenario.
 * Stops on SIGINT/SIGTERM.
 *
 *   node conformance/start-server.mjs --port 0
 */
import { runCli } from '../dist/cli.js';

const server = await runCli(process.argv.slice(2));
process.stdout.write(`VAULT_UNSEAL_KEY=${server.unsealKeys[0] ?? ''}\n`);
const stop = () => {
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  void server.stop();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
