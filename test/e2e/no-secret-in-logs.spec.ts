import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsModule, SecretsService } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';
import { CapturingLogger } from '../support/capture-logs.js';

const MARKER_TOKEN = 'hvs.MARKERroot0TOKEN0must0never0leak0000000000';
const MARKER_VALUE = 'MARKER-SECRET-VALUE-7c1e';
const MARKER_CHILD_TOKEN_FIELD = 'client_token';

let server: VaultTestServer;
beforeAll(async () => {
  server = await VaultTestServer.start({ rootToken: MARKER_TOKEN });
  await server.admin.kvPut('secret', 'scan/db', { password: MARKER_VALUE, nested: { apiKey: MARKER_VALUE } });
  await server.admin.writePolicy('scan-none', 'path "secret/data/other" { capabilities = ["read"] }');
});
afterAll(() => server.stop());

describe('no secret reaches any captured output', () => {
  it('across reads, errors, outages, bad options and inspection of every module object', async () => {
    const seen = new CapturingLogger();
    const record = (value: unknown): void => {
      seen.lines.push(inspect(value, { depth: 20, showHidden: true }));
      try {
        seen.lines.push(JSON.stringify(value) ?? '');
      } catch {
        // circular structures are covered by inspect
      }
      if (value instanceof Error) seen.lines.push(String(value.stack), value.message);
    };

    const { app, logs } = await bootApp([
      SecretsModule.forRoot({ address: server.address, token: MARKER_TOKEN, secretsPath: 'secret/scan' }),
    ]);
    const secrets = app.get(SecretsService);
    expect((await secrets.fetchSecret<{ password: string }>('db')).password).toBe(MARKER_VALUE);
    await secrets.getAllSecrets();
    record(secrets);
    record(await secrets.describeSecret('db'));

    await secrets.fetchSecret('missing').catch(record);
    server.seal();
    await secrets.fetchSecret('db', { refresh: true }).catch(record);
    server.unseal();
    const drop = server.faults.add({ path: 'secret/data/scan/db', drop: true });
    await secrets.fetchSecret('db', { refresh: true }).catch(record);
    drop();
    const echo = server.faults.add({
      path: 'secret/data/scan/db',
      status: 500,
      body: { errors: [`backend failed for token ${MARKER_TOKEN}`] },
    });
    await secrets.fetchSecret('db', { refresh: true }).catch(record);
    echo();
    await app.close();

    const limited = await server.admin.createToken({ policies: ['scan-none'] });
    const denied = await bootApp([
      SecretsModule.forRoot({ address: server.address, token: limited[MARKER_CHILD_TOKEN_FIELD], secretsPath: 'secret/scan' }),
    ]);
    await denied.app.get(SecretsService).fetchSecret('db').catch(record);
    await denied.app.close();
    const limitedToken = limited[MARKER_CHILD_TOKEN_FIELD];

    await bootApp([SecretsModule.forRoot({ address: 'not-a-url', token: MARKER_TOKEN })]).catch(record);
    await bootApp([SecretsModule.forRoot({ address: 'http://127.0.0.1:1', token: MARKER_TOKEN, secretsPath: 'secret/scan' })]).then(
      async ({ app: down }) => {
        await down.get(SecretsService).fetchSecret('db').catch(record);
        await down.close();
      },
    );

    const everything = [seen.text, logs.text, denied.logs.text].join('\n');
    expect(everything.length).toBeGreaterThan(0);
    expect(everything).not.toContain(MARKER_TOKEN);
    expect(everything).not.toContain(MARKER_VALUE);
    expect(everything).not.toContain(limitedToken);
  });
});
