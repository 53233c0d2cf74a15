import type { FastifyInstance, FastifyRequest } from 'fastify';
import { jsonProblem } from './request-checks';

/** Marks a body that was not valid JSON; the OCPI guard answers it with HTTP 400 after authentication. */
export const MALFORMED_JSON = '__roamledgerMalformedJson';
export type MalformedJson = { [MALFORMED_JSON]: string };
/** Marks a JSON body that parses but cannot be taken (too deep, NUL, lone surrogate): 2001 after authentication. */
export const UNACCEPTABLE_JSON = '__roamledgerUnacceptableJson';
export type UnacceptableJson = { [UNACCEPTABLE_JSON]: string };

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

/**
 * Keeps every JSON body as received (the log stores OCPI bodies byte for byte and hashes rejected
 * ones). On OCPI routes a body that does not parse is marked rather than refused here, so the
 * refusal can name the authenticated partner; elsewhere it is the usual 400.
 */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void) => {
      request.rawBody = body;
      if (body.length === 0) return done(null, undefined);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch (error) {
        if (request.url.startsWith('/ocpi/')) return done(null, { [MALFORMED_JSON]: (error as Error).message });
        const refusal = new Error(`Malformed JSON: ${(error as Error).message}`) as Error & { statusCode: number };
        refusal.statusCode = 400;
        return done(refusal);
      }
      const problem = jsonProblem(parsed);
      if (!problem) return done(null, parsed);
      if (request.url.startsWith('/ocpi/')) return done(null, { [UNACCEPTABLE_JSON]: problem });
      const refusal = new Error(`Unacceptable JSON: ${problem}`) as Error & { statusCode: number };
      refusal.statusCode = 400;
      done(refusal);
    },
  );
}
