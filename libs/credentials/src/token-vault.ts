import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A partner's credentials token as stored in the log: AES-256-GCM under the vault key. */
export interface SealedToken {
  alg: 'A256GCM';
  /** First 16 hex digits of sha256(key): tells which key sealed it. */
  kid: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

/**
 * Seals the tokens partners give us for calling them. We need them in clear to call the partner,
 * but the log is replicated, kept forever and read by auditors: there they stay encrypted, under a
 * key that lives outside the log (DATA_DIR/partner-token-key).
 */
export class TokenVault {
  private readonly key: Buffer;
  readonly kid: string;

  constructor(secret: string) {
    // Any secret string works: it is stretched to the 32 bytes AES-256 needs.
    this.key = createHash('sha256').update(`roamledger partner-token-key\n${secret}`).digest();
    this.kid = createHash('sha256').update(this.key).digest('hex').slice(0, 16);
  }

  seal(token: string): SealedToken {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return {
      alg: 'A256GCM',
      kid: this.kid,
      iv: iv.toString('base64url'),
      ciphertext: ciphertext.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
    };
  }

  open(sealed: SealedToken): string {
    if (sealed.kid !== this.kid) {
      throw new Error(
        `This partner token was sealed with key ${sealed.kid}, this process has key ${this.kid}: every process needs the same DATA_DIR/partner-token-key`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}
