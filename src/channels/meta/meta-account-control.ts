import { DeliveryFailure, DomainError, invalid } from '../../../libs/domain/src';
import { GraphClient } from './graph-client';

/*
 * PROTOCOLS: proving control of a Meta account before it is claimed, and subscribing the app to it.
 * Graph API v24.0; what each call returns and needs, as documented by Meta:
 *
 * - `GET /me` with a Page access token is the Page itself (`/me` "translates to the object ID of
 *   the person or Page whose access token is currently being used"; `fields=id,name`). This is the
 *   proof for Messenger: `GET /{page-id}` can answer a token of someone who does not manage the
 *   Page (public Page metadata), so it does not prove control.
 *   https://developers.facebook.com/docs/graph-api/overview (the `me` node)
 * - Instagram messaging through Facebook Login uses the Page access token of the Facebook Page
 *   linked to the Instagram professional account. `GET /{page-id}?fields=instagram_business_account`
 *   (here `/me?fields=id,name,instagram_business_account`) returns `{"instagram_business_account":
 *   {"id": "<IG user id>"}, "id": "<page id>"}`: the account is this token's exactly when that id
 *   is the configured `igAccountId`.
 *   https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/page
 * - Page webhooks reach the app only once the Page installed it: `POST /{page-id}/subscribed_apps`
 *   with `subscribed_fields` and the Page's token (pages_manage_metadata, plus pages_messaging for
 *   the messaging fields) answers `{"success": true}`. A field is delivered only if the app
 *   subscribed to it too (App Dashboard, object `page`). Instagram messaging webhooks likewise need
 *   Page subscriptions enabled on the linked Page ("The Page connected to the app user's account
 *   must have Page subscriptions enabled"). One Page has one subscription for the app, so both kinds
 *   set the same fields: a Messenger and an Instagram channel on one Page never undo each other.
 *   https://developers.facebook.com/docs/graph-api/reference/page/subscribed_apps
 *   https://developers.facebook.com/docs/messenger-platform/reference/webhook-events (fields:
 *   messages, messaging_postbacks, message_deliveries, message_reads, message_echoes,
 *   message_reactions; Instagram's echoes come with `messages`)
 *   https://developers.facebook.com/docs/instagram-platform/webhooks
 * - WhatsApp: `GET /{phone-number-id}?fields=id,display_phone_number,verified_name` with the
 *   business's (system user) token; a token that does not manage the number gets error 100/33
 *   ("does not exist, cannot be loaded due to missing permissions"). `GET /{waba-id}/phone_numbers`
 *   lists the account's numbers (`{data:[{id,...}], paging:{cursors:{after}, next?}}`): the number
 *   must be one of them. `POST /{waba-id}/subscribed_apps` (no fields: WhatsApp takes them from
 *   the app's configuration) answers `{"success": true}`; each WABA must be subscribed on its own.
 *   https://developers.facebook.com/documentation/business-messaging/whatsapp/solution-providers/manage-phone-numbers
 *   https://developers.facebook.com/documentation/business-messaging/whatsapp/solution-providers/manage-webhooks
 *   https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account/subscribed_apps/
 * - Errors: code 190 is a token Graph does not accept (expired, revoked, made up); 10 and 200-299
 *   are missing permissions; 1, 2, 4, 17, 32, 613, 429 and 5xx mean "try later".
 *
 * Tokens travel in the Authorization header only (GraphClient); paging follows the `after` cursor
 * rather than `paging.next`, whose URL carries the token in its query string.
 */

/**
 * The Page webhook fields the inbox reads (messenger.mapper.ts, instagram.mapper.ts). `standby`:
 * while another app (Meta Business Suite, a chatbot) is the Page's primary receiver, the
 * conversation arrives only there.
 */
export const PAGE_WEBHOOK_FIELDS = [
  'messages',
  'messaging_postbacks',
  'message_deliveries',
  'message_reads',
  'message_echoes',
  'message_reactions',
  'message_edits',
  'standby',
] as const;

/** How many of a WABA's numbers one page of `phone_numbers` asks for, and how many pages at most. */
export const PHONE_NUMBERS_PAGE = 100;
const MAX_PHONE_NUMBER_PAGES = 20;

type Kind = 'messenger' | 'instagram' | 'whatsapp';
const TOKEN_NAME: Record<Kind, string> = { messenger: 'Page access token', instagram: 'Page access token', whatsapp: 'WhatsApp access token' };

const unavailable = () =>
  new DomainError('unavailable', 'META_UNAVAILABLE', 'Meta could not be reached to check the credentials; nothing was connected, try again shortly');
const tokenInvalid = (kind: Kind) =>
  invalid('META_TOKEN_INVALID', `Meta does not accept this ${TOKEN_NAME[kind]} (expired, revoked or mistyped); generate a new one and try again`);
const mismatch = (message: string) => invalid('META_ACCOUNT_MISMATCH', message);
/** Meta answered the subscription with something we did not expect (the app's own webhook setup, say): not the Customer's doing. */
const subscriptionRefused = (platformCode: string, platformText: string) =>
  new DomainError(
    'unavailable',
    'META_SUBSCRIPTION_REFUSED',
    `Meta refused to subscribe the app to this account's webhooks (${platformCode}: ${platformText}); nothing was connected`,
  );
const permissionMissing = (kind: Kind, platformText: string) =>
  invalid(
    'META_PERMISSION_MISSING',
    `The ${TOKEN_NAME[kind]} controls this account but may not subscribe the app to its webhooks (${platformText}); ` +
      (kind === 'whatsapp' ? 'grant whatsapp_business_management and whatsapp_business_messaging' : 'grant pages_manage_metadata and pages_messaging'),
  );

/** The Graph error code behind a failure (`190/460` -> 190), if Graph gave one. */
const graphCode = (err: DeliveryFailure) => (/^\d+/.test(err.platformCode) ? Number(/^\d+/.exec(err.platformCode)![0]) : undefined);
const isPermissionCode = (code: number | undefined) => code !== undefined && (code === 10 || (code >= 200 && code <= 299));

/**
 * Turns a failed Graph call into what the Customer is told. The proofs run before the directory
 * is asked, so none of these answers can depend on whether the account is connected elsewhere.
 */
function explain(err: unknown, kind: Kind, onOther: () => DomainError): DomainError {
  if (!(err instanceof DeliveryFailure)) throw err; // not Graph's answer: a bug, not the Customer's business
  if (err.kind === 'retryable') return unavailable();
  if (graphCode(err) === 190) return tokenInvalid(kind);
  return onOther();
}

interface PageIdentity {
  id?: unknown;
  instagram_business_account?: { id?: unknown } | null;
}

/**
 * Proves with the Graph API that an access token controls exactly the Meta account a Customer
 * names, and subscribes the app to that account's webhooks. The proof is read-only and runs
 * before the directory claim; the subscription changes the platform and runs after it.
 */
export class MetaAccountControl {
  constructor(private readonly graph: GraphClient) {}

  /** Messenger: the token is a Page access token of this very Page. */
  async provePage(pageId: string, token: string): Promise<void> {
    const me = await this.me(token, 'messenger', 'id,name');
    if (String(me.id ?? '') !== pageId)
      throw mismatch(`This is not a Page access token of Page ${pageId}; copy the token of that Page (Meta Business Suite or Graph API /me/accounts)`);
  }

  /** Instagram: the token is the Page access token of the Page linked to this Instagram account; returns that Page. */
  async proveInstagram(igAccountId: string, token: string): Promise<{ pageId: string }> {
    const me = await this.me(token, 'instagram', 'id,name,instagram_business_account');
    if (String(me.instagram_business_account?.id ?? '') !== igAccountId || typeof me.id !== 'string') {
      throw mismatch(`This is not the Page access token of the Facebook Page linked to Instagram account ${igAccountId}`);
    }
    return { pageId: me.id };
  }

  /** WhatsApp: the token manages the phone number, and the number belongs to this WhatsApp Business Account. */
  async proveWhatsApp(phoneNumberId: string, wabaId: string, token: string): Promise<void> {
    const notManaged = () => mismatch(`This token does not manage WhatsApp phone number ${phoneNumberId}`);
    const number = await this.graph.get<{ id?: unknown }>(`/${phoneNumberId}?fields=id,display_phone_number,verified_name`, token).catch((err) => {
      throw explain(err, 'whatsapp', notManaged);
    });
    if (String(number.id ?? '') !== phoneNumberId) throw notManaged();

    const notInWaba = () => mismatch(`WhatsApp phone number ${phoneNumberId} is not a number of WhatsApp Business Account ${wabaId} that this token manages`);
    let after: string | undefined;
    for (let page = 0; page < MAX_PHONE_NUMBER_PAGES; page++) {
      const list = await this.graph
        .get<{ data?: Array<{ id?: unknown }>; paging?: { next?: string; cursors?: { after?: string } } }>(
          `/${wabaId}/phone_numbers?fields=id&limit=${PHONE_NUMBERS_PAGE}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
          token,
        )
        .catch((err) => {
          throw explain(err, 'whatsapp', notInWaba);
        });
      if ((list.data ?? []).some((n) => String(n?.id ?? '') === phoneNumberId)) return;
      after = list.paging?.next ? list.paging.cursors?.after : undefined;
      if (!after) break;
    }
    throw notInWaba();
  }

  /** Installs the app on the Page with the fields the inbox reads (Messenger, and Instagram's linked Page). */
  async subscribePage(kind: 'messenger' | 'instagram', pageId: string, token: string): Promise<void> {
    await this.subscribe(kind, `/${pageId}/subscribed_apps?subscribed_fields=${PAGE_WEBHOOK_FIELDS.join(',')}`, token);
  }

  /** Subscribes the app to the WhatsApp Business Account's webhooks. */
  async subscribeWaba(wabaId: string, token: string): Promise<void> {
    await this.subscribe('whatsapp', `/${wabaId}/subscribed_apps`, token);
  }

  private async subscribe(kind: Kind, path: string, token: string): Promise<void> {
    const res = await this.graph.post<{ success?: unknown }>(path, token, undefined).catch((err) => {
      const failure = err as DeliveryFailure;
      throw explain(err, kind, () =>
        isPermissionCode(graphCode(failure)) ? permissionMissing(kind, failure.platformText) : subscriptionRefused(failure.platformCode, failure.platformText),
      );
    });
    if (res.success !== true) throw subscriptionRefused('NO_SUCCESS', 'the answer did not say success');
  }

  private me(token: string, kind: Kind, fields: string): Promise<PageIdentity> {
    // A valid token of another kind (a user's, say) cannot name a Page here: that is a mismatch, not a bad token.
    return this.graph.get<PageIdentity>(`/me?fields=${fields}`, token).catch((err) => {
      throw explain(err, kind, () =>
        mismatch(`This token is not a Page access token of a Facebook Page${kind === 'instagram' ? ' linked to an Instagram account' : ''}`),
      );
    });
  }
}
