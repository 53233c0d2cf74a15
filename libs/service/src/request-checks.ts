import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const logger = new Logger('http');

const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * Body limits per module, first matching route prefix; beyond: 413 (on /ocpi in the envelope).
 * A CDR carries its tariffs and every charging period, so it gets more room than a Session (also
 * when support staff price one with POST /finance/price).
 */
export const BODY_LIMITS: ReadonlyArray<readonly [prefix: string, bytes: number]> = [
  ['/ocpi/emsp/2.2.1/cdrs', 4 * MIB],
  ['/ocpi/emsp/2.3.0/cdrs', 4 * MIB],
  ['/ocpi/', 1 * MIB],
  // A token import batch: up to 1000 rows (the CLI's batch), a few hundred bytes each.
  ['/admin/tokens/import', 4 * MIB],
  ['/admin/', 64 * KIB],
  // POST /finance/price takes a CDR (with its periods) as a CPO may send it.
  ['/finance/price', 4 * MIB],
  ['/finance', 64 * KIB],
];
export const DEFAULT_BODY_LIMIT = 1 * MIB;

export function bodyLimitOf(url: string): number {
  return BODY_LIMITS.find(([prefix]) => url.startsWith(prefix))?.[1] ?? DEFAULT_BODY_LIMIT;
}

/** Gives every route the body limit of its module (routes are added after this, at app.init). */
export function registerBodyLimits(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    route.bodyLimit ??= bodyLimitOf(route.url);
  });
}

/** Deeper JSON than this is refused: no OCPI object nests beyond a dozen levels. */
export const MAX_JSON_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** String.prototype.isWellFormed, which the ES2022 typings this project compiles with lack. */
const wellFormed = (text: string) => !LONE_SURROGATE.test(text);

/**
 * Why `text` cannot be stored or logged as it is, or undefined: PostgreSQL text and jsonb hold no
 * NUL and no lone UTF-16 surrogate; other control characters (CR, LF...) forge log lines and are
 * no part of an OCPI string (printable ASCII or UTF-8, types.asciidoc) in an id or a query.
 */
export function textProblem(text: string): string | undefined {
  if (!wellFormed(text)) return 'a lone UTF-16 surrogate';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return `the control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
  }
  return undefined;
}

/**
 * Why a parsed JSON body cannot be accepted, or undefined: nested deeper than MAX_JSON_DEPTH, or a
 * string (key or value) with a NUL or a lone surrogate. Iterative: no stack to overflow.
 */
export function jsonProblem(value: unknown): string | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: '' }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number; path: string };
    if (typeof item.value === 'string') {
      if (!wellFormed(item.value)) return `${item.path || 'the body'} holds a lone UTF-16 surrogate`;
      if (item.value.includes('\u0000')) return `${item.path || 'the body'} holds a NUL character`;
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= MAX_JSON_DEPTH) return `the body is nested deeper than ${MAX_JSON_DEPTH} levels`;
    for (const [key, child] of Object.entries(item.value)) {
      const path = Array.isArray(item.value) ? `${item.path}[${key}]` : item.path ? `${item.path}.${key}` : key;
      if (!wellFormed(key) || key.includes('\u0000'))
        return `a property name at ${item.path || 'the top'} holds a NUL or a lone surrogate`;
      stack.push({ value: child, depth: item.depth + 1, path });
    }
  }
  return undefined;
}

/**
 * A refusal before any route runs. On /ocpi it is in the OCPI envelope (status 2001): libs/ocpi
 * builds on this library, so the envelope's three fields are written here, as ocpiResponse does.
 */
export function refuseEarly(
  request: FastifyRequest,
  reply: FastifyReply,
  httpStatus: number,
  message: string,
  ocpiStatus = 2001,
) {
  const url = request.url ?? '';
  // The URL as received (still percent-encoded); the JSON log escapes whatever else is in it.
  logger.warn(`${httpStatus} ${request.method} ${url.slice(0, 512)} request ${request.id}: ${message}`);
  const body = url.startsWith('/ocpi')
    ? { data: null, status_code: ocpiStatus, status_message: message, timestamp: new Date().toISOString() }
    : { statusCode: httpStatus, message };
  return reply.code(httpStatus).type('application/json; charset=utf-8').send(body);
}

/**
 * Fastify's own refusals (a bad URL encoding: 400, a path parameter over maxParamLength: 414) in
 * the OCPI envelope on /ocpi. Passed as the adapter's `frameworkErrors`.
 */
export function frameworkErrorReply(error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  return refuseEarly(
    request,
    reply,
    status,
    status === 414 ? 'A path parameter is too long' : 'The URL is not valid (bad percent-encoding)',
  );
}

/**
 * Refuses a URL whose decoded path or query holds a control character (NUL included) or a lone
 * surrogate, before it reaches a route, a log line or a query: 400, on /ocpi in the envelope.
 */
export function registerRequestChecks(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(request.url.replace(/\+/g, ' '));
    } catch {
      return refuseEarly(request, reply, 400, 'The URL is not valid (bad percent-encoding)');
    }
    const problem = textProblem(decoded);
    if (problem) return refuseEarly(request, reply, 400, `The URL holds ${problem}`);
  });
}
