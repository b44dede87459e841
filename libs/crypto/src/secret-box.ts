import { randomBytes } from 'node:crypto';
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES, open, seal } from './aead';
import { DecryptionError } from './errors';
import { KeyRing, isValidKid } from './keyring';

/**
 * What a secret belongs to, e.g. `{ tenantId, channelId }`. It is not stored in the ciphertext but
 * authenticated with it (AEAD associated data), so a ciphertext copied to another row or tenant
 * does not decrypt there. Pass exactly the same entries to decrypt as to encrypt.
 */
export type SecretContext = Readonly<Record<string, string>>;

const VERSION = 'v1';
const WRAPPED_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Envelope encryption for credentials at rest (AES-256-GCM throughout):
 *
 *   v1.<kid>.<base64url(nonce ‖ wrapped data key ‖ tag)>.<base64url(nonce ‖ ciphertext ‖ tag)>
 *
 * Each secret gets its own random data key; only that 32-byte key is encrypted ("wrapped") with
 * the newest master key `kid`. The kid in the string picks the master key on decryption, so
 * secrets written before a rotation keep decrypting while the old key stays in the ring.
 */
export class SecretBox {
  constructor(private readonly ring: KeyRing) {}

  encrypt(plaintext: string | Buffer, context: SecretContext): string {
    const pairs = canonicalPairs(context);
    if (typeof plaintext !== 'string' && !Buffer.isBuffer(plaintext)) throw new TypeError('plaintext must be a string or a Buffer');
    // Our own UTF-8 copy of a string can be wiped; a caller's Buffer is the caller's to wipe.
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const kid = this.ring.newest;
    const dataKey = randomBytes(KEY_BYTES);
    try {
      const payload = seal(dataKey, data, aad(kid, 'payload', pairs));
      const wrapped = this.ring.wrapKey(kid, dataKey, aad(kid, 'data-key', pairs));
      return [VERSION, kid, wrapped.toString('base64url'), payload.toString('base64url')].join('.');
    } finally {
      dataKey.fill(0);
      if (data !== plaintext) data.fill(0);
    }
  }

  /** The plaintext bytes; wipe them (`fill(0)`) once used. Throws DecryptionError. */
  decrypt(ciphertext: string, context: SecretContext): Buffer {
    const pairs = canonicalPairs(context);
    const { kid, wrapped, payload } = parse(ciphertext);
    if (!this.ring.has(kid)) throw new DecryptionError('unknown_key', `master key "${kid}" is not in the key ring`);
    const dataKey = this.ring.unwrapKey(kid, wrapped, aad(kid, 'data-key', pairs));
    if (!dataKey) throw authenticationFailed();
    try {
      const plaintext = open(dataKey, payload, aad(kid, 'payload', pairs));
      if (!plaintext) throw authenticationFailed();
      return plaintext;
    } finally {
      dataKey.fill(0);
    }
  }

  /** Decrypts to a UTF-8 string (which, unlike a Buffer, cannot be wiped afterwards). */
  decryptString(ciphertext: string, context: SecretContext): string {
    const bytes = this.decrypt(ciphertext, context);
    try {
      return bytes.toString('utf8');
    } finally {
      bytes.fill(0);
    }
  }

  /** Whether the ciphertext is under an older master key than the newest. Throws DecryptionError if malformed. */
  needsRewrap(ciphertext: string): boolean {
    return parse(ciphertext).kid !== this.ring.newest;
  }

  /**
   * The same secret under the newest master key, for key rotation; the input itself when it is
   * already there (without decrypting it). Re-encrypts with a fresh data key rather than rewrapping
   * the old one, so whoever obtains the retired master key cannot open the new ciphertext either.
   */
  rewrap(ciphertext: string, context: SecretContext): string {
    if (!this.needsRewrap(ciphertext)) return ciphertext;
    const plaintext = this.decrypt(ciphertext, context);
    try {
      return this.encrypt(plaintext, context);
    } finally {
      plaintext.fill(0);
    }
  }
}

const authenticationFailed = () => new DecryptionError('authentication_failed', 'ciphertext does not authenticate: tampered, or wrong context or master key');

/** Splits and strictly decodes the string; anything off is `malformed`, before any crypto runs. */
function parse(ciphertext: string): { kid: string; wrapped: Buffer; payload: Buffer } {
  const malformed = (what: string) => new DecryptionError('malformed', `ciphertext is malformed: ${what}`);
  if (typeof ciphertext !== 'string') throw malformed('not a string');
  const fields = ciphertext.split('.');
  if (fields[0] !== VERSION) {
    throw fields.length > 1 && /^v\d+$/.test(fields[0])
      ? new DecryptionError('unsupported_version', 'ciphertext version is not supported')
      : malformed('no version');
  }
  if (fields.length !== 4) throw malformed(`expected 4 fields, got ${fields.length}`);
  const [, kid, wrappedField, payloadField] = fields;
  if (!isValidKid(kid)) throw malformed('bad master key id');
  const wrapped = decodeField(wrappedField);
  const payload = decodeField(payloadField);
  if (wrapped?.length !== WRAPPED_BYTES) throw malformed('bad wrapped key');
  if (!payload || payload.length < NONCE_BYTES + TAG_BYTES) throw malformed('bad payload');
  return { kid, wrapped, payload };
}

/** Node's base64url decoder ignores stray characters and trailing bits; insist on the canonical form. */
function decodeField(field: string): Buffer | null {
  if (!BASE64URL.test(field)) return null;
  const bytes = Buffer.from(field, 'base64url');
  return bytes.toString('base64url') === field ? bytes : null;
}

/**
 * The context as [key, value] pairs sorted by key, so property order does not matter but every key
 * and value does. Must be a non-empty map of strings: an empty context would bind nothing.
 */
function canonicalPairs(context: SecretContext): [string, string][] {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) throw new TypeError('context must be an object of strings');
  const keys = Object.keys(context).sort(); // UTF-16 code unit order: the same on every machine and locale
  if (keys.length === 0) throw new TypeError('context must name what the secret belongs to, e.g. { tenantId, channelId }');
  return keys.map((key) => {
    const value = context[key];
    if (typeof value !== 'string') throw new TypeError(`context.${key} must be a string`);
    return [key, value];
  });
}

/**
 * Associated data for one of the two AES-GCM operations. JSON of a fixed-shape array is an
 * unambiguous encoding (strings are quoted and escaped, lone surrogates included, so no two
 * contexts serialize alike). It also binds the format version and master key id, and the purpose
 * keeps a wrapped key and a payload from ever being accepted in each other's place.
 */
function aad(kid: string, purpose: 'data-key' | 'payload', pairs: [string, string][]): Buffer {
  return Buffer.from(JSON.stringify(['MonkeyMachine SecretBox', VERSION, kid, purpose, pairs]), 'utf8');
}
