import { IsEnum } from 'class-validator';
import { IsOcpiDateTime } from '../validation/datetime';
import { IsCountryCode, IsPartyId } from '../validation/decorators';
import { ConnectionStatus, Role } from './enums';

/** Classes of mod_hub_client_info.asciidoc. */

/** Connection status of one party connected to the Hub (HubClientInfo). */
export class ClientInfo {
  @IsPartyId()
  party_id: string;

  @IsCountryCode()
  country_code: string;

  @IsEnum(Role)
  role: Role;

  @IsEnum(ConnectionStatus)
  status: ConnectionStatus;

  @IsOcpiDateTime()
  last_updated: string;
}
