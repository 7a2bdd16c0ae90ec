import { VaultUnavailableError } from './vault-unavailable.error.js';

/** Error raised by a `sys/health` probe for a non-serving node; classified by its reason. */
export class VaultNotServingError extends VaultUnavailableError {
  constructor(reason: 'standby-no-active' | 'dr-secondary', status?: number) {
    super(
      reason === 'dr-secondary'
        ? 'this node is a disaster-recovery secondary and serves no reads'
        : 'this node is a standby and there is no active node',
      { path: 'sys/health', status, reason },
    );
  }
}
