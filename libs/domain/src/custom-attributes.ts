import { invalid } from './errors';

/*
 * Custom attributes: typed fields an organization defines for its contacts and conversations.
 * Values are kept as JSON scalars (text, list and date as strings, number as a number), so an
 * equality filter is a containment test on the stored object.
 */

export const ATTRIBUTE_ENTITIES = ['contact', 'conversation'] as const;
export type AttributeEntity = (typeof ATTRIBUTE_ENTITIES)[number];
export const ATTRIBUTE_TYPES = ['text', 'number', 'date', 'list'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];
export type AttributeValue = string | number;
export type CustomAttributes = Record<string, AttributeValue>;

export interface AttributeDefinition {
  id: string;
  entity: AttributeEntity;
  key: string;
  label: string;
  type: AttributeType;
  /** The allowed values of a `list`; empty for the other types. */
  options: string[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * `constructor` and `prototype` are names every JavaScript object answers to: request bodies are
 * turned into class instances on the way in, which would drop such a key without a word.
 */
export const ATTRIBUTE_KEY = /^(?!(?:constructor|prototype)$)[a-z][a-z0-9_]{0,39}$/;
export const MAX_ATTRIBUTE_DEFINITIONS = 100;
export const MAX_TEXT_VALUE = 1000;
export const MAX_LIST_OPTIONS = 100;
export const MAX_OPTION_LENGTH = 100;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isCalendarDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** The list options as given, checked: distinct, non-empty, short. */
export function checkOptions(type: AttributeType, options: readonly string[] | undefined): string[] {
  if (type !== 'list') {
    if (options?.length) throw invalid('VALIDATION_FAILED', `options are only for list attributes, not ${type}`);
    return [];
  }
  const list = (options ?? []).map((o) => o.trim());
  if (list.length === 0) throw invalid('VALIDATION_FAILED', 'a list attribute needs options');
  if (list.length > MAX_LIST_OPTIONS) throw invalid('VALIDATION_FAILED', `a list attribute has at most ${MAX_LIST_OPTIONS} options`);
  if (list.some((o) => o.length === 0 || o.length > MAX_OPTION_LENGTH)) throw invalid('VALIDATION_FAILED', `options are 1 to ${MAX_OPTION_LENGTH} characters`);
  if (new Set(list).size !== list.length) throw invalid('VALIDATION_FAILED', 'options must be distinct');
  return list;
}

/** One value checked against its definition: the value to store, or a 400 naming the key. */
export function attributeValue(def: AttributeDefinition, value: unknown): AttributeValue {
  const bad = (why: string) => invalid('INVALID_ATTRIBUTE_VALUE', `customAttributes.${def.key}: ${why}`);
  switch (def.type) {
    case 'text':
      if (typeof value !== 'string') throw bad('must be text');
      if (value.length > MAX_TEXT_VALUE) throw bad(`at most ${MAX_TEXT_VALUE} characters`);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('must be a number');
      return value;
    case 'date':
      if (typeof value !== 'string' || !isCalendarDate(value)) throw bad('must be a date (YYYY-MM-DD)');
      return value;
    case 'list':
      if (typeof value !== 'string' || !def.options.includes(value)) throw bad(`must be one of ${def.options.map((o) => JSON.stringify(o)).join(', ')}`);
      return value;
  }
}

/**
 * A write of custom attributes (`null` removes a key) checked against the entity's definitions:
 * what to set and what to remove. A key without a definition is refused, not stored.
 */
export function attributeChanges(definitions: readonly AttributeDefinition[], values: Record<string, unknown>): { set: CustomAttributes; remove: string[] } {
  const set: CustomAttributes = {};
  const remove: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const def = definitions.find((d) => d.key === key);
    if (!def)
      throw invalid(
        'UNKNOWN_ATTRIBUTE',
        `customAttributes.${key.slice(0, 60)} is not defined for this organization; define it first (POST /api/attribute-definitions)`,
      );
    if (value === null) remove.push(key);
    else set[key] = attributeValue(def, value);
  }
  return { set, remove };
}

/**
 * `key:value` filters (all must hold), read against the definitions: the object a row's
 * attributes must contain. A number attribute compares as a number, the others as given.
 */
export function attributeFilter(definitions: readonly AttributeDefinition[], filters: readonly string[]): CustomAttributes {
  const wanted: CustomAttributes = {};
  for (const f of filters) {
    const colon = f.indexOf(':');
    if (colon <= 0) throw invalid('VALIDATION_FAILED', 'attribute filters are key:value');
    const key = f.slice(0, colon);
    const raw = f.slice(colon + 1);
    const def = definitions.find((d) => d.key === key);
    if (!def) throw invalid('UNKNOWN_ATTRIBUTE', `${key.slice(0, 60)} is not a defined attribute`);
    wanted[key] = attributeValue(def, def.type === 'number' && raw.trim() !== '' ? Number(raw) : raw);
  }
  return wanted;
}
