import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { documentedBody, whitelist } from './api-contract';
import { ApiCreatedResponse } from '@nestjs/swagger';

class Inner {
  @ApiProperty() name: string;
}

class Outer {
  @ApiProperty() id: string;
  @ApiProperty({ type: Inner }) inner: Inner;
  @ApiProperty({ type: [Inner] }) list: Inner[];
  @ApiPropertyOptional({ type: () => Inner, nullable: true }) lazy?: Inner | null;
  @ApiProperty({ type: Object, description: 'free-form' }) config: Record<string, unknown>;
  @ApiProperty() at: Date;
}

class Extended extends Outer {
  @ApiProperty() extra: number;
}

describe('response whitelist', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  const value = {
    id: 'a',
    credentials: 'sealed:secret',
    tenantId: 't',
    inner: { name: 'n', passwordHash: 'h' },
    list: [{ name: 'x', secret: 1 }],
    lazy: { name: 'l', token: 'z' },
    config: { anything: 1 },
    at,
  };

  it('keeps only the documented fields, nested and in arrays', () => {
    expect(whitelist(value, Outer)).toEqual({ id: 'a', inner: { name: 'n' }, list: [{ name: 'x' }], lazy: { name: 'l' }, config: { anything: 1 }, at });
  });

  it('follows inheritance, arrays of the model, null and absent fields', () => {
    expect(whitelist([{ ...value, extra: 2, lazy: null }], Extended, true)).toEqual([
      { id: 'a', inner: { name: 'n' }, list: [{ name: 'x' }], lazy: null, config: { anything: 1 }, at, extra: 2 },
    ]);
    expect(whitelist({ id: 'b' }, Outer)).toEqual({ id: 'b' });
  });

  it('reads the documented success body of a handler', () => {
    class C {
      @ApiCreatedResponse({ type: [Inner] })
      handler() {}
    }
    expect(documentedBody(C.prototype.handler, C)).toEqual({ model: Inner, isArray: true });
  });
});
