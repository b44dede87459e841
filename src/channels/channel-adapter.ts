import { ChannelGateway, ChannelKind, InboundEvent, invalid } from '../../libs/domain/src';

export interface ValidatedChannel {
  config: Record<string, unknown>;
  credentials: Record<string, string>;
  /** The platform account this channel is (page id, phone number...): unique across tenants. */
  routingKey: string | null;
}

export interface ConnectContext {
  tenantId: string;
  channelId: string;
  config: Record<string, unknown>;
  credentials: Record<string, string>;
}

/** What a platform handshake learned or made: merged into the channel before it is stored. */
export interface ConnectResult {
  config?: Record<string, unknown>;
  credentials?: Record<string, string>;
  routingKey?: string;
  /** Secrets made here that the Customer must copy: in the connect response once, never again. */
  revealOnce?: Record<string, string>;
}

/**
 * Everything one channel kind brings: validation of what a Customer enters, the mapper from
 * stored webhook payloads to inbox events, the gateway that sends, and optional platform
 * handshakes on connect (verify a token, register a webhook) and disconnect.
 */
export interface ChannelAdapter {
  readonly kind: ChannelKind;
  /** The platforms and services this adapter sends End User data to (subprocessors page). */
  readonly processors: readonly string[];
  validate(config: Record<string, unknown>, credentials: Record<string, unknown>): ValidatedChannel;
  map(payload: Record<string, unknown>): InboundEvent[];
  readonly gateway: ChannelGateway;
  connect?(ctx: ConnectContext): Promise<ConnectResult>;
  /**
   * The routing key, learned from the platform without changing anything there, once the
   * credentials are proven to control that account. Runs before the directory claim, so that:
   * a kind whose handshake would take the account over (Telegram: one webhook per bot) leaves the
   * owner's setup intact when the claim is refused; and credentials that do not control the
   * account (Meta: a made-up token, another Page's token) are refused before the directory is
   * asked, so the answer says nothing about whether someone else has the account.
   */
  identify?(ctx: ConnectContext): Promise<string>;
  disconnect?(ctx: ConnectContext): Promise<void>;
}

export interface FlatSpec {
  config: Record<string, RegExp>;
  credentials: Record<string, RegExp>;
  /** The config field that names the platform account. */
  routingKey?: string;
}

/**
 * Validates flat string fields against patterns. Messages name fields, never values: a
 * credential must not end up in an error, a log or a response.
 */
export function validateFlat(kind: ChannelKind, spec: FlatSpec, config: Record<string, unknown>, credentials: Record<string, unknown>): ValidatedChannel {
  const problems: string[] = [];
  const check = (section: 'config' | 'credentials', given: Record<string, unknown>, wanted: Record<string, RegExp>) => {
    for (const key of Object.keys(given)) if (!(key in wanted)) problems.push(`${section}.${key} is not a field of ${kind}`);
    for (const [key, pattern] of Object.entries(wanted)) {
      const v = given[key];
      if (typeof v !== 'string' || !pattern.test(v)) problems.push(`${section}.${key} is missing or malformed`);
    }
  };
  check('config', config, spec.config);
  check('credentials', credentials, spec.credentials);
  if (problems.length) throw invalid('VALIDATION_FAILED', problems.join('; '));
  return {
    config: { ...config },
    credentials: { ...(credentials as Record<string, string>) },
    routingKey: spec.routingKey ? String(config[spec.routingKey]) : null,
  };
}

/** The adapters of every channel kind on offer; looked up by kind. */
export class ChannelAdapters {
  private readonly byKind = new Map<ChannelKind, ChannelAdapter>();

  constructor(adapters: ChannelAdapter[]) {
    for (const a of adapters) this.byKind.set(a.kind, a);
  }

  for(kind: ChannelKind): ChannelAdapter {
    const a = this.byKind.get(kind);
    if (!a) throw invalid('CHANNEL_KIND_NOT_AVAILABLE', `Channel kind ${kind} cannot be connected yet`);
    return a;
  }

  all(): ChannelAdapter[] {
    return [...this.byKind.values()];
  }
}
