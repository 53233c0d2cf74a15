import { ApiProperty } from '@nestjs/swagger';
import type { PullRun, RejectedPulledObject } from './pull.decider';
import type { PullStatus } from './pull.service';

/** What /admin/pull takes and answers, as its OpenAPI document shows it. */

const MODULES = ['sessions', 'cdrs'];
const DATE_TIME = { type: 'string', format: 'date-time' } as const;

/** POST /admin/pull[/<partner id>]: every field optional. */
export class PullRequestBody {
  @ApiProperty({ required: false, enum: MODULES, isArray: true, description: 'Default: every module that pulls.' })
  modules?: string[];

  @ApiProperty({ required: false, ...DATE_TIME, description: 'RFC 3339; default: the checkpoint less the overlap.' })
  date_from?: string;

  @ApiProperty({ required: false, ...DATE_TIME, description: 'RFC 3339; default: now.' })
  date_to?: string;
}

export class PulledObjectRejection implements Record<keyof RejectedPulledObject, unknown> {
  @ApiProperty({ format: 'uri' }) page_url: string;
  @ApiProperty({ required: false, description: "The object's id, when it had a readable one." }) id: string | undefined;
  @ApiProperty() reason: string;
  @ApiProperty({ description: "sha256 of the object's canonical JSON." }) sha256: string;
}

export class PullRunView implements Record<keyof PullRun, unknown> {
  @ApiProperty() pull_id: string;
  @ApiProperty() partner_id: string;
  @ApiProperty({ enum: MODULES }) module: string;
  @ApiProperty({ ...DATE_TIME, description: 'The window: last_updated >= date_from and < date_to.' }) date_from: string;
  @ApiProperty(DATE_TIME) date_to: string;
  @ApiProperty({ type: 'integer' }) pages: number;
  @ApiProperty({ type: 'integer' }) received: number;
  @ApiProperty({ type: 'integer', description: 'Objects that changed our log.' }) recorded: number;
  @ApiProperty({ type: 'integer', description: 'Objects we already held (by push or an earlier pull).' }) unchanged: number;
  @ApiProperty({ type: [PulledObjectRejection] }) rejected: PulledObjectRejection[];
  @ApiProperty(DATE_TIME) started_at: string;
  @ApiProperty(DATE_TIME) finished_at: string;
}

/** One module of one partner: `completed` (with the new checkpoint), `failed` (with the error) or `skipped`. */
export class PullReportView {
  @ApiProperty() partner_id: string;
  @ApiProperty({ enum: MODULES }) module: string;
  @ApiProperty({ enum: ['completed', 'failed', 'skipped'] }) status: string;
  @ApiProperty({ required: false, type: PullRunView }) run?: PullRunView;
  @ApiProperty({ required: false, ...DATE_TIME, description: 'When completed.' }) checkpoint?: string;
  @ApiProperty({ required: false, description: 'When failed.' }) error?: string;
  @ApiProperty({ required: false, description: 'When skipped: why (e.g. no such endpoint).' }) reason?: string;
}

export class PullReports {
  @ApiProperty({ type: [PullReportView] }) reports: PullReportView[];
}

export class PullModuleStatus implements Record<keyof PullStatus, unknown> {
  @ApiProperty({ enum: MODULES }) module: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'Pulled without gaps up to here.' })
  checkpoint: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The last PullCompleted or PullFailed: type, recorded_at and the run.',
  })
  last: Record<string, unknown> | null;
}

export class PullPartnerStatus {
  @ApiProperty() partner_id: string;
  @ApiProperty({ type: [PullModuleStatus] }) modules: PullModuleStatus[];
}
