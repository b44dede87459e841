import type { MediaLimits } from '../../../libs/policy/src';
import { ChannelInboundMedia, mediaByUrl } from '../core/channel-adapter';
import { fetchMediaUrl } from '../core/media-fetch';

/**
 * Messenger and Instagram attachments: `payload.url` is a signed link to Meta's CDN that expires
 * (hours to days), so the file is copied while it works. The link needs no token, and it came in
 * a webhook: it is fetched with the public-address checks like any URL from outside.
 *
 * Copied, not kept as a link, on Instagram too (the protocol notes say to store Instagram's CDN
 * URLs; issue 16 decided to copy): a link that expires loses the file for the inbox, and a file
 * is personal data that must sit in the tenant's region, where every deletion path (erasure,
 * retention, termination) deletes it with its message. The URL is served as a redirect only
 * while no copy exists (pending, or failed).
 */
export function metaCdnMedia(limits: MediaLimits, allowLocal: boolean): ChannelInboundMedia {
  return {
    limits,
    copyable: mediaByUrl,
    fetch: (_tenant, _channel, attachment) => fetchMediaUrl(attachment.url!, { allowLocal, what: 'Meta CDN' }),
  };
}
