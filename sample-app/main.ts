import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { startDemoVaultIfNeeded } from './demo-vault.js';

async function bootstrap(): Promise<void> {
  const stopDemoVault = await startDemoVaultIfNeeded();
  // Imported after the demo Vault set VAULT_ADDR so the config factory sees it.
  const { AppModule } = await import('./app.module.js');
  const app = await NestFactory.create(AppModule);
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  new Logger('Sample').log(
    `Listening on ${url}: try ${url}/health, ${url}/secrets, ${url}/secrets/database/metadata, ${url}/db, ${url}/api-key, ${url}/status (Ctrl-C to stop)`,
  );
  const shutdown = async (): Promise<void> => {
    await app.close();
    await stopDemoVault();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

void bootstrap();
