import type { NewEvent } from '@roamledger/event-store';

export const REDACTED = '[REDACTED]';

/**
 * The request event of a credentials POST/PUT with the token's value replaced: the body is kept
 * byte for byte except that JSON string, so the log shows what the partner sent without the secret.
 * Every "token" member is replaced, at any depth (over-redacting a copy is harmless).
 */
export function withoutCredentialsToken(event: NewEvent): NewEvent {
  const data = event.data as { body?: string | null };
  if (!data.body) return event;
  return { ...event, data: { ...data, body: redactTokens(data.body), redacted: ['token'] } };
}

export function redactTokens(body: string): string {
  const replaced = body.replace(/("token"\s*:\s*)"(?:[^"\\]|\\.)*"/g, `$1"${REDACTED}"`);
  if (isRedacted(replaced)) return replaced;
  // The member name itself was escaped ("\u0074oken"): fall back to re-serialising.
  try {
    const value = JSON.parse(body) as Record<string, unknown>;
    if (value && typeof value === 'object' && 'token' in value) value.token = REDACTED;
    return JSON.stringify(value);
  } catch {
    return REDACTED;
  }
}

function isRedacted(body: string): boolean {
  try {
    const value = JSON.parse(body) as { token?: unknown } | null;
    return !value || typeof value !== 'object' || !('token' in value) || value.token === REDACTED;
  } catch {
    return false;
  }
}
