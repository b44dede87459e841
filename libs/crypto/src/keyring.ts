import { randomBytes } from 'node:crypto';
import { KEY_BYTES, open, seal } from './aead';
import { KeyRingError } from './errors';

/** Key ids travel inside every ciphertext, so they are short and never contain the `.` separator. */
const KID = /^[A-Za-z0-9_-]{1,32}$/;
/** Standard base64, padded: a 32-byte key is always 44 characters ending in one `=`. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export const isValidKid = (kid: string): boolean => KID.test(kid);

/**
 * The master keys (key-encryption keys) from `MM_MASTER_KEYS=kid:base64key,kid2:base64key2`.
 * The LAST entry is the newest: it wraps every new data key; older ones stay to decrypt
 * what they wrapped until a rotation job has rewrapped it, then they can be removed.
 *
 * Key bytes live in a private field and never leave this class: SecretBox asks the ring to
 * wrap and unwrap data keys, so no caller (or logger, or JSON.stringify) can read a master key.
 */
export class KeyRing {
  readonly #keys: ReadonlyMap<string, Buffer>;
  /** Key id that encrypts new secrets. */
  readonly newest: string;

  private constructor(keys: Map<string, Buffer>, newest: string) {
    this.#keys = keys;
    this.newest = newest;
  }

  /** Parses the config value; throws KeyRingError naming the entry and the problem, never the key. */
  static parse(raw: string | undefined): KeyRing {
    if (raw === undefined || raw.trim() === '') throw new KeyRingError('MM_MASTER_KEYS is empty: expected kid:base64key[,kid2:base64key2]');
    const keys = new Map<string, Buffer>();
    let newest = '';
    raw.split(',').forEach((entry, i) => {
      // Entries are numbered from 1 and identified by number only: a malformed entry may be a bare key.
      const where = `MM_MASTER_KEYS entry ${i + 1}`;
      const colon = entry.indexOf(':');
      if (colon < 0) throw new KeyRingError(`${where} is not of the form kid:base64key`);
      const kid = entry.slice(0, colon).trim();
      const encoded = entry.slice(colon + 1).trim();
      if (!isValidKid(kid)) throw new KeyRingError(`${where}: key id must be 1-32 characters of A-Z a-z 0-9 _ -`);
      if (keys.has(kid)) throw new KeyRingError(`${where}: duplicate key id "${kid}"`);
      const key = Buffer.from(encoded, 'base64');
      // Node's decoder skips invalid characters silently; re-encoding catches typos and truncation.
      if (!BASE64.test(encoded) || key.toString('base64') !== encoded) {
        key.fill(0);
        throw new KeyRingError(`${where} ("${kid}"): key is not valid padded base64`);
      }
      if (key.length !== KEY_BYTES) {
        key.fill(0);
        throw new KeyRingError(`${where} ("${kid}"): key must be ${KEY_BYTES} bytes, got ${key.length}`);
      }
      keys.set(kid, key);
      newest = kid;
    });
    return new KeyRing(keys, newest);
  }

  /** A fresh `kid:base64key` entry to append to MM_MASTER_KEYS (random 32 bytes). */
  static generateKey(kid: string): string {
    if (!isValidKid(kid)) throw new KeyRingError('key id must be 1-32 characters of A-Z a-z 0-9 _ -');
    const key = randomBytes(KEY_BYTES);
    const entry = `${kid}:${key.toString('base64')}`;
    key.fill(0);
    return entry;
  }

  has(kid: string): boolean {
    return this.#keys.has(kid);
  }

  /** Key ids, oldest first; safe to log. */
  get kids(): string[] {
    return [...this.#keys.keys()];
  }

  /** Encrypts a data key under master key `kid`: nonce ‖ wrapped key ‖ tag. */
  wrapKey(kid: string, dataKey: Buffer, aad: Buffer): Buffer {
    const key = this.#keys.get(kid);
    if (!key) throw new KeyRingError(`unknown master key id "${kid}"`);
    return seal(key, dataKey, aad);
  }

  /** The data key, or null if `kid` is unknown or the wrapped key / AAD does not authenticate. */
  unwrapKey(kid: string, wrapped: Buffer, aad: Buffer): Buffer | null {
    const key = this.#keys.get(kid);
    return key ? open(key, wrapped, aad) : null;
  }
}
