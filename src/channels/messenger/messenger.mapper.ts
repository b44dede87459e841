import type { InboundEvent } from '../../../libs/domain/src';
import { mapMessagingItem } from '../meta/meta-messaging.mapper';
import type { MetaMessagingPayload } from '../meta/meta-payload';

/** A Page's `entry.messaging[]` item; reads are watermarks (`read.watermark`). */
export function mapMessengerPayload(payload: MetaMessagingPayload): InboundEvent[] {
  return mapMessagingItem(payload.item, { readByMid: false });
}
