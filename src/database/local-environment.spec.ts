import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyRing } from '../../libs/crypto/src';
import { addLocalMasterKey, keepOnlyNewestLocalMasterKey } from './local-environment';

describe('embedded mode master keys (secrets:rotate)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mm-local-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = () => JSON.parse(readFileSync(join(dir, 'local-secrets.json'), 'utf8'));

  it('adds a new newest key to the local secrets file, then keeps only it', () => {
    const first = KeyRing.generateKey('local1');
    writeFileSync(join(dir, 'local-secrets.json'), JSON.stringify({ jwtSecret: 'j'.repeat(40), masterKeys: first }));
    const added = addLocalMasterKey(dir);
    expect(added.kid).toBe('local2');
    expect(file().masterKeys).toBe(added.ring);
    expect(KeyRing.parse(added.ring).kids).toEqual(['local1', 'local2']);
    expect(file().jwtSecret).toBe('j'.repeat(40));
    keepOnlyNewestLocalMasterKey(dir);
    expect(KeyRing.parse(file().masterKeys).kids).toEqual(['local2']);
    expect(addLocalMasterKey(dir).kid).toBe('local3');
  });
});
