import { parseOcpiDateTime } from '@roamledger/ocpi';
import type { FastifyReply } from 'fastify';
import { OcpiError } from './ocpi-error';

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

/** The paginated-request parameters of transport_and_format, checked. */
export interface PageRequest {
  offset: number;
  limit: number;
  /** last_updated >= dateFrom */
  dateFrom?: Date;
  /** last_updated < dateTo */
  dateTo?: Date;
}

export function parsePageRequest(query: Record<string, string | undefined>, maxLimit = MAX_PAGE_LIMIT): PageRequest {
  const integer = (name: string, fallback: number) => {
    const raw = query[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw)) throw OcpiError.invalidParameters(`${name} must be a non-negative integer, got "${raw}"`);
    return Number(raw);
  };
  const dateTime = (name: string) => {
    const raw = query[name];
    if (raw === undefined || raw === '') return undefined;
    try {
      return parseOcpiDateTime(raw);
    } catch {
      throw OcpiError.invalidParameters(`${name} must be an OCPI DateTime, got "${raw}"`);
    }
  };
  return {
    offset: integer('offset', 0),
    limit: Math.min(Math.max(integer('limit', DEFAULT_PAGE_LIMIT), 1), maxLimit),
    dateFrom: dateTime('date_from'),
    dateTo: dateTime('date_to'),
  };
}

/** Sets Link (when more follow), X-Total-Count and X-Limit on a paginated GET response. */
export function setPaginationHeaders(
  reply: FastifyReply,
  page: PageRequest,
  total: number,
  requestUrl: string,
  maxLimit = MAX_PAGE_LIMIT,
): void {
  reply.header('X-Total-Count', String(total));
  reply.header('X-Limit', String(maxLimit));
  const nextOffset = page.offset + page.limit;
  if (nextOffset < total) {
    const next = new URL(requestUrl);
    next.searchParams.set('offset', String(nextOffset));
    next.searchParams.set('limit', String(page.limit));
    reply.header('Link', `<${next.toString()}>; rel="next"`);
  }
}

/** The page of `items` (already filtered and in a stable order) a request asks for. */
export function pageOf<T>(items: T[], page: PageRequest): T[] {
  return items.slice(page.offset, page.offset + page.limit);
}
