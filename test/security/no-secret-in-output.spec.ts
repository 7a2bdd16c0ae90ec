/**
 * Secrets in output: marker tokens, values and login credentials; every error path provoked;
 * everything captured (Nest logger, util.inspect showHidden/depth, JSON.stringify, stacks, causes, events).
 */
import { inspect } from 'node:util';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRETS_CONFIG, SecretsEvents, SecretsModule, SecretsService, VaultRequestError } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';
import { dump, MARKER_CRED, MARKER_TOKEN, MARKER_VALUE } from '../support/leak-markers.js';
import { json, rawServer, rootLookup } from '../support/raw-vault-server.js';
import { makeCore } from '../support/core-harness.js';
import { settle, until } from '../support/async.js';

/** A token that does not look like a Vault token, so only real care (not the redaction regex) keeps it out. */
const PLAIN_TOKEN = 'ATTACK-MARKER-PLAIN-TOKEN-3b9e7d';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('leaks: held up', () => {
  it('no marker in logs, errors (message, stack, cause chain, inspect, JSON) or event payloads across every error path', async () => {
    const server = await VaultTestServer.start({ rootToken: MARKER_TOKEN });
    cleanups.push(() => server.stop());
    await server.admin.writePolicy(
      'scan',
      'path "secret/data/scan/*" { capabilities = ["read"] }\npath "secret/metadata/scan/*" { capabilities = ["read", "list"] }\npath "auth/token/*" { capabilities = ["update", "read"] }',
    );
    await server.admin.kvPut('secret', 'scan/db', { password: MARKER_VALUE, nested: { apiKey: MARKER_VALUE } } as unknown as Record<
      string,
      string
    >);
    await server.admin.kvPut('secret', 'other/x', { password: MARKER_VALUE });
    await server.admin.createToken({ id: PLAIN_TOKEN, policies: ['scan'], ttl: 4 });

    const seen: string[] = [];
    const { app, logs } = await bootApp([
      EventEmitterModule.forRoot({ wildcard: true }),
      // No stale serving and no env fallback: every outage path must surface as an error here.
      SecretsModule.forRoot({
        address: server.address,
        token: PLAIN_TOKEN,
        secretsPath: 'secret',
        cache: { ttlMs: 1 },
        maxStalenessMs: 0,
        fallbackEnv: false,
      }),
    ]);
    cleanups.push(() => app.close());
    app.get(EventEmitter2).onAny((name, payload) => void seen.push(String(name), dump(payload)));
    const secrets = app.get(SecretsService);
    expect((await secrets.fetchSecret<{ password: string }>('scan/db')).password).toBe(MARKER_VALUE);
    // the service itself: default inspect (with showHidden and depth) and JSON; its raw internals are covered below
    seen.push(inspect(secrets, { showHidden: true, depth: 30 }), JSON.stringify(secrets));
    seen.push(dump(await secrets.describeSecret('scan/db')), dump(secrets.tokenInfo()));
    const record = (e: unknown): void => void seen.push(dump(e));
    await secrets.fetchSecret('scan/missing').catch(record);
    await secrets.fetchSecret('other/x').catch(record); // 403 permission denied
    await secrets.getAllSecrets().catch(record);
    server.seal();
    await secrets.fetchSecret('scan/db').catch(record);
    server.unseal();
    const drop = server.faults.add({ path: 'secret/data/scan/db', drop: true });
    await secrets.fetchSecret('scan/db').catch(record);
    drop();
    const echo = server.faults.add({
      path: 'secret/data/scan/db',
      status: 500,
      body: { errors: [`backend failed for token ${MARKER_TOKEN}`] },
    });
    await secrets.fetchSecret('scan/db').catch(record);
    echo();
    server.clock.advance(10_000); // the plain token expires: renewal and reads fail
    // The module's renewal of the 4 s token (its own timer) now meets an expired token: wait for that outcome.
    await until(() => seen.includes(SecretsEvents.TokenRenewalFailed), 5000);
    await secrets.fetchSecret('scan/db').catch(record);

    // approle login with a marker secret_id against a Vault that refuses it or drops the connection
    const login = await rawServer((req, res) => {
      if ((req.url ?? '').includes('drop')) return req.socket.destroy();
      return json(res, 400, { errors: ['invalid role or secret ID'] });
    });
    cleanups.push(() => login.stop());
    for (const mount of ['approle', 'drop']) {
      const { core, logger } = makeCore({
        address: login.address,
        auth: { method: 'approle', mount, roleId: MARKER_CRED, secretId: MARKER_CRED },
      });
      await settle(core.start()).then((r) => !r.ok && record(r.error));
      await core.fetchSecret('x').catch(record);
      seen.push(logger.text, dump(core));
      await core.close();
    }

    expect(seen).toContain('secrets.token.renewal-failed'); // the failure path really ran
    const everything = [...seen, logs.text].join('\n');
    expect(everything).toContain('SecretNotFoundError');
    expect(everything).toContain('PermissionDeniedError');
    expect(everything).toContain('VaultSealedError');
    for (const marker of [MARKER_TOKEN, PLAIN_TOKEN, MARKER_VALUE, MARKER_CRED]) expect(everything).not.toContain(marker);
  }, 15_000);
});

describe('leaks: regressions', () => {
  it('regression: the resolved config (injectable SECRETS_CONFIG, SecretsCore.config, SecretsService.core.config) shows the token under util.inspect showHidden', async () => {
    const srv = await rawServer((_req, res) => json(res, 200, rootLookup));
    cleanups.push(() => srv.stop());
    const { app } = await bootApp([SecretsModule.forRoot({ address: srv.address, token: PLAIN_TOKEN })]);
    cleanups.push(() => app.close());
    const config = app.get(SECRETS_CONFIG);
    expect(JSON.stringify(config)).not.toContain(PLAIN_TOKEN); // held
    expect(inspect(config)).not.toContain(PLAIN_TOKEN); // held
    expect(inspect(config, { showHidden: true })).not.toContain(PLAIN_TOKEN);
    // Since f2b515e the service keeps its core in a plain (protected) property, so the same token is one showHidden walk away.
    expect(inspect(app.get(SecretsService), { showHidden: true, customInspect: false, depth: 5 })).not.toContain(PLAIN_TOKEN);
  });

  it('regression: VaultRequestError.vaultErrors keeps Vault error strings unredacted (the message is redacted, the property is not)', async () => {
    const srv = await rawServer((req, res) => {
      if ((req.url ?? '').startsWith('/v1/auth/token/lookup-self')) return json(res, 200, rootLookup);
      return json(res, 400, { errors: [`cannot use token ${MARKER_TOKEN} here`] });
    });
    cleanups.push(() => srv.stop());
    const { core } = makeCore({ address: srv.address, token: 't' });
    cleanups.push(() => core.close());
    const r = await settle(core.fetchSecret('db'));
    const error = (r as { error: VaultRequestError }).error;
    expect(error).toBeInstanceOf(VaultRequestError);
    expect(error.message).not.toContain(MARKER_TOKEN); // held
    expect(error.vaultErrors.join('\n')).not.toContain(MARKER_TOKEN);
    expect(dump(error)).not.toContain(MARKER_TOKEN);
  });
});
