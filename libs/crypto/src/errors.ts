/**
 * Why a ciphertext was refused. Callers may log `reason`; they should treat every reason the
 * same way (the secret is unavailable), because none of them can be fixed by retrying.
 */
export type DecryptionFailure = 'malformed' | 'unsupported_version' | 'unknown_key' | 'authentication_failed';

/**
 * Thrown by SecretBox when a ciphertext cannot be opened. Messages are fixed texts (plus, at most,
 * the syntactically valid key id), so logging one never leaks plaintext, keys or ciphertext bytes.
 */
export class DecryptionError extends Error {
  constructor(
    readonly reason: DecryptionFailure,
    message: string,
  ) {
    super(message);
    this.name = 'DecryptionError';
  }
}

/** Thrown while reading MM_MASTER_KEYS; the message names the entry and problem, never the key. */
export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingError';
  }
}
