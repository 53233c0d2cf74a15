import { IsDefined, IsEnum, IsInt, IsOptional, ValidateIf } from 'class-validator';
import { IsOcpiDateTime } from '../validation/datetime';
import { IsCiString, IsNestedArray, IsNestedObject, IsOcpiUrl } from '../validation/decorators';
import { DisplayText } from './common.dto';
import { CommandResponseType, CommandResultType } from './enums';
import { Token } from './tokens.dto';

/** Classes of mod_commands.asciidoc: the request bodies and the two kinds of answer. */

export class CancelReservation {
  /** Where the CPO POSTs the CommandResult. */
  @IsOcpiUrl()
  response_url: string;

  @IsCiString(36)
  reservation_id: string;
}

export class ReserveNow {
  @IsOcpiUrl()
  response_url: string;

  @IsNestedObject(() => Token)
  token: Token;

  @IsOcpiDateTime()
  expiry_date: string;

  /** Reusing an id for the same Location replaces that reservation. */
  @IsCiString(36)
  reservation_id: string;

  @IsCiString(36)
  location_id: string;

  /** Absent: the Charge Point keeps any one EVSE available. */
  @IsOptional()
  @IsCiString(36)
  evse_uid?: string;

  @IsOptional()
  @IsCiString(36)
  authorization_reference?: string;
}

export class StartSession {
  @IsOcpiUrl()
  response_url: string;

  @IsNestedObject(() => Token)
  token: Token;

  @IsCiString(36)
  location_id: string;

  // Optional, but required when connector_id is given.
  @ValidateIf((request: StartSession) => request.evse_uid != null || request.connector_id != null)
  @IsDefined({ message: '$property must be set when connector_id is set' })
  @IsCiString(36)
  evse_uid?: string;

  /** Required by EVSEs with the START_SESSION_CONNECTOR_REQUIRED capability. */
  @IsOptional()
  @IsCiString(36)
  connector_id?: string;

  @IsOptional()
  @IsCiString(36)
  authorization_reference?: string;
}

export class StopSession {
  @IsOcpiUrl()
  response_url: string;

  @IsCiString(36)
  session_id: string;
}

export class UnlockConnector {
  @IsOcpiUrl()
  response_url: string;

  @IsCiString(36)
  location_id: string;

  @IsCiString(36)
  evse_uid: string;

  @IsCiString(36)
  connector_id: string;
}

/** The CPO's synchronous answer to a command request. */
export class CommandResponse {
  @IsEnum(CommandResponseType)
  result: CommandResponseType;

  /** Seconds to wait for the CommandResult before assuming it will never come. */
  @IsInt()
  timeout: number;

  @IsOptional()
  @IsNestedArray(() => DisplayText)
  message?: DisplayText[];
}

/** The asynchronous outcome, POSTed by the CPO to the request's response_url. */
export class CommandResult {
  @IsEnum(CommandResultType)
  result: CommandResultType;

  @IsOptional()
  @IsNestedArray(() => DisplayText)
  message?: DisplayText[];
}
