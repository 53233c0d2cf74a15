// The two keys live in sessionStorage only (gone when the tab closes); they travel in the
// Authorization header, never in a URL, a link or a log line.
const STORAGE = 'roamledger-console-keys';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function keys() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE) ?? '{}');
  } catch {
    return {};
  }
}

export function saveKeys(value) {
  sessionStorage.setItem(STORAGE, JSON.stringify(value));
}

export function forgetKeys() {
  sessionStorage.removeItem(STORAGE);
}

function headers(kind) {
  const key = keys()[kind];
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function failure(response) {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body?.message) message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
  } catch {
    // keep the status line
  }
  return new ApiError(response.status, message);
}

/** GET a JSON answer of the finance ('finance') or audit ('audit') API, or /health (null). */
export async function getJson(kind, path, options = {}) {
  const response = await fetch(path, { headers: kind ? headers(kind) : {}, signal: options.signal });
  if (!response.ok && !(options.acceptStatus ?? []).includes(response.status)) throw await failure(response);
  return response.json();
}

/** Whether a key opens its API: the cheapest read of it. */
export async function keyWorks(kind, key) {
  const path = kind === 'finance' ? '/finance/cdrs?limit=1' : '/audit/head';
  const response = await fetch(path, { headers: { authorization: `Bearer ${key}` } });
  if (response.status === 401) return false;
  if (!response.ok) throw await failure(response);
  return true;
}

/**
 * Downloads a file an API serves behind its key: fetched with the header, then handed to the
 * browser as a file. Returns what the answer says about itself.
 */
export async function download(kind, path, fallbackName) {
  const response = await fetch(path, { headers: headers(kind) });
  if (!response.ok) throw await failure(response);
  const blob = await response.blob();
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { name, bytes: blob.size, position: response.headers.get('x-roamledger-position'), text: () => blob.text() };
}

/** Reads an NDJSON answer line by line as it streams in. */
export async function streamLines(kind, path, onLine, signal) {
  const response = await fetch(path, { headers: headers(kind), signal });
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf('\n');
    while (end >= 0) {
      const line = buffer.slice(0, end).trim();
      buffer = buffer.slice(end + 1);
      if (line) onLine(JSON.parse(line));
      end = buffer.indexOf('\n');
    }
  }
  if (buffer.trim()) onLine(JSON.parse(buffer));
}
