import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A secret kept in DATA_DIR/<name>: read when present, otherwise generated and written readable by
 * the owner only (0600). `created` tells the caller it is new (to print it once, for instance).
 */
export function readOrCreateSecret(dataDir: string, name: string, bytes = 32): { value: string; file: string; created: boolean } {
  const file = path.join(dataDir, name);
  try {
    const value = readFileSync(file, 'utf8').trim();
    if (value) return { value, file, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(bytes).toString('base64url');
  // 'wx' fails if another process created it meanwhile: read theirs instead of overwriting it.
  try {
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return { value: readFileSync(file, 'utf8').trim(), file, created: false };
    throw error;
  }
  chmodSync(file, 0o600);
  return { value, file, created: true };
}
