import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { invalid } from '../../libs/domain/src';

/**
 * A path id that must be a UUID: anything else is 400 INVALID_ID naming the parameter, before any
 * lookup. The OpenAPI document says so (format uuid).
 */
export const IdParam =
  (name = 'id'): ParameterDecorator =>
  (target, key, index) => {
    Param(name, new ParseUUIDPipe({ exceptionFactory: () => invalid('INVALID_ID', `${name} must be a UUID`) }))(target, key, index);
    if (key !== undefined) ApiParam({ name, type: String, format: 'uuid' })(target, key, Object.getOwnPropertyDescriptor(target, key)!);
  };
