import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { invalid } from '../../libs/domain/src';

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => (m.startsWith(e.property) ? `${prefix ? prefix + '.' : ''}${m}` : `${path}: ${m}`));
    return [...own, ...describe(e.children ?? [], path)];
  });
}

/** Paths of the strings in `value` that hold U+0000 (nested objects and arrays included). */
function nulPaths(value: unknown, path: string): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path || 'value'] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulPaths(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nulPaths(v, path ? `${path}.${k}` : k));
  return [];
}

/**
 * Whitelist validation: unknown fields (a smuggled tenantId, say) are rejected, not ignored.
 * No string may hold U+0000 either: PostgreSQL cannot store it in text or jsonb, so it would fail
 * deep in a write instead of here. (Webhook payloads are not DTOs: they are stored with the
 * character replaced, see storableJson.)
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
      const paths = nulPaths(value, metadata.type === 'body' ? '' : (metadata.data ?? ''));
      if (paths.length) throw invalid('VALIDATION_FAILED', paths.map((p) => `${p} must not contain the character U+0000`).join('; '));
    }
    return super.transform(value, metadata);
  }
}

export const apiValidationPipe = () => new ApiValidationPipe();
