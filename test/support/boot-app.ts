import { Module, type DynamicModule, type INestApplicationContext, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CapturingLogger } from './capture-logs.js';

/** Boots a real Nest application context around the given imports, with a capturing logger. */
export async function bootApp(
  imports: Array<DynamicModule | Promise<DynamicModule> | Type>,
  providers: Provider[] = [],
): Promise<{ app: INestApplicationContext; logs: CapturingLogger }> {
  @Module({ imports, providers })
  class RootModule {}
  const logs = new CapturingLogger();
  const app = await NestFactory.createApplicationContext(RootModule, { logger: logs, abortOnError: false });
  return { app, logs };
}
