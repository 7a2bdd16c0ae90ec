import { VaultUnavailableError } from './vault-unavailable.error.js';

const MESSAGES = {
  'standby-no-active': 'this node is a standby and there is no active node',
  'dr-secondary': 'this node is a disaster-recovery secondary and serves no reads',
  'not-initialized': 'Vault is not initialized (sys/health 501): an operator must run `vault operator init`',
} as const;

/** Error raised by a `sys/health` probe for a non-serving node; classified by its reason. */
export class VaultNotServingError extends VaultUnavailableError {
  constructor(reason: 'standby-no-active' | 'dr-secondary' | 'not-initialized', status?: number) {
    super(MESSAGES[reason], { path: 'sys/health', status, reason });
  }
}
