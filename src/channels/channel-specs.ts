import { ChannelKind, invalid } from '../../libs/domain/src';

interface ChannelSpec {
  config: Record<string, RegExp>;
  credentials: readonly string[];
  /** The config field that names the platform account; unique across all tenants. */
  routingKey?: string;
}

const NUMERIC_ID = /^\d{1,32}$/;

/** What each channel kind needs to connect. Kinds not listed here are not offered yet. */
export const CHANNEL_SPECS: Partial<Record<ChannelKind, ChannelSpec>> = {
  messenger: { config: { pageId: NUMERIC_ID }, credentials: ['pageAccessToken'], routingKey: 'pageId' },
  instagram: { config: { igAccountId: NUMERIC_ID }, credentials: ['accessToken'], routingKey: 'igAccountId' },
  whatsapp: { config: { phoneNumberId: NUMERIC_ID, wabaId: NUMERIC_ID }, credentials: ['accessToken'], routingKey: 'phoneNumberId' },
};

export interface ValidatedChannel {
  config: Record<string, string>;
  credentials: Record<string, string>;
  routingKey: string | null;
}

/**
 * Checks config and credentials against the kind's spec. Messages name fields, never values:
 * a credential must not end up in an error, a log or a response.
 */
export function validateChannelInput(kind: ChannelKind, config: Record<string, unknown>, credentials: Record<string, unknown>): ValidatedChannel {
  const spec = CHANNEL_SPECS[kind];
  if (!spec) throw invalid('CHANNEL_KIND_NOT_AVAILABLE', `Channel kind ${kind} cannot be connected yet`);
  const problems: string[] = [];
  for (const key of Object.keys(config)) if (!(key in spec.config)) problems.push(`config.${key} is not a field of ${kind}`);
  for (const [key, pattern] of Object.entries(spec.config)) {
    const v = config[key];
    if (typeof v !== 'string' || !pattern.test(v)) problems.push(`config.${key} must be a numeric platform id`);
  }
  for (const key of Object.keys(credentials)) if (!spec.credentials.includes(key)) problems.push(`credentials.${key} is not a field of ${kind}`);
  for (const key of spec.credentials) {
    const v = credentials[key];
    if (typeof v !== 'string' || v.length < 8 || v.length > 4096) problems.push(`credentials.${key} must be a string of 8 to 4096 characters`);
  }
  if (problems.length) throw invalid('VALIDATION_FAILED', problems.join('; '));
  return {
    config: config as Record<string, string>,
    credentials: credentials as Record<string, string>,
    routingKey: spec.routingKey ? (config[spec.routingKey] as string) : null,
  };
}
