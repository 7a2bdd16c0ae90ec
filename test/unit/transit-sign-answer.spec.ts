/**
 * Issue 22 item 23: Vault's single-sign answer names a derived Ed25519 key's public key
 * `data.public_key` (transit API docs, `path_sign_verify.go`); only batch results spell it
 * `publickey`. A stubbed requester answers the documented shapes, so no server is involved.
 */
import { describe, expect, it } from 'vitest';
import type { VaultRequest, VaultResponse } from '../../lib/contracts/vault-request.js';
import type { VaultRequester } from '../../lib/contracts/vault-requester.js';
import { TransitEngine } from '../../lib/engines/transit.engine.js';

function answering(data: Record<string, unknown>): { requester: VaultRequester; sent: VaultRequest[] } {
  const sent: VaultRequest[] = [];
  const requester: VaultRequester = {
    request<TBody>(req: VaultRequest): Promise<VaultResponse<TBody>> {
      sent.push(req);
      return Promise.resolve({ status: 200, headers: {}, body: { data } as TBody });
    },
  };
  return { requester, sent };
}

const PUBLIC_KEY = Buffer.alloc(32, 7).toString('base64');

describe('transit sign: the answer as Vault documents it', () => {
  it('returns the derived key public key from data.public_key', async () => {
    const { requester, sent } = answering({ signature: 'vault:v1:c2ln', key_version: 1, public_key: PUBLIC_KEY });
    const signature = await new TransitEngine(requester).sign('ed', 'hello', { context: 'tenant-a' });
    expect(signature).toEqual({ signature: 'vault:v1:c2ln', keyVersion: 1, publicKey: PUBLIC_KEY });
    expect(sent[0]?.path).toBe('transit/sign/ed');
  });

  it('has no publicKey when the answer carries none (a key that is not derived)', async () => {
    const { requester } = answering({ signature: 'vault:v3:c2ln' });
    const signature = await new TransitEngine(requester).sign('rsa', 'hello');
    expect(signature).toEqual({ signature: 'vault:v3:c2ln', keyVersion: 3 });
    expect('publicKey' in signature).toBe(false);
  });

  it('does not take the batch spelling publickey from a single answer', async () => {
    const { requester } = answering({ signature: 'vault:v1:c2ln', publickey: PUBLIC_KEY });
    const signature = await new TransitEngine(requester).sign('ed', 'hello', { context: 'tenant-a' });
    expect(signature.publicKey).toBeUndefined();
  });
});
