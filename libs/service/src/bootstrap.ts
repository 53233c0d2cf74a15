import 'reflect-metadata';
import { Logger, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { serveApiDocuments } from './api-documents';
import { ConfigError, loadConfig, type RoamledgerConfig } from './config';
import { registerJsonBodyParser } from './json-body';
import { JsonLogger, registerRequestContext, requestIdOf } from './logger';
import { Metrics } from './metrics';
import { DEFAULT_BODY_LIMIT, frameworkErrorReply, registerBodyLimits, registerRequestChecks } from './request-checks';

export type RootModuleFactory = (config: RoamledgerConfig) => Type<unknown> | import('@nestjs/common').DynamicModule;

/** Creates the Nest application for a root module on Fastify, without listening (tests use this). */
export async function createService(rootModule: RootModuleFactory, config: RoamledgerConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    rootModule(config),
    new FastifyAdapter({ bodyLimit: DEFAULT_BODY_LIMIT, frameworkErrors: frameworkErrorReply, genReqId: requestIdOf }),
    { bodyParser: false, logger: config.logLevel === 'silent' ? false : new JsonLogger(config.logLevel), bufferLogs: false },
  );
  registerRequestContext(app.getHttpAdapter().getInstance());
  registerJsonBodyParser(app.getHttpAdapter().getInstance());
  registerRequestChecks(app.getHttpAdapter().getInstance());
  registerBodyLimits(app.getHttpAdapter().getInstance());
  app.get(Metrics).observeRequests(app.getHttpAdapter().getInstance());
  serveApiDocuments(app);
  app.enableShutdownHooks();
  return app;
}

/** What every apps/<name>/main.ts calls: read the environment, start, listen; exit with the reason on failure. */
export async function bootstrapService(name: string, rootModule: RootModuleFactory): Promise<void> {
  const logger = new Logger(name);
  let config: RoamledgerConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  try {
    const app = await createService(rootModule, config);
    await app.listen(config.port, '0.0.0.0');
    logger.log(`${name} listening on ${config.publicUrl} (port ${config.port}, event store ${config.eventStore})`);
  } catch (error) {
    logger.error((error as Error).message);
    process.exit(1);
  }
}
