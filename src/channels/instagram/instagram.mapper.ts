import type { InboundEvent } from '../../../libs/domain/src';
import { mapMessagingItem } from '../meta/meta-messaging.mapper';
import type { MetaMessagingPayload } from '../meta/meta-payload';

/** Instagram Direct shares Messenger's shape; reads name the message (`read.mid`). */
export function mapInstagramPayload(payload: MetaMessagingPayload): InboundEvent[] {
  return mapMessagingItem(payload.item, { readByMid: true });
}
