import { inspect } from 'node:util';
import type { SecretsLogger } from '../../util/secrets-logger.js';
import WebSocket from 'ws';
import { tlsConnectOptions, type TlsSettings } from '../../transport/tls-settings.js';
import { backoffDelayMs } from '../../timing/backoff.js';
import type { TaskScheduler } from '../../timing/task-scheduler.js';

/** Name of the reconnect timer in `SchedulerRegistry`. */
export const KV_EVENTS_RECONNECT_NAME = 'secrets:kv-events';

/** Largest event frame accepted, in bytes (1 MiB; Vault's KV events are well under 1 KiB): a larger one closes the connection. */
export const MAX_EVENT_FRAME_BYTES = 1024 * 1024;

/** A connection that stayed open this long (ms) resets the reconnect backoff. */
const STABLE_CONNECTION_MS = 30_000;

/** What the subscriber needs. */
export interface KvEventSubscriberDeps {
  /** Vault's address, e.g. `https://vault:8200`. */
  address: string;
  namespace?: string;
  /** TLS settings of every Vault connection (built once by `buildTlsSettings`). */
  tls: TlsSettings;
  /** The token to subscribe with (undefined in agent mode). */
  token: () => Promise<string | undefined>;
  /** Maps an event's `data_path` (e.g. `secret/data/app/db`) to a watched key, or undefined. */
  keyOf: (dataPath: string) => Promise<string | undefined>;
  /** Called with the key of every change event. */
  onChange: (key: string) => void;
  scheduler: TaskScheduler;
  logger: SecretsLogger;
}

/**
 * The faster source of KV change detection: Vault's event notifications websocket
 * (`GET /v1/sys/events/subscribe/kv-v2/data-*?json=true`, https://developer.hashicorp.com/vault/docs/concepts/events, Vault Enterprise 1.16+
 * or 1.15 with events enabled). Each `kv-v2/data-*` event makes the watcher check that key at
 * once; polling keeps running, so nothing is lost when the subscription is refused (403/404,
 * logged once, not retried) or drops (reconnected with backoff). A frame over
 * {@link MAX_EVENT_FRAME_BYTES} is never buffered: the connection is closed (logged, without the
 * frame) and reconnected with backoff.
 */
export class KvEventSubscriber {
  readonly #deps: KvEventSubscriberDeps;
  #socket: WebSocket | undefined;
  #connecting = false;
  #stopped = false;
  #attempt = 0;

  constructor(deps: KvEventSubscriberDeps) {
    this.#deps = deps;
  }

  /** Connects (idempotent); a failure is logged and retried with backoff, never thrown. */
  async start(): Promise<void> {
    if (this.#socket || this.#stopped || this.#connecting) return;
    this.#connecting = true;
    try {
      await this.#connect();
    } catch (error) {
      this.#deps.logger.warn?.(
        `KV event subscription could not connect (${error instanceof Error ? error.message : String(error)}); retrying`,
      );
      this.#retryLater();
    } finally {
      this.#connecting = false;
    }
  }

  #retryLater(): void {
    if (this.#stopped) return;
    const delay = backoffDelayMs(this.#attempt++);
    this.#deps.scheduler.schedule(KV_EVENTS_RECONNECT_NAME, delay, () => void this.start());
  }

  async #connect(): Promise<void> {
    const url = `${this.#deps.address.replace(/^http/, 'ws')}/v1/sys/events/subscribe/${encodeURIComponent('kv-v2/data-*')}?json=true`;
    const headers: Record<string, string> = { 'X-Vault-Request': 'true' };
    const token = await this.#deps.token();
    if (this.#stopped) return;
    if (token !== undefined) headers['X-Vault-Token'] = token;
    if (this.#deps.namespace) headers['X-Vault-Namespace'] = this.#deps.namespace;
    const socket = new WebSocket(url, {
      headers,
      maxPayload: MAX_EVENT_FRAME_BYTES,
      ...tlsConnectOptions(this.#deps.tls),
    });
    this.#socket = socket;
    let openedAt: number | undefined;
    socket.on('open', () => {
      openedAt = Date.now();
      this.#deps.logger.log?.('Subscribed to Vault KV change events; polling continues as a safety net');
    });
    socket.on('message', (data) => void this.#onMessage(String(data)));
    socket.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      if (this.#socket === socket) this.#socket = undefined;
      socket.terminate();
      if (status === 400 || status === 403 || status === 404) {
        // Refused (no events in this Vault, or no permission): polling alone from now on.
        this.#deps.logger.warn?.(`Vault refused the KV event subscription (HTTP ${status}); change detection uses polling only`);
        this.#stopped = true;
        return;
      }
      this.#retryLater(); // a passing refusal (503 sealed or standby, a load balancer): try again later
    });
    socket.on('error', (error: Error & { code?: unknown }) => {
      // ws closes the connection (1009) after this; 'close' schedules the reconnect.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
        this.#deps.logger.warn?.(
          `Vault sent a KV event frame larger than 1 MiB (${MAX_EVENT_FRAME_BYTES} bytes): the subscription was closed and reconnects; polling continues`,
        );
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      // Only a connection that stayed up a while resets the backoff (one that opens and drops keeps slowing down).
      if (openedAt !== undefined && Date.now() - openedAt >= STABLE_CONNECTION_MS) this.#attempt = 0;
      this.#retryLater();
    });
  }

  async #onMessage(text: string): Promise<void> {
    try {
      const frame = JSON.parse(text) as { data?: { event_type?: unknown; event?: { metadata?: { data_path?: unknown } } } };
      const dataPath = frame.data?.event?.metadata?.data_path;
      if (typeof dataPath !== 'string') return;
      const key = await this.#deps.keyOf(dataPath);
      if (key !== undefined) this.#deps.onChange(key);
    } catch {
      // A frame that is not the documented JSON: ignore it (polling still covers the key).
    }
  }

  /**
   * Vault answers again (the supervisor's convergence): connect now instead of waiting for the
   * reconnect backoff, starting the backoff over. Does nothing when connected or refused for good.
   */
  rearm(): void {
    if (this.#stopped || this.#socket || this.#connecting) return;
    this.#deps.scheduler.cancel(KV_EVENTS_RECONNECT_NAME);
    this.#attempt = 0;
    void this.start();
  }

  /** Disconnects for good. */
  stop(): void {
    this.#stopped = true;
    this.#deps.scheduler.cancel(KV_EVENTS_RECONNECT_NAME);
    this.#socket?.terminate();
    this.#socket = undefined;
  }

  toJSON(): Record<string, unknown> {
    return { connected: this.#socket?.readyState === WebSocket.OPEN };
  }

  [inspect.custom](): string {
    return `KvEventSubscriber ${inspect(this.toJSON())}`;
  }
}
