import { ApiProperty } from '@nestjs/swagger';
import { AllowedType, ProfileType, TokenType, WhitelistType } from '@roamledger/ocpi';

/** An OCPI Token as the admin API takes and answers it (mod_tokens Token object). */
export class AdminToken {
  @ApiProperty({ example: 'NL', description: 'One of OCPI_PARTIES.' }) country_code: string;
  @ApiProperty({ example: 'RLG' }) party_id: string;
  @ApiProperty({ maxLength: 36, example: '012345678' }) uid: string;
  @ApiProperty({ enum: TokenType }) type: TokenType;
  @ApiProperty({ maxLength: 36, example: 'NL-RLG-C12345678-X' }) contract_id: string;
  @ApiProperty({ required: false, maxLength: 64 }) visual_number?: string;
  @ApiProperty({ maxLength: 64 }) issuer: string;
  @ApiProperty({ required: false, maxLength: 36 }) group_id?: string;
  @ApiProperty() valid: boolean;
  @ApiProperty({ enum: WhitelistType }) whitelist: WhitelistType;
  @ApiProperty({ required: false, minLength: 2, maxLength: 2 }) language?: string;
  @ApiProperty({ required: false, enum: ProfileType }) default_profile_type?: ProfileType;
  @ApiProperty({ required: false, type: Object, description: '{ supplier_name, contract_id? }' })
  energy_contract?: { supplier_name: string; contract_id?: string };
  @ApiProperty({ required: false, description: 'Set by the register on every change; ignored in requests.' })
  last_updated: string;
}

/** PATCH /admin/tokens/{cc}/{pid}/{uid}: any Token fields but the identity, and our own settings. */
export class AdminTokenPatch {
  @ApiProperty({ required: false, description: '`false` blocks the token, `true` unblocks it.' }) valid?: boolean;
  @ApiProperty({ required: false }) contract_id?: string;
  @ApiProperty({ required: false }) visual_number?: string;
  @ApiProperty({ required: false }) issuer?: string;
  @ApiProperty({ required: false }) group_id?: string;
  @ApiProperty({ required: false, enum: WhitelistType }) whitelist?: WhitelistType;
  @ApiProperty({ required: false }) language?: string;
  @ApiProperty({ required: false, enum: ProfileType }) default_profile_type?: ProfileType;
  @ApiProperty({ required: false, description: '`true` expires the token: authorization answers EXPIRED (not an OCPI field).' })
  expired?: boolean;
  @ApiProperty({
    required: false,
    type: [String],
    nullable: true,
    description: 'Partner ids allowed to authorize the token; others get NOT_ALLOWED. null lifts it (not an OCPI field).',
  })
  allowed_partners?: string[] | null;
}

export class AdminTokenView {
  @ApiProperty({ type: AdminToken }) token: AdminToken;
  @ApiProperty() expired: boolean;
  @ApiProperty({ type: [String], nullable: true }) allowed_partners: string[] | null;
}

export class AdminTokenPage {
  @ApiProperty({ type: 'integer' }) total: number;
  @ApiProperty({ type: 'integer' }) offset: number;
  @ApiProperty({ type: 'integer' }) limit: number;
  @ApiProperty({ type: [AdminToken] }) tokens: AdminToken[];
}

export class TokenImportRow {
  @ApiProperty({ type: 'integer', description: 'Line in the imported file, for the report.' }) line: number;
  @ApiProperty({ type: Object, additionalProperties: true, description: 'A Token object (last_updated may be left out).' })
  token: unknown;
}

/** POST /admin/tokens/import: one batch of rows (the CLI sends a file in batches). */
export class TokenImportBatch {
  @ApiProperty({ description: 'Who made the change, e.g. `import:tokens.csv`.' }) source: string;
  @ApiProperty({ type: [TokenImportRow] }) rows: TokenImportRow[];
}

export class TokenImportRejection {
  @ApiProperty({ type: 'integer' }) line: number;
  @ApiProperty({ type: [String] }) errors: string[];
}

export class TokenImportReport {
  @ApiProperty({ type: 'integer', description: 'Rows that issued or replaced a token.' }) imported: number;
  @ApiProperty({ type: 'integer', description: 'Rows equal to the token we hold.' }) unchanged: number;
  @ApiProperty({ type: [TokenImportRejection] }) rejected: TokenImportRejection[];
}

export class TokenResyncReport {
  @ApiProperty() partner_id: string;
  @ApiProperty({ type: 'integer' }) pushed: number;
  @ApiProperty({ type: 'integer' }) failed: number;
}

export class AdminAuthorization {
  @ApiProperty() reference: string;
  @ApiProperty({ description: '`authorize` (real-time) or `command:<COMMAND>`.' }) origin: string;
  @ApiProperty({ required: false, enum: AllowedType, nullable: true }) allowed: string | null;
  @ApiProperty({ nullable: true }) reason: string | null;
  @ApiProperty({ nullable: true }) partner_id: string | null;
  @ApiProperty({ nullable: true }) command_id: string | null;
  @ApiProperty({ nullable: true }) session_stream: string | null;
  @ApiProperty({ nullable: true }) cdr_stream: string | null;
}

export class TokenFinding {
  @ApiProperty() stream: string;
  @ApiProperty({ enum: ['TOKEN_BLOCKED_AT_START', 'UNKNOWN_AUTHORIZATION_REFERENCE'] }) finding: string;
  @ApiProperty({ nullable: true }) reference: string | null;
  @ApiProperty() detail: string;
  @ApiProperty() position: string;
}

export class TokenAdminError {
  @ApiProperty({ type: 'integer' }) statusCode: number;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }) message: string | string[];
  @ApiProperty() error: string;
  @ApiProperty({ required: false }) reason?: string;
}
