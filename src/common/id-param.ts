import { Param, ParseUUIDPipe } from '@nestjs/common';
import { invalid } from '../../libs/domain/src';

/** A path id that must be a UUID: anything else is 400 INVALID_ID naming the parameter, before any lookup. */
export const IdParam = (name = 'id') => Param(name, new ParseUUIDPipe({ exceptionFactory: () => invalid('INVALID_ID', `${name} must be a UUID`) }));
