import { IsEnum, IsString, Matches } from 'class-validator';
import { IsNestedArray, IsOcpiUrl } from '../validation/decorators';
import { InterfaceRole, ModuleID, VersionNumber } from './enums';

/** Classes of version_information_endpoint.asciidoc. */

export class Version {
  @IsEnum(VersionNumber)
  version: VersionNumber;

  /** The version details endpoint. */
  @IsOcpiUrl()
  url: string;
}

export class Endpoint {
  /**
   * A ModuleID, or a custom module id: the spec lets parties extend ModuleID (e.g. `nltnm-tokens`),
   * so an unknown identifier is accepted rather than failing the whole version details.
   */
  @IsString()
  @Matches(/^[\x21-\x7E]+$/, { message: '$property must be a module id (printable ASCII, no spaces)' })
  identifier: ModuleID | string;

  /** Not meaningful for credentials, where SENDER is advised. */
  @IsEnum(InterfaceRole)
  role: InterfaceRole;

  @IsOcpiUrl()
  url: string;
}

export class VersionDetails {
  @IsEnum(VersionNumber)
  version: VersionNumber;

  @IsNestedArray(() => Endpoint, { minSize: 1 })
  endpoints: Endpoint[];
}
