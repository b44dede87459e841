import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { type MetadataStorage, getMetadataStorage } from 'class-validator';
import { invalid } from '../../libs/domain/src';
import { storableText, unstorableCharacter } from '../database/storable';

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => (m.startsWith(e.property) ? `${prefix ? prefix + '.' : ''}${m}` : `${path}: ${m}`));
    return [...own, ...describe(e.children ?? [], path)];
  });
}

/**
 * Where `value` holds a string (a value or a key, nested objects and arrays included) that
 * PostgreSQL cannot store, and what is wrong there. Walked with a stack, not recursion: the
 * body parser bounds the depth, but this must not be what overflows if it ever lets more through.
 */
function unstorablePaths(value: unknown, root: string): string[] {
  const found: string[] = [];
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const what = unstorableCharacter(v);
      if (what) found.push(`${path || 'value'} must not contain ${what}`);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v).reverse()) {
        const what = unstorableCharacter(k);
        // The key is named as it can be printed: the bad character itself would not survive.
        const name = path ? `${path}.${storableText(k)}` : storableText(k);
        if (what) found.push(`the name of ${name} must not contain ${what}`);
        else stack.push([child, name]);
      }
    }
  }
  return found;
}

type Rules = ReturnType<MetadataStorage['getTargetValidationMetadatas']>;
type RuleStorage = {
  getTargetValidationMetadatas(target: object, schema: string | undefined, always: boolean, strictGroups: boolean, groups?: string[]): Rules;
  groupByPropertyName(rules: Rules): Record<string, Rules>;
  addValidationMetadata(rule: Rules[number]): void;
  addConstraintMetadata(constraint: unknown): void;
};
const remembering = Symbol('mm.rememberedRules');

/**
 * Makes class-validator look up a class's rules once, not on every validation. It filtered every
 * rule of the class, tested the class against every validated class of the app (a few hundred)
 * for inherited rules, and grouped them by property, for each query and body it validated: with
 * the allocations, a tenth of the CPU of an authenticated API request. Rules are added as classes
 * load; any addition forgets what was remembered. Only the plain lookup (no groups, no `always`,
 * no schema: how this app validates) is remembered; callers only read the answers.
 */
export function rememberValidationRules(storage = getMetadataStorage() as unknown as RuleStorage & { [remembering]?: true }): void {
  if (storage[remembering]) return;
  storage[remembering] = true;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  let rulesOf = new Map<object, Rules>();
  let byProperty = new WeakMap<Rules, Record<string, Rules>>();
  const forgetting =
    <A extends unknown[]>(add: (...args: A) => void) =>
    (...args: A) => {
      add(...args);
      rulesOf = new Map();
      byProperty = new WeakMap();
    };
  storage.addValidationMetadata = forgetting(storage.addValidationMetadata.bind(storage));
  storage.addConstraintMetadata = forgetting(storage.addConstraintMetadata.bind(storage));
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (schema !== undefined || always || strictGroups || groups?.length) return lookup(target, schema, always, strictGroups, groups);
    let rules = rulesOf.get(target);
    if (!rules) rulesOf.set(target, (rules = lookup(target, schema, always, strictGroups, groups)));
    return rules;
  };
  storage.groupByPropertyName = (rules) => {
    let grouped = byProperty.get(rules);
    if (!grouped) byProperty.set(rules, (grouped = group(rules)));
    return grouped;
  };
}

/**
 * Whitelist validation: unknown fields (a smuggled tenantId, say) are rejected, not ignored.
 * No string may hold U+0000 or an unpaired UTF-16 surrogate either (JSON can carry both, as
 * `\u0000` and `\ud800`): PostgreSQL cannot store them, so they would fail deep in a write
 * instead of here, and some validators (IsEmail) throw on a lone surrogate. They are refused
 * before any validator runs, naming the field, rather than replaced: a login, a password or a
 * message silently changed is worse than a clear 400. (Webhook payloads are not DTOs: they are
 * stored with the characters replaced, see storableJson.)
 */
@Injectable()
class ApiValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => invalid('VALIDATION_FAILED', describe(errors).join('; ')),
    });
  }

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom' && metadata.metatype && this.toValidate(metadata)) {
      const problems = unstorablePaths(value, metadata.type === 'body' ? '' : (metadata.data ?? ''));
      if (problems.length) throw invalid('VALIDATION_FAILED', problems.join('; '));
    }
    return super.transform(value, metadata);
  }
}

export const apiValidationPipe = () => {
  rememberValidationRules();
  return new ApiValidationPipe();
};
