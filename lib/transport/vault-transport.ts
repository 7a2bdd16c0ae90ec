import type { TokenSource } from '../contracts/token-source.js';
import type { VaultRequester } from '../contracts/vault-requester.js';

/** A {@link VaultRequester} that also takes a token source and can be closed. */
export interface VaultTransport extends VaultRequester {
  /** Vault's base address. */
  readonly address: string;
  /** Installs the source of the token sent with authenticated requests. */
  useTokenSource(tokens: TokenSource): void;
  /** Closes every mount's circuit breaker (Vault serves again after an outage); optional for test doubles. */
  resetCircuits?(): void;
  /** Releases sockets; resolves (when it returns a promise) once they are closed. */
  close(): void | Promise<void>;
}
