import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { sameParty, Token, TokenType, validateOcpi, validateOcpiPatch } from '@roamledger/ocpi';
import { ADMIN_API, AdminKeyGuard, ApiDocument, ROAMLEDGER_CONFIG, type RoamledgerConfig } from '@roamledger/service';
import { IssueToken, PatchToken, PutToken, TokenStreams } from '../token.commands';
import { type TokenPatch, TokenRejection } from '../token.decider';
import { TokenPusher } from '../token-pusher';
import { TokenReadModel } from '../token-read-model';
import {
  AdminAuthorization,
  AdminToken,
  AdminTokenPage,
  AdminTokenPatch,
  AdminTokenView,
  TokenAdminError,
  TokenFinding,
  TokenImportBatch,
  TokenImportReport,
  TokenResyncReport,
} from './admin-tokens.dto';

export const ADMIN_TOKENS_ROUTE = 'admin/tokens';
export const ADMIN_AUTHORIZATIONS_ROUTE = 'admin/authorizations';

const INVALID = ApiBadRequestResponse({
  type: TokenAdminError,
  description: 'The body or a parameter is invalid: `message` lists every problem.',
});
const NOT_FOUND = ApiNotFoundResponse({ type: TokenAdminError, description: 'No such token.' });
const TOKEN_TYPES = new Set<string>(Object.values(TokenType));
const MAX_IMPORT_BATCH = 5000;

/** The operator's token register: issue, change, block/unblock/expire, list, import, resync a partner. */
@Controller(ADMIN_TOKENS_ROUTE)
@UseGuards(AdminKeyGuard)
@ApiDocument(ADMIN_API)
@ApiUnauthorizedResponse({ type: TokenAdminError, description: 'No or a wrong `Authorization: Bearer <ADMIN_API_KEY>`.' })
export class AdminTokensController {
  constructor(
    private readonly commands: CommandBus,
    private readonly streams: TokenStreams,
    private readonly tokens: TokenReadModel,
    private readonly pusher: TokenPusher,
    @Inject(ROAMLEDGER_CONFIG) private readonly config: RoamledgerConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Issues a token of one of our parties (OCPI_PARTIES); pushed to every CPO with a Tokens receiver' })
  @ApiBody({ type: AdminToken })
  @ApiCreatedResponse({ type: AdminToken })
  @INVALID
  @ApiConflictResponse({ type: TokenAdminError, description: 'The token exists: PATCH it.' })
  async issue(@Body() body: unknown, @Headers('x-operator') operator?: string) {
    const token = this.parseToken(body);
    const handled = await refusals(() => this.commands.execute(new IssueToken(token, madeBy(operator))));
    return handled.state.token;
  }

  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Imports a batch of tokens: each valid row issues or replaces its token (one atomic append each); invalid rows are reported by line',
  })
  @ApiBody({ type: TokenImportBatch })
  @ApiOkResponse({ type: TokenImportReport })
  @INVALID
  async import(@Body() body: unknown): Promise<TokenImportReport> {
    const batch = body as TokenImportBatch;
    if (!batch || typeof batch.source !== 'string' || !Array.isArray(batch.rows) || batch.rows.length > MAX_IMPORT_BATCH) {
      throw invalid([`the body must be {"source": string, "rows": [{"line", "token"}]} with at most ${MAX_IMPORT_BATCH} rows`]);
    }
    const report: TokenImportReport = { imported: 0, unchanged: 0, rejected: [] };
    const by = batch.source.startsWith('import:') ? batch.source : `import:${batch.source}`;
    // A few appends at a time: each row is its own stream, so they do not contend.
    const queue = [...batch.rows];
    const worker = async () => {
      for (let row = queue.shift(); row; row = queue.shift()) {
        const parsed = this.validateToken(row.token);
        if (!parsed.ok) {
          report.rejected.push({ line: Number(row.line), errors: parsed.errors });
          continue;
        }
        const handled = await this.commands.execute(new PutToken(parsed.value, by));
        if (handled.events.length > 0) report.imported++;
        else report.unchanged++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    report.rejected.sort((a, b) => a.line - b.line);
    return report;
  }

  @Get()
  @ApiOperation({ summary: 'Tokens of the register, by last_updated (from the token projection)' })
  @ApiQuery({ name: 'country_code', required: false })
  @ApiQuery({ name: 'party_id', required: false })
  @ApiQuery({ name: 'type', required: false, enum: TokenType })
  @ApiQuery({ name: 'contract_id', required: false })
  @ApiQuery({ name: 'valid', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'offset', required: false, type: 'integer' })
  @ApiQuery({ name: 'limit', required: false, type: 'integer', description: 'At most 1000; default 100.' })
  @ApiOkResponse({ type: AdminTokenPage })
  @INVALID
  async list(@Query() query: Record<string, string | undefined>): Promise<AdminTokenPage> {
    const integer = (name: string, fallback: number) => {
      const raw = query[name];
      if (raw === undefined || raw === '') return fallback;
      if (!/^\d+$/.test(raw)) throw invalid([`${name} must be a non-negative integer`]);
      return Number(raw);
    };
    const offset = integer('offset', 0);
    const limit = Math.min(Math.max(integer('limit', 100), 1), 1000);
    if (query.valid !== undefined && !['true', 'false'].includes(query.valid)) throw invalid(['valid must be true or false']);
    const { tokens, total } = await this.tokens.page(
      {
        country_code: query.country_code,
        party_id: query.party_id,
        type: query.type,
        contract_id: query.contract_id,
        ...(query.valid !== undefined ? { valid: query.valid === 'true' } : {}),
      },
      offset,
      limit,
    );
    return { total, offset, limit, tokens: tokens as AdminToken[] };
  }

  @Get('findings')
  @ApiOperation({
    summary: 'Sessions and CDRs whose token was blocked at their start, or that carry a reference we never issued',
  })
  @ApiQuery({ name: 'finding', required: false, enum: ['TOKEN_BLOCKED_AT_START', 'UNKNOWN_AUTHORIZATION_REFERENCE'] })
  @ApiOkResponse({ type: [TokenFinding] })
  findings(@Query('finding') finding?: string) {
    return this.tokens.findings(finding);
  }

  @Get(':country_code/:party_id/:uid')
  @ApiOperation({ summary: 'One token, from its stream' })
  @ApiQuery({ name: 'type', required: false, enum: TokenType, description: 'Default RFID.' })
  @ApiOkResponse({ type: AdminTokenView })
  @NOT_FOUND
  async get(@Param() params: { country_code: string; party_id: string; uid: string }, @Query('type') type?: string) {
    const ref = refOf(params, type);
    const state = await this.streams.state(ref);
    if (!state.token) throw new NotFoundException(`Unknown token ${ref.country_code}*${ref.party_id} ${ref.type} ${ref.uid}`);
    return { token: state.token, expired: state.expired, allowed_partners: state.allowedPartners ?? null };
  }

  @Patch(':country_code/:party_id/:uid')
  @ApiOperation({ summary: 'Changes a token: fields, block (`{"valid": false}`), unblock, expire, allowed partners' })
  @ApiQuery({ name: 'type', required: false, enum: TokenType, description: 'Default RFID.' })
  @ApiBody({ type: AdminTokenPatch })
  @ApiOkResponse({ type: AdminTokenView })
  @INVALID
  @NOT_FOUND
  async patch(
    @Param() params: { country_code: string; party_id: string; uid: string },
    @Query('type') type: string | undefined,
    @Body() body: unknown,
    @Headers('x-operator') operator?: string,
  ) {
    const ref = refOf(params, type);
    const patch = parsePatch(body);
    const handled = await refusals(() => this.commands.execute(new PatchToken(ref, patch, madeBy(operator))));
    return {
      token: handled.state.token,
      expired: handled.state.expired,
      allowed_partners: handled.state.allowedPartners ?? null,
    };
  }

  @Post('resync/:partner')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pushes once the latest state of every token the partner missed (failed or skipped pushes)' })
  @ApiOkResponse({ type: TokenResyncReport })
  @NOT_FOUND
  async resync(@Param('partner') partnerId: string): Promise<TokenResyncReport> {
    const report = await this.pusher.resync(partnerId, 'operator');
    if (!report) throw new NotFoundException(`Unknown or unusable partner ${partnerId}`);
    return report;
  }

  /** A Token body of one of our parties; last_updated is the register's to set. */
  private parseToken(body: unknown): Token {
    const result = this.validateToken(body);
    if (!result.ok) throw invalid(result.errors);
    return result.value;
  }

  private validateToken(body: unknown): { ok: true; value: Token } | { ok: false; errors: string[] } {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, errors: ['a Token object is required'] };
    const result = validateOcpi(Token, { last_updated: new Date().toISOString(), ...(body as object) });
    if (!result.ok) return result;
    const party = { countryCode: result.value.country_code, partyId: result.value.party_id };
    if (!this.config.ocpiParties.some((ours) => sameParty(ours, party))) {
      return {
        ok: false,
        errors: [
          `${party.countryCode}*${party.partyId} is not one of our parties (OCPI_PARTIES: ${this.config.ocpiParties.map((p) => `${p.countryCode}*${p.partyId}`).join(', ')})`,
        ],
      };
    }
    return result;
  }
}

/** What the register knows about authorization references: who was allowed, and the session/CDR that carried it. */
@Controller(ADMIN_AUTHORIZATIONS_ROUTE)
@UseGuards(AdminKeyGuard)
@ApiDocument(ADMIN_API)
@ApiUnauthorizedResponse({ type: TokenAdminError, description: 'No or a wrong `Authorization: Bearer <ADMIN_API_KEY>`.' })
export class AdminAuthorizationsController {
  constructor(private readonly tokens: TokenReadModel) {}

  @Get(':reference')
  @ApiOperation({ summary: 'One authorization reference: its decision or command, and the session and CDR linked to it' })
  @ApiOkResponse({ type: AdminAuthorization })
  @ApiNotFoundResponse({ type: TokenAdminError, description: 'We never issued this reference.' })
  async get(@Param('reference') reference: string) {
    const row = await this.tokens.authorization(reference);
    if (!row) throw new NotFoundException(`Unknown authorization reference ${reference}`);
    return row;
  }
}

function refOf(params: { country_code: string; party_id: string; uid: string }, type: string | undefined) {
  const tokenType = (type ?? TokenType.RFID).toUpperCase();
  if (!TOKEN_TYPES.has(tokenType)) throw invalid([`type must be one of ${[...TOKEN_TYPES].join(', ')}`]);
  return {
    country_code: params.country_code.toUpperCase(),
    party_id: params.party_id.toUpperCase(),
    uid: params.uid,
    type: tokenType,
  };
}

function parsePatch(body: unknown): TokenPatch {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid(['a JSON object is required']);
  const { expired, allowed_partners, ...fields } = body as Record<string, unknown>;
  const errors: string[] = [];
  for (const identity of ['country_code', 'party_id', 'uid', 'type']) {
    if (identity in fields) errors.push(`${identity} cannot be changed`);
  }
  // The register stamps last_updated itself; the OCPI patch rules want one.
  fields.last_updated = new Date().toISOString();
  if (expired !== undefined && typeof expired !== 'boolean') errors.push('expired must be a boolean');
  if (
    allowed_partners !== undefined &&
    allowed_partners !== null &&
    !(Array.isArray(allowed_partners) && allowed_partners.every((id) => typeof id === 'string'))
  ) {
    errors.push('allowed_partners must be a list of partner ids, or null');
  }
  const result = validateOcpiPatch(Token, fields);
  if (!result.ok) errors.push(...result.errors);
  if (errors.length) throw invalid(errors);
  const { last_updated: _stamped, ...patch } = result.ok ? result.value : {};
  return {
    ...patch,
    ...(expired !== undefined ? { expired: expired as boolean } : {}),
    ...(allowed_partners !== undefined ? { allowed_partners: allowed_partners as string[] | null } : {}),
  };
}

function madeBy(operator: string | undefined): string {
  const who = operator?.trim();
  return who ? `admin-api:${who.slice(0, 100)}` : 'admin-api';
}

function invalid(errors: string[]): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: errors });
}

async function refusals<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TokenRejection) {
      const body = { message: error.message, reason: error.reason };
      if (error.reason === 'unknown_token') throw new NotFoundException({ statusCode: 404, error: 'Not Found', ...body });
      throw new ConflictException({ statusCode: 409, error: 'Conflict', ...body });
    }
    throw error;
  }
}
