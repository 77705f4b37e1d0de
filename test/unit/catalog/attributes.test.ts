import { describe, expect, it } from 'vitest';
import { attributeTerms, effectiveDefinitions, validateAttributes, validateDefinitions } from '../../../shared/catalog/attributes.js';
import type { AttributeDefinition } from '../../../shared/catalog/model.js';

const food: AttributeDefinition[] = [
  { name: 'brand', type: 'string', required: true },
  { name: 'dietary', type: 'multi-enum', values: ['vegan', 'vegetarian', 'gluten-free'], required: false },
];
const produce: AttributeDefinition[] = [
  { name: 'origin', type: 'enum', values: ['GB', 'ES', 'NL'], required: false },
  { name: 'organic', type: 'boolean', required: false },
  { name: 'shelfLifeDays', type: 'number', required: false },
];
const definitions = effectiveDefinitions([{ attributes: food }, { attributes: produce }]);

describe('validateAttributes', () => {
  it('accepts values that fit the definitions of the category and its ancestors', () => {
    expect(
      validateAttributes({ brand: 'Acme', dietary: ['vegan', 'gluten-free'], origin: 'ES', organic: true, shelfLifeDays: 7 }, definitions),
    ).toEqual([]);
  });

  it('reports a missing required attribute inherited from an ancestor', () => {
    expect(validateAttributes({ origin: 'GB' }, definitions)).toEqual([
      { field: 'body.attributes.brand', message: 'is required in this category and must be a string' },
    ]);
  });

  it('reports each ill-typed value with what was expected', () => {
    const errors = validateAttributes({ brand: 3, organic: 'yes', shelfLifeDays: '7', origin: 'FR', dietary: ['vegan', 'keto'] }, definitions);
    expect(Object.fromEntries(errors.map((e) => [e.field, e.message]))).toEqual({
      'body.attributes.brand': 'must be a string',
      'body.attributes.organic': 'must be a boolean',
      'body.attributes.shelfLifeDays': 'must be a number',
      'body.attributes.origin': 'must be one of GB, ES, NL',
      'body.attributes.dietary': 'must be a list of distinct values from vegan, vegetarian, gluten-free',
    });
  });

  it('refuses repeated values in a multi-enum and a list where a single enum value is expected', () => {
    const errors = validateAttributes({ brand: 'Acme', dietary: ['vegan', 'vegan'], origin: ['GB'] }, definitions);
    expect(errors.map((e) => e.field).sort()).toEqual(['body.attributes.dietary', 'body.attributes.origin']);
  });

  it('names the defined attributes when a product uses an unknown one', () => {
    const [error] = validateAttributes({ brand: 'Acme', colour: 'red' }, definitions, 'body.attributes');
    expect(error).toEqual({
      field: 'body.attributes.colour',
      message: 'is not defined for this category; defined: brand, dietary, organic, origin, shelfLifeDays',
    });
  });

  it('uses the given field prefix, so imports can point at their own rows', () => {
    expect(validateAttributes({}, definitions, 'row.12.attributes')[0]?.field).toBe('row.12.attributes.brand');
  });
});

describe('validateDefinitions', () => {
  it('accepts well-formed definitions that add to the inherited ones', () => {
    expect(validateDefinitions(produce, food)).toEqual([]);
  });

  it('requires values for enums and forbids them elsewhere', () => {
    const errors = validateDefinitions(
      [
        { name: 'origin', type: 'enum', required: false },
        { name: 'organic', type: 'boolean', values: ['yes'], required: false },
      ],
      [],
    );
    expect(errors).toEqual([
      { field: 'body.attributes.0.values', message: 'is required for type enum' },
      { field: 'body.attributes.1.values', message: 'applies only to enum and multi-enum attributes' },
    ]);
  });

  it('refuses redefining an inherited attribute, a name defined twice, and repeated enum values', () => {
    const errors = validateDefinitions(
      [
        { name: 'brand', type: 'string', required: false },
        { name: 'origin', type: 'enum', values: ['GB', 'GB'], required: false },
        { name: 'origin', type: 'string', required: false },
      ],
      food,
    );
    expect(errors).toEqual([
      { field: 'body.attributes.0.name', message: 'brand is already defined by an ancestor category' },
      { field: 'body.attributes.1.values', message: 'must not repeat a value' },
      { field: 'body.attributes.2.name', message: 'origin is defined twice' },
    ]);
  });
});

describe('attributeTerms', () => {
  it('flattens values to distinct lower-case name=value terms, one per list element', () => {
    expect(attributeTerms({ brand: 'Acme', dietary: ['Vegan', 'gluten-free'], organic: true, shelfLifeDays: 7 })).toEqual([
      'brand=acme',
      'dietary=gluten-free',
      'dietary=vegan',
      'organic=true',
      'shelflifedays=7',
    ]);
  });
});
