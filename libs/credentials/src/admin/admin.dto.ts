import { ApiProperty } from '@nestjs/swagger';
import { IsOcpiUrl, Role } from '@roamledger/ocpi';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import type { InvitationTicket } from '../partner.commands';
import type { adminJson } from './admin-partners.controller';

/** One further party of a platform's invitation. */
export class InvitedPartyRequest {
  @IsString()
  @ApiProperty({ pattern: '^[A-Za-z]{2}$', example: 'DE' })
  @Matches(/^[A-Za-z]{2}$/, { message: 'country_code must be an ISO 3166 alpha-2 code, e.g. DE' })
  country_code: string;

  @IsString()
  @ApiProperty({ pattern: '^[A-Za-z0-9]{3}$', example: 'ALQ' })
  @Matches(/^[A-Za-z0-9]{3}$/, { message: 'party_id must be 3 letters or digits, e.g. ABC' })
  party_id: string;

  @ApiProperty({ enum: Role, isArray: true, minItems: 1, example: ['CPO'] })
  @IsArray()
  @ArrayMinSize(1)
  @IsEnum(Role, { each: true })
  roles: Role[];
}

/** POST /admin/partners: the partner's first party (as InvitedPartyRequest), its name and the rest. */
export class InvitePartnerRequest extends InvitedPartyRequest {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Alpha Charging' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({
    required: false,
    type: [InvitedPartyRequest],
    description: 'A platform: the further parties (and their roles) the same connection may hold besides the one above.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => InvitedPartyRequest)
  parties?: InvitedPartyRequest[];
}

/** POST /admin/partners/connect */
export class ConnectPartnerRequest {
  @ApiProperty({ format: 'uri', maxLength: 255, description: "The partner's OCPI versions URL." })
  @IsOcpiUrl()
  versions_url: string;

  @ApiProperty({ minLength: 1, maxLength: 64, description: 'The Token A the partner gave us, printable ASCII.' })
  @IsString()
  @Length(1, 64)
  @Matches(/^[\x21-\x7E]+$/, { message: 'token_a must be printable ASCII without whitespace' })
  token_a: string;
}

/** PATCH /admin/partners/:id */
export class UpdatePartnerRequest {
  @ApiProperty({ description: 'Accept (and send) the un-encoded `Authorization: Token <token>` form.' })
  @IsBoolean()
  allow_plain_token: boolean;
}

/** 201 of POST /admin/partners: what the partner needs to register with us. */
export class AdminInvitation implements InvitationTicket {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Hand it to the partner over a secure channel outside OCPI.' }) token_a: string;
  @ApiProperty({ format: 'uri' }) versions_url: string;
}

export class AdminPartyRole {
  @ApiProperty({ enum: Role }) role: string;
  @ApiProperty() country_code: string;
  @ApiProperty() party_id: string;
  @ApiProperty({ description: 'From its business details.' }) name: string;
}

export class AdminInvitedPartyRoles {
  @ApiProperty() country_code: string;
  @ApiProperty() party_id: string;
  @ApiProperty({ enum: Role, isArray: true }) roles: string[];
}

export class AdminInvitedParty extends AdminInvitedPartyRoles {
  @ApiProperty({ type: [AdminInvitedPartyRoles], description: 'Every party the invitation names, the one above first.' })
  parties: AdminInvitedPartyRoles[];
}

export class AdminBehindParty {
  @ApiProperty({ enum: Role }) role: string;
  @ApiProperty() country_code: string;
  @ApiProperty() party_id: string;
}

export class AdminPartnerEndpoint {
  @ApiProperty() identifier: string;
  @ApiProperty({ enum: ['SENDER', 'RECEIVER'] }) role: string;
  @ApiProperty({ format: 'uri' }) url: string;
}

/** A partner connection as the admin API shows it (snake_case, like the requests). */
export class AdminPartner implements Record<keyof ReturnType<typeof adminJson>, unknown> {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['invited', 'connecting', 'registered', 'unregistered', 'connection_failed'] }) status: string;
  @ApiProperty() suspended: boolean;
  @ApiProperty() allow_plain_token: boolean;
  @ApiProperty({
    enum: ['partner', 'us'],
    description: '`partner`: it registered after our invitation; `us`: we registered with it.',
  })
  initiated_by: string;
  @ApiProperty({ required: false, type: AdminInvitedParty }) invitation: AdminInvitedParty | undefined;
  @ApiProperty({
    type: [AdminPartyRole],
    description: "The parties of its current credentials (a 2.3.0 hub's: its hub_party_id, as HUB).",
  })
  roles: AdminPartyRole[];
  @ApiProperty({
    type: [AdminBehindParty],
    description:
      "A hub: the parties behind it that it may act for (a 2.3.0 hub's credentials roles, and those it reported in HubClientInfo).",
  })
  behind: AdminBehindParty[];
  @ApiProperty({ type: 'string', format: 'uri', nullable: true }) versions_url: string | null;
  @ApiProperty({ type: 'string', nullable: true }) version: string | null;
  @ApiProperty({ type: [AdminPartnerEndpoint] }) endpoints: AdminPartnerEndpoint[];
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) invited_at: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) registered_at: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'The last time it called us.' })
  last_contact_at: string | null;
}

/** Nest's error body; refusals of the domain add `reason`, failed calls to the partner `ocpi_status_code`. */
export class AdminError {
  @ApiProperty({ type: 'integer' }) statusCode: number;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }) message: string | string[];
  @ApiProperty() error: string;
  @ApiProperty({ required: false, description: 'unknown_partner, or why the partner is in the wrong state.' }) reason?: string;
  @ApiProperty({ required: false, type: 'integer' }) ocpi_status_code?: number;
}
