import { ValidationError, ValidationPipe } from '@nestjs/common';
import { invalid } from '../../libs/domain/src';

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => (m.startsWith(e.property) ? `${prefix ? prefix + '.' : ''}${m}` : `${path}: ${m}`));
    return [...own, ...describe(e.children ?? [], path)];
  });
}

/** Whitelist validation: unknown fields (a smuggled tenantId, say) are rejected, not ignored. */
export const apiValidationPipe = () =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => invalid('VALIDATION_FAILED', describe(errors).join('; ')),
  });
