import type { TokenSource } from '../auth/token-source.js';
import type { VaultRequest, VaultResponse } from './vault-client.js';

/** Sends Vault API requests. `VaultClient` is the HTTP implementation; tests may use an in-memory one. */
export interface VaultRequester {
  /**
   * Sends one request; resolves for 2xx and statuses in `acceptStatus`.
   * @throws the module's typed errors for every other answer.
   */
  request<TBody = unknown>(req: VaultRequest): Promise<VaultResponse<TBody>>;
}

/** A {@link VaultRequester} that also takes a token source and can be closed. */
export interface VaultTransport extends VaultRequester {
  /** Vault's base address. */
  readonly address: string;
  /** Installs the source of the token sent with authenticated requests. */
  useTokenSource(tokens: TokenSource): void;
  /** Releases sockets; resolves (when it returns a promise) once they are closed. */
  close(): void | Promise<void>;
}
