import { IsOptional } from 'class-validator';
import { IsNestedArray, IsOcpiNumber, IsOcpiString } from '../validation/decorators';

/**
 * OCPI 2.3.0 wire classes where 2.3.0 differs from the model (2.2.1) in the objects taken here:
 * prices carry taxes by name (North American taxes, types.asciidoc Price/TaxAmount) instead of
 * excl_vat/incl_vat, and tariff limits are PriceLimits (before_taxes/after_taxes).
 */
export class TaxAmount230 {
  @IsOcpiString(255)
  name: string;

  @IsOptional()
  @IsOcpiString(255)
  account_number?: string;

  @IsOptional()
  @IsOcpiNumber()
  percentage?: number;

  @IsOcpiNumber()
  amount: number;
}

export class Price230 {
  @IsOcpiNumber()
  before_taxes: number;

  @IsOptional()
  @IsNestedArray(() => TaxAmount230)
  taxes?: TaxAmount230[];
}

export class PriceLimit230 {
  @IsOcpiNumber()
  before_taxes: number;

  @IsOptional()
  @IsOcpiNumber()
  after_taxes?: number;
}
