import { randomBytes } from 'node:crypto';
import { KeyRing } from '../../libs/crypto/src';

/**
 * `npm run --silent secrets:generate >> .env`: the secrets a deployment needs, freshly generated,
 * as `NAME=value` lines. Keep them: tokens, the app role's password and every stored credential
 * depend on them.
 */
process.stdout.write(`JWT_SECRET=${randomBytes(48).toString('base64url')}\nMM_MASTER_KEYS=${KeyRing.generateKey('k1')}\n`);
