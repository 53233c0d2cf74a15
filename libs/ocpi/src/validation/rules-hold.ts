import { getMetadataStorage, ValidationTypes } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Rule = ReturnType<Storage['getTargetValidationMetadatas']>[number];

/** class-validator left a rule here that this walk does not run (a promise): its own run must answer. */
class NotWalked extends Error {}

/**
 * True when class-validator's validateSync(object, { whitelist: true, forbidUnknownValues: true,
 * skipMissingProperties }) would find nothing wrong; and, like it, strips the properties no rule
 * names, at every depth. The same rules (class-validator's metadata, through the same lookup) and
 * the same constraint functions, taken in class-validator's order (ValidationExecutor, 0.15):
 * a property's conditions, then IsDefined, then the rest, then nested objects.
 *
 * Why by hand: validateSync builds an error object per property of every object it walks, valid or
 * not, and answers with the tree; for a valid CDR that was 46 µs of the 80 µs its validation took,
 * and validation was a fifth of the hub's request thread under POST CDR load. This walk only says
 * yes or no; a no (or a rule it does not run) is answered by class-validator itself, so every
 * message still comes from there. test/ocpi/rules-hold.test.ts compares the two on thousands of
 * altered OCPI objects.
 */
export function rulesHold(object: object, options: { skipMissingProperties?: boolean } = {}): boolean | undefined {
  try {
    return holds(object, undefined, options.skipMissingProperties === true);
  } catch {
    // NotWalked, or a constraint that threw: class-validator's own run meets it as before.
    return undefined;
  }
}

type Constraint = ReturnType<Storage['getTargetValidatorConstraints']>[number];

const { CUSTOM_VALIDATION, NESTED_VALIDATION, PROMISE_VALIDATION, CONDITIONAL_VALIDATION, WHITELIST, IS_DEFINED } =
  ValidationTypes;

interface Check {
  rule: Rule;
  /** The rule's synchronous constraints (validateSync skips the others). */
  constraints: Constraint[];
}

interface PropertyPlan {
  name: string;
  conditions: Array<(object: object, value: unknown) => boolean>;
  defined: Check[];
  custom: Check[];
  nested: Rule[];
}

/** A class's rules sorted once the way the executor sorts them on every object. */
interface ClassPlan {
  /** The class's name, as class-validator hands it to constraints (targetName). */
  targetName: string;
  /** Properties some rule names: the others are stripped (whitelist). */
  named: Set<string>;
  properties: PropertyPlan[];
}

const plans = new WeakMap<readonly Rule[], ClassPlan>();

/** Keyed by the rules list, which rememberValidationRules renews whenever a rule or constraint is added. */
function planOf(rules: readonly Rule[], target: object): ClassPlan {
  let plan = plans.get(rules);
  if (plan) return plan;
  const store = getMetadataStorage();
  const checks = (list: Rule[]) =>
    list.map((rule) => ({
      rule,
      constraints: store.getTargetValidatorConstraints(rule.constraintCls).filter((constraint) => !constraint.async),
    }));
  const byProperty = store.groupByPropertyName(rules as Rule[]);
  const properties: PropertyPlan[] = [];
  for (const name of Object.keys(byProperty)) {
    const all = byProperty[name];
    const defined = all.filter((rule) => rule.type === IS_DEFINED);
    const others = all.filter((rule) => rule.type !== IS_DEFINED && rule.type !== WHITELIST);
    if (others.some((rule) => rule.type === PROMISE_VALIDATION)) throw new NotWalked();
    properties.push({
      name,
      conditions: others
        .filter((rule) => rule.type === CONDITIONAL_VALIDATION)
        .map((rule) => rule.constraints[0] as (object: object, value: unknown) => boolean),
      defined: checks(defined),
      custom: checks(others.filter((rule) => rule.type === CUSTOM_VALIDATION)),
      nested: others.filter((rule) => rule.type === NESTED_VALIDATION),
    });
  }
  const targetName = (target as { constructor?: { name: string } }).constructor?.name ?? '';
  plan = { targetName, named: new Set(Object.keys(byProperty)), properties };
  plans.set(rules, plan);
  return plan;
}

function holds(object: object, schema: string | undefined, skipMissing: boolean): boolean {
  const rules = getMetadataStorage().getTargetValidationMetadatas(
    object.constructor,
    schema as string,
    false,
    false,
    undefined as never,
  );
  // forbidUnknownValues: an object no rule names is an error.
  if (rules.length === 0) return false;
  const plan = planOf(rules, object);
  const record = object as Record<string, unknown>;
  // whitelist: stripped, never refused (forbidNonWhitelisted is off).
  for (const key of Object.keys(record)) if (!plan.named.has(key)) delete record[key];
  for (const property of plan.properties) {
    // A no ends the walk: class-validator's run that follows strips the rest, as it would have.
    if (!propertyHolds(object, record[property.name], property, skipMissing, plan.targetName)) return false;
  }
  return true;
}

function propertyHolds(
  object: object,
  value: unknown,
  plan: Pick<PropertyPlan, 'conditions' | 'defined' | 'custom' | 'nested'>,
  skipMissing: boolean,
  targetName: string,
): boolean {
  // class-validator calls every condition (map, then reduce): so does this.
  let met = true;
  for (const condition of plan.conditions) if (!condition(object, value)) met = false;
  if (!met) return true;
  if (!checksHold(object, value, plan.defined, targetName)) return false;
  if ((value === null || value === undefined) && skipMissing) return true;
  return checksHold(object, value, plan.custom, targetName) && nestedHolds(value, plan.nested, skipMissing);
}

function checksHold(object: object, value: unknown, checks: Check[], targetName: string): boolean {
  for (const { rule, constraints } of checks) {
    if (rule.validateIf && !rule.validateIf(object, value)) continue;
    if (constraints.length === 0) continue;
    const args = {
      targetName,
      property: rule.propertyName,
      object,
      value,
      constraints: rule.constraints,
    };
    const eachValue = rule.each && (Array.isArray(value) || value instanceof Set || value instanceof Map);
    for (const constraint of constraints) {
      if (eachValue) {
        const items = value instanceof Map ? [...value.values()] : [...(value as Iterable<unknown>)];
        const results = items.map((item) => constraint.instance.validate(item, args));
        if (results.some((result) => result instanceof Promise)) throw new NotWalked();
        if (!results.every(Boolean)) return false;
      } else {
        const result = constraint.instance.validate(value, args);
        if (result instanceof Promise) throw new NotWalked();
        if (!result) return false;
      }
    }
  }
  return true;
}

/** An item of a list, as class-validator takes it: under the list's nested rules alone. */
const itemPlan = (nested: Rule[]) => ({ conditions: [], defined: [], custom: [], nested });

function nestedHolds(value: unknown, rules: Rule[], skipMissing: boolean): boolean {
  if (value === undefined || rules.length === 0) return true;
  const plan = itemPlan(rules);
  for (const rule of rules) {
    if (Array.isArray(value) || value instanceof Set || value instanceof Map) {
      const items = value instanceof Set ? [...value] : value instanceof Map ? [...value.values()] : value;
      for (const item of items) if (!propertyHolds(value, item, plan, skipMissing, 'Array')) return false;
    } else if (value instanceof Object) {
      if (!holds(value, typeof rule.target === 'string' ? rule.target : rule.target.name, skipMissing)) return false;
    } else {
      return false;
    }
  }
  return true;
}
