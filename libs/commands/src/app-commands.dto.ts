import { ApiProperty } from '@nestjs/swagger';
import { CommandType } from '@roamledger/ocpi';

export class CommandTargetDto {
  @ApiProperty({ example: 'DE' }) country_code: string;
  @ApiProperty({ example: 'ABC' }) party_id: string;
}

/** POST /api/commands */
export class AppCommandRequest {
  @ApiProperty({ type: CommandTargetDto, description: 'The CPO party to send the command to.' }) to: CommandTargetDto;
  @ApiProperty({ enum: CommandType }) command: CommandType;
  @ApiProperty({
    type: Object,
    description:
      'The OCPI command object without response_url (we add ours). Its `token` may be `{"uid", "type"}`: it is then filled from the token register. START_SESSION and RESERVE_NOW get an authorization_reference when they have none.',
    example: { token: { uid: 'APP-0001', type: 'APP_USER' }, location_id: 'LOC1', evse_uid: 'EVSE1' },
  })
  body: Record<string, unknown>;
}

export class AppCommandAccepted {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['PENDING'] }) status: 'PENDING';
}

export class AppCommand {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: CommandType }) command: string;
  @ApiProperty({
    description:
      'PENDING until the CPO answers; then its CommandResponse result (ACCEPTED, REJECTED, NOT_SUPPORTED, UNKNOWN_SESSION); then the CommandResult result, or TIMEOUT; FAILED or SKIPPED when the request did not reach the CPO.',
  })
  status: string;
  @ApiProperty({ type: Object, nullable: true, description: 'The CPO CommandResponse.' }) response: unknown;
  @ApiProperty({ type: Object, nullable: true, description: 'The CommandResult the CPO posted.' }) result: unknown;
  @ApiProperty({ nullable: true, required: false }) authorization_reference?: string | null;
  @ApiProperty({ nullable: true, required: false, description: 'Why a FAILED or SKIPPED command did not reach the CPO.' })
  failure?: string | null;
}

export class AppError {
  @ApiProperty({ type: 'integer' }) statusCode: number;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }) message: string | string[];
  @ApiProperty() error: string;
}
