import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Rules = ReturnType<Storage['getTargetValidationMetadatas']>;
type Grouped = ReturnType<Storage['groupByPropertyName']>;

let remembering = false;

/**
 * class-validator looks up a class's rules for every object it validates, and the lookup scans
 * every validated class of the process for ancestors (hundreds here: three OCPI versions' DTOs):
 * a fifth of a CDR's validation, measured. A class's rules are fixed once it is defined, so the
 * lookup (and its grouping by property) is kept per class and forgotten whenever a rule is added.
 * Lookups by validation group are left to class-validator: nothing here validates by group.
 */
export function rememberValidationRules(): void {
  if (remembering) return;
  remembering = true;
  const storage = getMetadataStorage();
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const addRule = storage.addValidationMetadata.bind(storage);
  const addConstraint = storage.addConstraintMetadata.bind(storage);
  let rules = new Map<unknown, Map<string, Rules>>();
  let grouped = new WeakMap<Rules, Grouped>();
  const forget = () => {
    rules = new Map();
    grouped = new WeakMap();
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (groups?.length) return lookup(target, schema, always, strictGroups, groups);
    const key = `${schema}\u0000${always}\u0000${strictGroups}`;
    let byOptions = rules.get(target);
    if (!byOptions) {
      byOptions = new Map();
      rules.set(target, byOptions);
    }
    let found = byOptions.get(key);
    if (!found) {
      found = lookup(target, schema, always, strictGroups, groups);
      byOptions.set(key, found);
    }
    return found;
  };
  storage.groupByPropertyName = (metadata) => {
    let found = grouped.get(metadata);
    if (!found) {
      found = group(metadata);
      grouped.set(metadata, found);
    }
    return found;
  };
  storage.addValidationMetadata = (metadata) => {
    addRule(metadata);
    forget();
  };
  storage.addConstraintMetadata = (metadata) => {
    addConstraint(metadata);
    forget();
  };
}
