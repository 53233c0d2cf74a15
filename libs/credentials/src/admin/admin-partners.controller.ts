import {
  BadGatewayException,
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  HttpException,
  NotFoundException,
  Param,
  Patch,
  Post,
  UnprocessableEntityException,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { validateOcpi } from '@roamledger/ocpi';
import { OcpiError, OcpiStatus } from '@roamledger/ocpi-transport';
import { ApiDocument } from '@roamledger/service';
import type { ClassConstructor } from 'class-transformer';
import { ADMIN_PARTNERS_ROUTE } from '../credentials.routes';
import { PartnerService } from '../partner.commands';
import { PartnerRejection } from '../partner.decider';
import { PartnerDirectory, type PartnerView } from '../partner-directory';
import {
  AdminError,
  AdminInvitation,
  AdminPartner,
  ConnectPartnerRequest,
  InvitePartnerRequest,
  UpdatePartnerRequest,
} from './admin.dto';
import { ADMIN_API, AdminKeyGuard } from './admin-api-key';

const NOT_FOUND = ApiNotFoundResponse({ type: AdminError, description: 'No partner with this id.' });
const CONFLICT = ApiConflictResponse({ type: AdminError, description: 'Refused in its current state (`reason` says why).' });
const INVALID = ApiBadRequestResponse({ type: AdminError, description: 'The body is invalid: `message` lists every problem.' });

/** The operator's API for partner connections. Plain JSON (not the OCPI envelope): these are not OCPI routes. */
@Controller(ADMIN_PARTNERS_ROUTE)
@UseGuards(AdminKeyGuard)
@ApiDocument(ADMIN_API)
@ApiUnauthorizedResponse({ type: AdminError, description: 'No or a wrong `Authorization: Bearer <ADMIN_API_KEY>`.' })
export class AdminPartnersController {
  constructor(
    private readonly partners: PartnerService,
    private readonly directory: PartnerDirectory,
  ) {}

  /** Invites a partner: answers what it needs to register with us. */
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Invites a partner: answers what it needs to register with us' })
  @ApiBody({ type: InvitePartnerRequest })
  @ApiCreatedResponse({ type: AdminInvitation })
  @INVALID
  @ApiConflictResponse({ type: AdminError, description: 'The party is already taken by another partner.' })
  invite(@Body() body: unknown) {
    const request = parse(InvitePartnerRequest, body);
    return admin(() =>
      this.partners.invite({
        name: request.name,
        countryCode: request.country_code.toUpperCase(),
        partyId: request.party_id.toUpperCase(),
        roles: request.roles,
        moreParties: request.parties?.map((party) => ({
          countryCode: party.country_code.toUpperCase(),
          partyId: party.party_id.toUpperCase(),
          roles: party.roles,
        })),
      }),
    );
  }

  /** We register with a partner, given its versions URL and the Token A it gave us. */
  @Post('connect')
  @HttpCode(201)
  @ApiOperation({ summary: 'We register with a partner, given its versions URL and the Token A it gave us' })
  @ApiBody({ type: ConnectPartnerRequest })
  @ApiCreatedResponse({ type: AdminPartner })
  @INVALID
  @CONFLICT
  @ApiUnprocessableEntityResponse({ type: AdminError, description: 'The partner answered with something we cannot use.' })
  @ApiBadGatewayResponse({ type: AdminError, description: 'The partner could not be reached or refused us.' })
  async connect(@Body() body: unknown) {
    const request = parse(ConnectPartnerRequest, body);
    return adminJson(await admin(() => this.partners.connect(request.versions_url, request.token_a)));
  }

  @Get()
  @ApiOperation({ summary: 'Every partner connection' })
  @ApiOkResponse({ type: [AdminPartner] })
  async list() {
    return (await this.directory.list()).map(adminJson);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One partner: status, roles, endpoints and last contact' })
  @ApiOkResponse({ type: AdminPartner })
  @NOT_FOUND
  async get(@Param('id') id: string) {
    const view = await this.directory.get(id);
    if (!view) throw new NotFoundException(`Unknown partner ${id}`);
    return adminJson(view);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stops its access to everything but versions and credentials' })
  @ApiOkResponse({ type: AdminPartner })
  @NOT_FOUND
  @CONFLICT
  async suspend(@Param('id') id: string) {
    return adminJson(await admin(() => this.partners.suspend(id)));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Gives a suspended partner its access back' })
  @ApiOkResponse({ type: AdminPartner })
  @NOT_FOUND
  @CONFLICT
  async resume(@Param('id') id: string) {
    return adminJson(await admin(() => this.partners.resume(id)));
  }

  /** Settings of a connection: `allow_plain_token` accepts (and sends) the non-Base64 Authorization form. */
  @Patch(':id')
  @ApiOperation({ summary: 'Changes the settings of a connection' })
  @ApiBody({ type: UpdatePartnerRequest })
  @ApiOkResponse({ type: AdminPartner })
  @INVALID
  @NOT_FOUND
  @CONFLICT
  async update(@Param('id') id: string, @Body() body: unknown) {
    const request = parse(UpdatePartnerRequest, body);
    return adminJson(await admin(() => this.partners.setAllowPlainToken(id, request.allow_plain_token)));
  }
}

/** A partner as the admin API shows it (snake_case, like the requests). */
export function adminJson(view: PartnerView) {
  return {
    id: view.id,
    name: view.name,
    status: view.status,
    suspended: view.suspended,
    allow_plain_token: view.allowPlainToken,
    initiated_by: view.initiatedBy,
    ...(view.invitation
      ? {
          invitation: {
            country_code: view.invitation.countryCode,
            party_id: view.invitation.partyId,
            roles: view.invitation.roles,
            parties: view.invitation.parties.map((party) => ({
              country_code: party.countryCode,
              party_id: party.partyId,
              roles: party.roles,
            })),
          },
        }
      : {}),
    roles: view.roles.map((role) => ({
      role: role.role,
      country_code: role.countryCode,
      party_id: role.partyId,
      name: role.name,
    })),
    behind: view.behind.map((party) => ({ role: party.role, country_code: party.countryCode, party_id: party.partyId })),
    versions_url: view.versionsUrl ?? null,
    version: view.version ?? null,
    endpoints: view.endpoints,
    invited_at: view.invitedAt ?? null,
    registered_at: view.registeredAt ?? null,
    last_contact_at: view.lastContactAt ?? null,
  };
}

function parse<T extends object>(cls: ClassConstructor<T>, body: unknown): T {
  const result = validateOcpi(cls, body ?? {});
  if (!result.ok) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: result.errors });
  return result.value;
}

/** Domain refusals as HTTP statuses; a partner that cannot be used as its OCPI code, behind 502/422. */
async function admin<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof HttpException) throw error;
    if (error instanceof PartnerRejection) {
      const body = { statusCode: 0, error: '', message: error.message, reason: error.reason };
      if (error.reason === 'unknown_partner') throw new NotFoundException({ ...body, statusCode: 404, error: 'Not Found' });
      throw new ConflictException({ ...body, statusCode: 409, error: 'Conflict' });
    }
    if (error instanceof OcpiError) {
      const body = { message: error.message, ocpi_status_code: error.statusCode };
      if (error.statusCode === OcpiStatus.UnableToUseClientApi) {
        throw new BadGatewayException({ statusCode: 502, error: 'Bad Gateway', ...body });
      }
      throw new UnprocessableEntityException({ statusCode: 422, error: 'Unprocessable Entity', ...body });
    }
    throw error;
  }
}
