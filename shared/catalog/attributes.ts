import type { FieldError } from '../errors.js';
import type { AttributeDefinition, AttributeValue, Category } from './model.js';

/**
 * Typed product attributes. A category defines attributes (brand, dietary flags, origin...) for
 * its products and for every product below it, so a product is checked against the definitions
 * of its category and all its ancestors. A name is defined once along a branch: a child category
 * may add attributes but never redefine an inherited one, so the definitions never contradict.
 */

/** The attribute definitions in force for a category, given its chain from the root down to itself. */
export function effectiveDefinitions(chain: readonly Pick<Category, 'attributes'>[]): AttributeDefinition[] {
  return chain.flatMap((category) => category.attributes);
}

function describeType(definition: AttributeDefinition): string {
  switch (definition.type) {
    case 'enum':
      return `one of ${definition.values?.join(', ') ?? ''}`;
    case 'multi-enum':
      return `a list of distinct values from ${definition.values?.join(', ') ?? ''}`;
    default:
      return `a ${definition.type}`;
  }
}

function conforms(definition: AttributeDefinition, value: AttributeValue): boolean {
  const allowed = definition.values ?? [];
  switch (definition.type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'enum':
      return typeof value === 'string' && allowed.includes(value);
    case 'multi-enum':
      return Array.isArray(value) && new Set(value).size === value.length && value.every((v) => allowed.includes(v));
  }
}

/**
 * Checks a product's attribute values against the definitions in force for its category.
 * @param field where the attributes sit in the request, for the error paths
 * @returns one error per unknown, missing or ill-typed attribute; empty when all is well
 */
export function validateAttributes(
  values: Readonly<Record<string, AttributeValue>>,
  definitions: readonly AttributeDefinition[],
  field = 'body.attributes',
): FieldError[] {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(values)) {
    const definition = byName.get(name);
    if (!definition) {
      const known = [...byName.keys()].sort();
      errors.push({
        field: `${field}.${name}`,
        message: known.length > 0 ? `is not defined for this category; defined: ${known.join(', ')}` : 'is not defined for this category, which defines no attributes',
      });
    } else if (!conforms(definition, value)) {
      errors.push({ field: `${field}.${name}`, message: `must be ${describeType(definition)}` });
    }
  }
  for (const definition of definitions) {
    if (definition.required && !(definition.name in values)) {
      errors.push({ field: `${field}.${definition.name}`, message: `is required in this category and must be ${describeType(definition)}` });
    }
  }
  return errors;
}

/**
 * Checks a new category's attribute definitions: enums list their values and only they do, names
 * and values are distinct, and no inherited attribute is redefined.
 * @param inherited the definitions of the new category's ancestors
 * @param field where the definitions sit in the request, for the error paths
 */
export function validateDefinitions(
  definitions: readonly AttributeDefinition[],
  inherited: readonly AttributeDefinition[],
  field = 'body.attributes',
): FieldError[] {
  const errors: FieldError[] = [];
  const inheritedNames = new Set(inherited.map((d) => d.name));
  const seen = new Set<string>();
  definitions.forEach((definition, i) => {
    const at = `${field}.${i}`;
    const enumerated = definition.type === 'enum' || definition.type === 'multi-enum';
    if (enumerated && definition.values === undefined) errors.push({ field: `${at}.values`, message: `is required for type ${definition.type}` });
    if (!enumerated && definition.values !== undefined) errors.push({ field: `${at}.values`, message: `applies only to enum and multi-enum attributes` });
    if (definition.values && new Set(definition.values).size !== definition.values.length) {
      errors.push({ field: `${at}.values`, message: 'must not repeat a value' });
    }
    if (inheritedNames.has(definition.name)) {
      errors.push({ field: `${at}.name`, message: `${definition.name} is already defined by an ancestor category` });
    } else if (seen.has(definition.name)) {
      errors.push({ field: `${at}.name`, message: `${definition.name} is defined twice` });
    }
    seen.add(definition.name);
  });
  return errors;
}

/** The search term that `attr.<name>=<value>` looks for; matching ignores case. */
export function attributeTerm(name: string, value: string | number | boolean): string {
  return `${name}=${String(value)}`.toLowerCase();
}

/**
 * Flattens attribute values into `name=value` terms, one per list element, stored on the product
 * item so that a listing can filter with `contains` on a list (an exact element match) instead of
 * on the values themselves, where `contains` on a string would also match substrings.
 */
export function attributeTerms(values: Readonly<Record<string, AttributeValue>>): string[] {
  const terms = Object.entries(values).flatMap(([name, value]) =>
    Array.isArray(value) ? value.map((v) => attributeTerm(name, v)) : [attributeTerm(name, value)],
  );
  return [...new Set(terms)].sort();
}
