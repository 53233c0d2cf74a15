import Fastify, { type FastifyInstance } from 'fastify';

type OcpiObject = { last_updated: string } & Record<string, unknown>;

const MODULES = ['sessions', 'cdrs', 'locations', 'tariffs'] as const;
type SenderModule = (typeof MODULES)[number];

export interface SenderRequest {
  module: SenderModule;
  url: string;
  query: Record<string, string>;
  authorization?: string;
}

export interface CpoSenderServer {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  sessionsUrl: string;
  cdrsUrl: string;
  locationsUrl: string;
  tariffsUrl: string;
  /** What the server serves; tests add, change and remove objects between pulls. */
  sessions: OcpiObject[];
  cdrs: OcpiObject[];
  locations: OcpiObject[];
  tariffs: OcpiObject[];
  /** Every GET it answered (or refused), in order. */
  requests: SenderRequest[];
  /** Answer the next n page requests with HTTP 500 (after `afterPages` pages went through). */
  failPages(n: number, afterPages?: number): void;
  close(): Promise<void>;
}

export interface CpoSenderOptions {
  /** The credentials token we call it with (it expects `Token <base64>`). */
  token: string;
  /** Objects per page (the X-Limit); the Link header leads to the next page. */
  pageSize?: number;
  sessions?: OcpiObject[];
  cdrs?: OcpiObject[];
  locations?: OcpiObject[];
  tariffs?: OcpiObject[];
}

/**
 * A CPO's Sender interfaces on a real HTTP port: GET sessions, cdrs, locations and tariffs with date_from (inclusive)
 * and date_to (exclusive) on last_updated, offset/limit, and the pagination headers of
 * transport_and_format (Link rel="next" carrying the filters, X-Total-Count, X-Limit).
 */
export async function startCpoSenderServer(options: CpoSenderOptions): Promise<CpoSenderServer> {
  const app: FastifyInstance = Fastify();
  const pageSize = options.pageSize ?? 2;
  const expected = `Token ${Buffer.from(options.token).toString('base64')}`;
  let failing = 0;
  let passBeforeFailing = 0;

  const server: CpoSenderServer = {
    baseUrl: '',
    sessionsUrl: '',
    cdrsUrl: '',
    locationsUrl: '',
    tariffsUrl: '',
    sessions: [...(options.sessions ?? [])],
    cdrs: [...(options.cdrs ?? [])],
    locations: [...(options.locations ?? [])],
    tariffs: [...(options.tariffs ?? [])],
    requests: [],
    failPages(n, afterPages = 0) {
      failing = n;
      passBeforeFailing = afterPages;
    },
    close: () => app.close(),
  };

  for (const module of MODULES) {
    app.get(`/ocpi/cpo/2.2.1/${module}`, async (request, reply) => {
      const query = request.query as Record<string, string>;
      server.requests.push({ module, url: request.url, query, authorization: request.headers.authorization });
      const envelope = (data: unknown, status_code: number, status_message?: string) => ({
        data,
        status_code,
        ...(status_message ? { status_message } : {}),
        timestamp: new Date().toISOString(),
      });
      if (request.headers.authorization !== expected) return reply.status(401).send(envelope(null, 2000, 'Unknown token'));
      if (failing > 0 && passBeforeFailing-- <= 0) {
        failing -= 1;
        return reply.status(500).send(envelope(null, 3000, 'Sender temporarily unavailable'));
      }

      const from = query.date_from ? Date.parse(query.date_from) : Number.NEGATIVE_INFINITY;
      const to = query.date_to ? Date.parse(query.date_to) : Number.POSITIVE_INFINITY;
      const matching = server[module]
        .filter((object) => {
          const at = Date.parse(object.last_updated);
          return at >= from && at < to;
        })
        .sort((a, b) => Date.parse(a.last_updated) - Date.parse(b.last_updated));
      const offset = Number(query.offset ?? 0);
      const limit = Math.min(Number(query.limit ?? pageSize), pageSize);
      const page = matching.slice(offset, offset + limit);

      reply.header('X-Total-Count', String(matching.length));
      reply.header('X-Limit', String(pageSize));
      if (offset + limit < matching.length) {
        const next = new URL(`${server.baseUrl}/ocpi/cpo/2.2.1/${module}`);
        for (const [name, value] of Object.entries(query)) next.searchParams.set(name, value);
        next.searchParams.set('offset', String(offset + limit));
        next.searchParams.set('limit', String(limit));
        reply.header('Link', `<${next.toString()}>; rel="next"`);
      }
      return envelope(page, 1000);
    });
  }

  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  server.baseUrl = `http://127.0.0.1:${port}`;
  server.sessionsUrl = `${server.baseUrl}/ocpi/cpo/2.2.1/sessions`;
  server.cdrsUrl = `${server.baseUrl}/ocpi/cpo/2.2.1/cdrs`;
  server.locationsUrl = `${server.baseUrl}/ocpi/cpo/2.2.1/locations`;
  server.tariffsUrl = `${server.baseUrl}/ocpi/cpo/2.2.1/tariffs`;
  return server;
}
