import type { Price } from '@roamledger/ocpi';
import type { Money } from '@roamledger/ocpi/values';
import type { Cost, PricingResult } from './price';

/** A priced session in the CDR's own cost fields (mod_cdrs), each rounded to the minor unit. */
export interface CdrCosts {
  total_cost: Price;
  total_fixed_cost: Price;
  total_energy_cost: Price;
  total_time_cost: Price;
  total_parking_cost: Price;
  total_reservation_cost: Price;
}

const amount = (money: Money) => money.rounded().toOcpiNumber();
const priceOf = (cost: Cost): Price => ({ excl_vat: amount(cost.exclVat), incl_vat: amount(cost.inclVat) });

/**
 * The CDR cost fields of a result, to set beside the ones a CPO sent. Each is rounded from its exact
 * amount, so the parts may not add up to the total by a minor unit, as on the CPO's side.
 */
export function cdrCostsOf(result: PricingResult): CdrCosts {
  return {
    total_cost: priceOf(result.total),
    total_fixed_cost: priceOf(result.costs.FLAT),
    total_energy_cost: priceOf(result.costs.ENERGY),
    total_time_cost: priceOf(result.costs.TIME),
    total_parking_cost: priceOf(result.costs.PARKING_TIME),
    total_reservation_cost: priceOf(result.costs.RESERVATION),
  };
}
