import { KeyObject, createSecretKey } from 'node:crypto';
import type { AppConfig } from '../config/app-config';

/**
 * The HS256 key of access tokens as a KeyObject. Given a string, jsonwebtoken 9 first tries to
 * parse it as a PEM public (or private) key on every verify (and sign), and only then falls back
 * to a secret: that failed parse cost a quarter of an authenticated request's time.
 */
export function jwtKey(config: Pick<AppConfig, 'jwtSecret'>): KeyObject {
  return createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
}
