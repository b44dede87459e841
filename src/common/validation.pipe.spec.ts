import { IsInt, IsOptional, IsString, Min, getMetadataStorage, validateSync } from 'class-validator';
import { ListConversationsQueryDto } from '../conversations/conversation.dto';
import { rememberValidationRules } from './validation.pipe';

type Lookup = (target: object, schema: undefined, always: boolean, strictGroups: boolean) => unknown[];

class Base {
  @IsString() name: string;
}

describe('rememberValidationRules', () => {
  const storage = getMetadataStorage() as unknown as { getTargetValidationMetadatas: Lookup; validationMetadatas: Map<object, unknown[]> };
  const unremembered = storage.getTargetValidationMetadatas.bind(storage);
  rememberValidationRules();
  rememberValidationRules(); // idempotent: the app builds a pipe per app

  it("answers each class's rules as class-validator finds them, inherited ones included", () => {
    for (const target of [...storage.validationMetadatas.keys(), ListConversationsQueryDto, Base]) {
      const rules = storage.getTargetValidationMetadatas(target, undefined, false, false);
      expect(rules).toEqual(unremembered(target, undefined, false, false));
      expect(storage.getTargetValidationMetadatas(target, undefined, false, false)).toBe(rules);
    }
  });

  it('sees rules added after a validation, to a new subclass or to a class already validated', () => {
    expect(validateSync(Object.assign(new Base(), { name: 1 })).map((e) => e.property)).toEqual(['name']);
    class Later extends Base {
      @IsOptional() @IsInt() @Min(1) limit?: number;
    }
    const errors = validateSync(Object.assign(new Later(), { name: 2, limit: 0 }), { whitelist: true, forbidNonWhitelisted: true });
    expect(errors.map((e) => e.property).sort()).toEqual(['limit', 'name']);
    expect(validateSync(Object.assign(new Later(), { name: 'x', limit: 3 }))).toEqual([]);
    // A rule added to a class already validated (decorators are functions: a later import may apply one).
    IsInt()(Later.prototype, 'page');
    expect(validateSync(Object.assign(new Later(), { name: 'x', page: 'one' })).map((e) => e.property)).toEqual(['page']);
  });
});
