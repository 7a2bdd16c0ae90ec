import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startDemoVaultIfNeeded } from './demo-vault.js';
import { startTelemetry } from './telemetry.js';

async function bootstrap(): Promise<void> {
  const telemetry = startTelemetry();
  const stopDemoVault = await startDemoVaultIfNeeded();
  // Imported after the demo Vault set VAULT_ADDR so the config factory sees it.
  const { AppModule } = await import('./app.module.js');
  const app = await NestFactory.create(AppModule);
  // Prometheus scrapes the module's metrics (and any other OpenTelemetry metric of the app) here.
  app.getHttpAdapter().get('/metrics', (req: IncomingMessage, res: ServerResponse) => telemetry.metricsHandler(req, res));
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  new Logger('Sample').log(
    `Listening on ${url}: try ${url}/health, ${url}/secrets, ${url}/secrets/database/metadata, ${url}/db, ${url}/api-key, ${url}/status, ${url}/metrics (Ctrl-C to stop)`,
  );
  const shutdown = async (): Promise<void> => {
    await app.close();
    await telemetry.stop();
    await stopDemoVault();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

void bootstrap();
