import { Server, Socket } from 'node:net';

/**
 * Setup file of the `unit` project (vitest.config.ts): a spec in test/unit/ that starts a server
 * (VaultTestServer, a raw HTTP server) or opens a connection (to Vault, to PostgreSQL) fails at once
 * with a message saying where it belongs, so the unit project stays fast and needs nothing running.
 */
function refuse(what: string): never {
  throw new Error(`a unit spec ${what}: specs that need a server or the network belong outside test/unit/ (the e2e project)`);
}

Server.prototype.listen = function listen(): never {
  refuse('started a server');
};
Socket.prototype.connect = function connect(): never {
  refuse('opened a network connection');
};
