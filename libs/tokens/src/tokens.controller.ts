import { Body, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { versionRoutes } from '@roamledger/module-kit';
import { formatParty, LocationReferences, TokenType, v211 } from '@roamledger/ocpi';
import {
  Exchange,
  OcpiController,
  OcpiError,
  type OcpiExchange,
  OcpiStatus,
  ocpiResponse,
  parseOcpiBody,
  parsePageRequest,
  setPaginationHeaders,
} from '@roamledger/ocpi-transport';
import { ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import type { FastifyReply } from 'fastify';
import { AuthorizeToken } from './token.commands';
import { TokenReadModel } from './token-read-model';

/** The eMSP Tokens Sender route (mod_tokens: we own the tokens). */
export const TOKENS_ROUTE = 'ocpi/emsp/2.2.1/tokens';
/**
 * In every version: 2.3.0's Tokens Sender is 2.2.1's (same objects, same authorize); 2.1.1's Tokens
 * and AuthorizationInfo are mapped at the edge (v211).
 */
export const TOKENS_ROUTES = versionRoutes('ocpi/emsp/{version}/tokens');

const TOKEN_TYPES = new Set<string>(Object.values(TokenType));
const TOKEN_TYPES_211 = new Set<string>(v211.TOKEN_TYPES_211);

/** mod_tokens Sender interface: CPOs pull our tokens, and ask for real-time authorization. */
@OcpiController(Object.values(TOKENS_ROUTES))
export class TokensController {
  constructor(
    private readonly commands: CommandBus,
    private readonly tokens: TokenReadModel,
    @Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig,
  ) {}

  /** Our tokens, from the token register projection, in last_updated order. */
  @Get()
  async list(
    @Exchange() exchange: OcpiExchange,
    @Query() query: Record<string, string | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = parsePageRequest(query);
    const { tokens, total } = await this.tokens.page(
      // OCPI-to names one of our parties (the guard checked it): that party's tokens only.
      { parties: exchange.to ? [exchange.to] : this.config.ocpiParties, dateFrom: page.dateFrom, dateTo: page.dateTo },
      page.offset,
      page.limit,
    );
    setPaginationHeaders(reply, page, total, `${this.config.publicUrl}${exchange.url}`);
    if (exchange.version !== '2.1.1') return ocpiResponse(tokens);
    // 2.1.1's X-Limit is the number of objects this page may hold (2.2 made it the server's maximum).
    reply.header('X-Limit', String(page.limit));
    return ocpiResponse(tokens.map((token) => v211.tokenTo211(token as unknown as Record<string, unknown>)));
  }

  /**
   * Real-time authorization. Unknown token: 2004 with HTTP 404 and no data. The answer never
   * depends on opening hours or EVSE status (mod_tokens).
   */
  @Post(':token_uid/authorize')
  @HttpCode(200)
  async authorize(
    @Exchange() exchange: OcpiExchange,
    @Param('token_uid') uid: string,
    @Query('type') type: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const in211 = exchange.version === '2.1.1';
    const tokenType = (type ?? TokenType.RFID).toUpperCase();
    const allowedTypes: ReadonlySet<string> = in211 ? TOKEN_TYPES_211 : TOKEN_TYPES;
    if (!allowedTypes.has(tokenType))
      throw OcpiError.invalidParameters(`type must be one of ${[...allowedTypes].join(', ')}, got "${type}"`);
    if (uid.length > 36) throw OcpiError.invalidParameters('token_uid is a CiString(36)');
    const given = body === undefined || body === null || body === '' ? undefined : body;
    const references211 = in211 && given !== undefined ? parseOcpiBody(v211.LocationReferences211, given) : undefined;
    const location = references211
      ? v211.locationReferencesFrom211(references211)
      : given !== undefined
        ? parseOcpiBody(LocationReferences, given)
        : undefined;
    const party = exchange.from ?? exchange.partner?.roles[0];
    const outcome = await this.commands.execute(
      new AuthorizeToken(
        { country_code: exchange.to?.countryCode ?? '', party_id: exchange.to?.partyId ?? '', uid, type: tokenType },
        exchange.partner?.partnerId ?? 'unknown',
        party ? formatParty(party) : undefined,
        location,
        { cause: exchange.requestEvent(), metadata: exchange.metadata() },
        in211 ? v211.tokenTypesFrom211(tokenType as 'OTHER' | 'RFID') : [tokenType],
      ),
    );
    if (in211 && (outcome.event.type === 'AuthorizationOfUnknownToken' || !outcome.token)) {
      // 2.1.1 has no 2004 (Unknown Token): the generic client error, with HTTP 404 as for any unknown object.
      reply.status(404);
      const { data: _none, ...envelope } = ocpiResponse(undefined, OcpiStatus.ClientError, `Unknown token ${tokenType} ${uid}`);
      return envelope;
    }
    if (outcome.event.type === 'AuthorizationOfUnknownToken' || !outcome.token) {
      // mod_tokens: HTTP 404, status 2004 and no data field at all (the error filter would send data: null).
      reply.status(404);
      const { data: _none, ...envelope } = ocpiResponse(undefined, OcpiStatus.UnknownToken, `Unknown token ${tokenType} ${uid}`);
      return envelope;
    }
    const decided = outcome.event.data;
    if (in211) return ocpiResponse(v211.authorizationInfoTo211(decided.allowed, references211));
    return ocpiResponse({
      allowed: decided.allowed,
      token: outcome.token,
      ...(location && decided.allowed === 'ALLOWED' ? { location } : {}),
      authorization_reference: decided.authorization_reference,
    });
  }
}
