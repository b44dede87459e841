import { Injectable } from '@nestjs/common';
import { invalid } from '../../../libs/domain/src';
import { UPLOAD_TYPE_PATTERN, WEBCHAT_DEFAULT_UPLOAD_TYPES, WEBCHAT_MEDIA_LIMITS } from '../../../libs/policy/src';
import { ChannelAdapter, ChannelKit, ConnectContext, ConnectResult, ValidatedChannel } from '../core/channel-adapter';
import { newChannelKey, newIdentitySecret } from './webchat-identity';
import { WebchatGateway } from './webchat.gateway';
import { WebchatInboundPayload, mapWebchatPayload } from './webchat.mapper';

export const MAX_ALLOWED_ORIGINS = 50;
const MAX_UPLOAD_TYPES = 20;
const IDENTITY_SECRET = /^[\x21-\x7e]{32,256}$/;

/**
 * `https://shop.example` (a trailing slash is tolerated): scheme, host and port only. No
 * wildcards: an origin list is what keeps another site from embedding a Customer's chat.
 */
export function normalizeOrigin(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 300) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return null;
  if (raw.includes('*')) return null;
  return url.origin;
}

function validateWebchat(config: Record<string, unknown>, credentials: Record<string, unknown>): ValidatedChannel {
  const problems: string[] = [];
  for (const key of Object.keys(config)) if (key !== 'allowedOrigins' && key !== 'allowedUploadTypes') problems.push(`config.${key} is not a field of webchat`);
  for (const key of Object.keys(credentials)) if (key !== 'identitySecret') problems.push(`credentials.${key} is not a field of webchat`);
  const given = config.allowedOrigins;
  const origins: string[] = [];
  if (!Array.isArray(given) || given.length === 0 || given.length > MAX_ALLOWED_ORIGINS) {
    problems.push(`config.allowedOrigins must list 1 to ${MAX_ALLOWED_ORIGINS} origins such as https://shop.example`);
  } else {
    given.forEach((o, i) => {
      const origin = normalizeOrigin(o);
      if (origin) origins.push(origin);
      else problems.push(`config.allowedOrigins[${i}] is not an origin (scheme://host[:port], no path, no wildcard)`);
    });
  }
  if (credentials.identitySecret !== undefined && (typeof credentials.identitySecret !== 'string' || !IDENTITY_SECRET.test(credentials.identitySecret))) {
    problems.push('credentials.identitySecret must be 32 to 256 printable characters');
  }
  const uploadTypes = config.allowedUploadTypes ?? WEBCHAT_DEFAULT_UPLOAD_TYPES;
  if (!Array.isArray(uploadTypes) || uploadTypes.length > MAX_UPLOAD_TYPES || uploadTypes.some((t) => typeof t !== 'string' || !UPLOAD_TYPE_PATTERN.test(t))) {
    problems.push(
      `config.allowedUploadTypes must list at most ${MAX_UPLOAD_TYPES} content types such as image/* or application/pdf ([] turns visitor files off)`,
    );
  }
  if (problems.length) throw invalid('VALIDATION_FAILED', problems.join('; '));
  return {
    config: { allowedOrigins: [...new Set(origins)], allowedUploadTypes: [...new Set(uploadTypes as string[])] },
    credentials: credentials.identitySecret ? { identitySecret: credentials.identitySecret as string } : {},
    routingKey: null,
  };
}

/**
 * The web chat widget. Connecting makes the public channel key (the routing key, unguessable)
 * and, unless the Customer brought one, the identity secret, which the connect response shows
 * once. No third party sees visitor data. Inbound messages come through the visitor API
 * (webchat.controller.ts), not a platform webhook.
 */
@ChannelKit()
@Injectable()
export class WebchatAdapter implements ChannelAdapter<WebchatInboundPayload> {
  readonly kind = 'webchat';
  readonly processors: string[] = [];
  readonly dataOrigin = 'webchat';
  readonly capabilities = { attachments: true, media: WEBCHAT_MEDIA_LIMITS };
  readonly map = mapWebchatPayload;
  readonly gateway = new WebchatGateway();

  validate(config: Record<string, unknown>, credentials: Record<string, unknown>): ValidatedChannel {
    return validateWebchat(config, credentials);
  }

  async connect(ctx: ConnectContext): Promise<ConnectResult> {
    const channelKey = newChannelKey();
    const generated = ctx.credentials.identitySecret ? undefined : newIdentitySecret();
    return {
      config: { channelKey },
      routingKey: channelKey,
      ...(generated ? { credentials: { identitySecret: generated }, revealOnce: { identitySecret: generated } } : {}),
    };
  }
}
