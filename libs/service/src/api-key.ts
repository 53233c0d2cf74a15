import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Logger, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RoamledgerConfig } from './config';
import { readOrCreateSecret } from './secret-file';

/**
 * The key of one operator API (admin, finance): the environment's value or, when unset, a key
 * generated into DATA_DIR/<file> on first start and printed that once, so the operator can copy it.
 */
export function loadApiKey(
  config: Pick<RoamledgerConfig, 'dataDir'>,
  api: string,
  configured: string | undefined,
  file: string,
): string {
  if (configured) return configured;
  const secret = readOrCreateSecret(config.dataDir, file);
  if (secret.created) new Logger(api).log(`Generated the ${api} API key (stored in ${secret.file}): ${secret.value}`);
  return secret.value;
}

/** `Authorization: Bearer <key>` on every route of one operator API; each API has its own key. */
export abstract class BearerKeyGuard implements CanActivate {
  private readonly keyDigest: Buffer;

  protected constructor(
    key: string,
    private readonly api: string,
    private readonly envName: string,
  ) {
    this.keyDigest = digest(key);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(http.getRequest<FastifyRequest>().headers.authorization ?? '');
    const refuse = (message: string) => {
      http.getResponse<FastifyReply>().header('WWW-Authenticate', `Bearer realm="${this.api}"`);
      return new UnauthorizedException(message);
    };
    if (!match) throw refuse(`Authorization: Bearer <${this.envName}> is required`);
    // Comparing digests keeps the comparison constant-time whatever the length sent.
    if (!timingSafeEqual(digest(match[1]), this.keyDigest)) throw refuse(`Wrong ${this.api} API key`);
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
