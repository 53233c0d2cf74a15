import { Body, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { versionRoutes } from '@roamledger/module-kit';
import { formatParty, LocationReferences, TokenType } from '@roamledger/ocpi';
import { VersionNumber } from '@roamledger/ocpi/values';
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
/** 2.3.0's Tokens Sender is 2.2.1's (same objects, same authorize); 2.1.1's is not mapped yet. */
export const TOKENS_ROUTES = versionRoutes('ocpi/emsp/{version}/tokens', [VersionNumber.V2_2_1, VersionNumber.V2_3_0]);

const TOKEN_TYPES = new Set<string>(Object.values(TokenType));

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
    return ocpiResponse(tokens);
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
    const tokenType = (type ?? TokenType.RFID).toUpperCase();
    if (!TOKEN_TYPES.has(tokenType))
      throw OcpiError.invalidParameters(`type must be one of ${[...TOKEN_TYPES].join(', ')}, got "${type}"`);
    if (uid.length > 36) throw OcpiError.invalidParameters('token_uid is a CiString(36)');
    const location = body === undefined || body === null || body === '' ? undefined : parseOcpiBody(LocationReferences, body);
    const party = exchange.from ?? exchange.partner?.roles[0];
    const outcome = await this.commands.execute(
      new AuthorizeToken(
        { country_code: exchange.to?.countryCode ?? '', party_id: exchange.to?.partyId ?? '', uid, type: tokenType },
        exchange.partner?.partnerId ?? 'unknown',
        party ? formatParty(party) : undefined,
        location,
        { cause: exchange.requestEvent(), metadata: exchange.metadata() },
      ),
    );
    if (outcome.event.type === 'AuthorizationOfUnknownToken' || !outcome.token) {
      // mod_tokens: HTTP 404, status 2004 and no data field at all (the error filter would send data: null).
      reply.status(404);
      const { data: _none, ...envelope } = ocpiResponse(undefined, OcpiStatus.UnknownToken, `Unknown token ${tokenType} ${uid}`);
      return envelope;
    }
    const decided = outcome.event.data;
    return ocpiResponse({
      allowed: decided.allowed,
      token: outcome.token,
      ...(location && decided.allowed === 'ALLOWED' ? { location } : {}),
      authorization_reference: decided.authorization_reference,
    });
  }
}
