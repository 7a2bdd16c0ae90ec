import type { Clock } from '../timing/clock.js';
import type { ServingProbe } from '../transport/serving-probe.js';
import type { VaultHealth } from '../transport/vault-health.js';

/**
 * `GET sys/health` on demand (the health indicator, `probeHealth()`; `lookup-self` where a proxy
 * hides `sys/health`, see {@link ServingProbe}), with an optional reuse of a
 * recent answer or of a call in flight. Every fresh answer is handed to `onAnswer` (the
 * supervisor hears what the probe found) and the probe resolves once it has been heard, so a
 * caller that reads `status()` right after agrees with the probe. Never throws.
 */
export class HealthProbeCache {
  #last: { at: number; result: Promise<VaultHealth> } | undefined;

  constructor(
    private readonly serving: ServingProbe,
    private readonly clock: Clock,
    private readonly onAnswer: (health: VaultHealth) => Promise<void>,
    /**
     * The supervisor's own probe timeout, in milliseconds: a probe with a shorter timeout that
     * timed out only says Vault is slower than that, so it is not handed to `onAnswer` (a Vault
     * answering reads in 5 s must not be degraded by a 2 s health check).
     */
    private readonly faultTimeoutMs = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * @param timeoutMs - timeout of the call, in milliseconds.
   * @param maxAgeMs - reuse an answer (or a call in flight) up to this old, in milliseconds; default 0 (always call).
   */
  probe(timeoutMs?: number, maxAgeMs = 0): Promise<VaultHealth> {
    const now = this.clock.now();
    if (maxAgeMs > 0 && this.#last && now - this.#last.at <= maxAgeMs) return this.#last.result;
    const result = this.serving.check(timeoutMs).then(async (health) => {
      const shortTimeout = health.timedOut === true && timeoutMs !== undefined && timeoutMs < this.faultTimeoutMs;
      if (!shortTimeout) await this.onAnswer(health);
      return health;
    });
    this.#last = { at: now, result };
    return result;
  }
}
