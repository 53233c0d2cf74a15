import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import type { RoamledgerConfig } from '@roamledger/service';
import type { FastifyRequest } from 'fastify';
import { readOrCreateSecret } from '../secret-file';

/** DI token: the admin API key this process accepts. */
export const ADMIN_API_KEY = Symbol('ADMIN_API_KEY');

export const ADMIN_API_KEY_FILE = 'admin-api-key';

/**
 * ADMIN_API_KEY from the environment or, when unset, the key in DATA_DIR/admin-api-key, generated
 * on first start and printed once so the operator can copy it.
 */
export function loadAdminApiKey(config: RoamledgerConfig): string {
  if (config.adminApiKey) return config.adminApiKey;
  const secret = readOrCreateSecret(config.dataDir, ADMIN_API_KEY_FILE);
  if (secret.created) {
    new Logger('admin').log(`Generated the admin API key (stored in ${secret.file}): ${secret.value}`);
  }
  return secret.value;
}

/** `Authorization: Bearer <ADMIN_API_KEY>` on every /admin route. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  private readonly keyDigest: Buffer;

  constructor(@Inject(ADMIN_API_KEY) key: string) {
    this.keyDigest = digest(key);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) throw new UnauthorizedException('Authorization: Bearer <ADMIN_API_KEY> is required');
    // Comparing digests keeps the comparison constant-time whatever the length sent.
    if (!timingSafeEqual(digest(match[1]), this.keyDigest)) throw new UnauthorizedException('Wrong admin API key');
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
