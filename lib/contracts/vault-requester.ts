import type { VaultRequest, VaultResponse } from './vault-request.js';

/** Sends Vault API requests. `VaultClient` is the HTTP implementation; tests may use an in-memory one. */
export interface VaultRequester {
  /**
   * Sends one request; resolves for 2xx and statuses in `acceptStatus`.
   * @throws the module's typed errors for every other answer.
   */
  request<TBody = unknown>(req: VaultRequest): Promise<VaultResponse<TBody>>;
}
