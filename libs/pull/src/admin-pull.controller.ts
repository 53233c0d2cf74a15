import { BadRequestException, Body, Controller, Get, HttpCode, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ADMIN_API, AdminError, AdminKeyGuard } from '@roamledger/credentials';
import { isOcpiDateTime, parseOcpiDateTime } from '@roamledger/ocpi';
import { ApiDocument } from '@roamledger/service';
import { PullPartnerStatus, PullReports, PullRequestBody } from './admin-pull.dto';
import { type PullRequest, PullService, UnknownPullPartner } from './pull.service';

/** On-demand pulls: every module that offers one (see the pull descriptor). */
export const ADMIN_PULL_ROUTE = 'admin/pull';

/**
 * On-demand pulls for operators, with the admin key like the rest of /admin. Body (all optional):
 * `{ "modules": ["cdrs"], "date_from": "...", "date_to": "..." }`; without dates the pull runs
 * from the checkpoint to now.
 */
@Controller(ADMIN_PULL_ROUTE)
@UseGuards(AdminKeyGuard)
@ApiDocument(ADMIN_API)
@ApiUnauthorizedResponse({ type: AdminError, description: 'No or a wrong `Authorization: Bearer <ADMIN_API_KEY>`.' })
export class AdminPullController {
  constructor(private readonly pull: PullService) {}

  /** Every registered partner. */
  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Pulls every registered partner now' })
  @ApiBody({ type: PullRequestBody, required: false })
  @ApiOkResponse({ type: PullReports })
  @ApiBadRequestResponse({ type: AdminError, description: 'The body is invalid: `message` lists every problem.' })
  async pullAll(@Body() body: unknown) {
    return { reports: await this.pull.pullAll(pullRequest(body, this.pull.modules)) };
  }

  @Post(':partnerId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pulls one partner now' })
  @ApiBody({ type: PullRequestBody, required: false })
  @ApiOkResponse({ type: PullReports })
  @ApiBadRequestResponse({ type: AdminError, description: 'The body is invalid: `message` lists every problem.' })
  @ApiNotFoundResponse({ type: AdminError, description: 'No partner with this id that can be pulled.' })
  async pullPartner(@Param('partnerId') partnerId: string, @Body() body: unknown) {
    try {
      return { reports: await this.pull.pull(partnerId, pullRequest(body, this.pull.modules)) };
    } catch (error) {
      if (error instanceof UnknownPullPartner) throw new NotFoundException(error.message);
      throw error;
    }
  }

  /** Checkpoints and the last pull of each module. */
  @Get(':partnerId')
  @ApiOperation({ summary: 'Checkpoints and the last pull of each module' })
  @ApiOkResponse({ type: PullPartnerStatus })
  async status(@Param('partnerId') partnerId: string) {
    return { partner_id: partnerId, modules: await this.pull.status(partnerId) };
  }
}

function pullRequest(body: unknown, modules: readonly string[]): PullRequest {
  const value = (body ?? {}) as { modules?: unknown; date_from?: unknown; date_to?: unknown };
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadRequestException('The body must be a JSON object');
  const problems: string[] = [];
  const request: PullRequest = {};
  if (value.modules !== undefined) {
    if (!Array.isArray(value.modules) || !value.modules.every((m) => modules.includes(m))) {
      problems.push(`modules must be a list of ${modules.join(', ')}`);
    } else request.modules = value.modules;
  }
  for (const [field, key] of [
    ['date_from', 'dateFrom'],
    ['date_to', 'dateTo'],
  ] as const) {
    const raw = value[field];
    if (raw === undefined) continue;
    if (isOcpiDateTime(raw)) request[key] = parseOcpiDateTime(raw);
    else problems.push(`${field} must be an RFC 3339 DateTime`);
  }
  if (problems.length) throw new BadRequestException(problems);
  return request;
}
