import type { MediaLimits } from '../../../libs/policy/src';
import { ChannelInboundMedia, mediaByUrl } from '../core/channel-adapter';
import { fetchMediaUrl } from '../core/media-fetch';

/**
 * Messenger and Instagram attachments: `payload.url` is a signed link to Meta's CDN that expires
 * (hours to days), so the file is copied while it works. The link needs no token, and it came in
 * a webhook: it is fetched with the public-address checks like any URL from outside.
 */
export function metaCdnMedia(limits: MediaLimits, allowLocal: boolean): ChannelInboundMedia {
  return {
    limits,
    copyable: mediaByUrl,
    fetch: (_tenant, _channel, attachment) => fetchMediaUrl(attachment.url!, { allowLocal, what: 'Meta CDN' }),
  };
}
