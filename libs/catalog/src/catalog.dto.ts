import { ApiProperty } from '@nestjs/swagger';

/** What the catalog API answers, as its OpenAPI document shows it (generated from these classes). */

const TIME = { type: 'string', format: 'date-time', description: 'ISO 8601, UTC' } as const;
const POSITION = { type: 'integer', description: 'The log position the answer was read at.' } as const;
const OCPI_OBJECT = (description: string) => ApiProperty({ type: 'object', additionalProperties: true, description });

export class CatalogError {
  @ApiProperty() statusCode: number;
  @ApiProperty() message: string;
  @ApiProperty({ required: false }) error?: string;
}

export class CatalogLocationPage {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'OCPI 2.2.1 Location objects with their EVSEs and connectors, as we hold them.',
  })
  items: object[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  next_cursor: string | null;
  @ApiProperty(POSITION) position: number;
}

export class CatalogLocationDetail {
  @OCPI_OBJECT('The OCPI 2.2.1 Location, EVSEs and connectors included; last_updated is the latest of the tree.')
  location: object;
  @ApiProperty(POSITION) position: number;
}

export class CatalogTariffVersion {
  @ApiProperty({ description: 'Version number, from 1.' }) version: number;
  @ApiProperty({ ...TIME, description: 'In force from (the version’s last_updated).' }) valid_from: string;
  @ApiProperty({
    ...TIME,
    nullable: true,
    description: 'Until (exclusive): the next version, or the DELETE; null while current.',
  })
  valid_to: string | null;
  @ApiProperty({ ...TIME, nullable: true, description: 'When the tariff was deleted, on its last version.' })
  removed_at: string | null;
  @OCPI_OBJECT('The OCPI 2.2.1 Tariff of this version.') tariff: object;
}

export class CatalogTariffAt extends CatalogTariffVersion {
  @ApiProperty({ ...TIME, description: 'The instant asked for.' }) at: string;
  @ApiProperty(POSITION) position: number;
}

export class CatalogTariffHistory {
  @ApiProperty({ type: [CatalogTariffVersion] }) versions: CatalogTariffVersion[];
  @ApiProperty(POSITION) position: number;
}

export class CatalogStatusChange {
  @ApiProperty({ description: 'OCPI EVSE Status.' }) status: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'The status before; null for the first.' }) from_status:
    | string
    | null;
  @ApiProperty({ ...TIME, description: 'When it changed, by the CPO (the last_updated it sent).' }) changed_at: string;
  @ApiProperty({ ...TIME, description: 'When we recorded it.' }) recorded_at: string;
  @ApiProperty(POSITION) position: number;
}

export class CatalogStatusHistory {
  @ApiProperty({ type: 'string', nullable: true, description: 'The status in force at `from` (null: unknown or not asked).' })
  status_at_from: string | null;
  @ApiProperty({ type: [CatalogStatusChange] }) changes: CatalogStatusChange[];
  @ApiProperty(POSITION) position: number;
}
