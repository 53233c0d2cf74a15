/**
 * The candidates a `Authorization: Token ...` header may carry: the Base64-decoded token (2.2.1),
 * then the value as sent (what many 2.1.1/2.2 peers do). Returns [] when the header is absent or
 * not of the Token scheme.
 */
export function credentialsTokenCandidates(header: string | undefined): Array<{ token: string; form: 'base64' | 'plain' }> {
  const match = /^Token\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return [];
  const value = match[1];
  const candidates: Array<{ token: string; form: 'base64' | 'plain' }> = [];
  const decoded = decodeBase64Token(value);
  if (decoded !== undefined) candidates.push({ token: decoded, form: 'base64' });
  candidates.push({ token: value, form: 'plain' });
  return candidates;
}

export function encodeCredentialsToken(token: string): string {
  return `Token ${Buffer.from(token, 'utf8').toString('base64')}`;
}

function decodeBase64Token(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) return undefined;
  // The spec's own example encodes a trailing newline (echo without -n): tolerate it.
  const decoded = Buffer.from(value, 'base64')
    .toString('utf8')
    .replace(/\r?\n$/, '');
  // Base64 that does not decode to printable text was never an encoded token.
  if (!decoded || /[^\x20-\x7e]/.test(decoded)) return undefined;
  return decoded;
}
