import type { InboundEvent } from '../../../libs/domain/src';
import type { MetaMessagingItem } from '../meta/meta-payload';
import { mapMessagingItem } from '../messenger/messenger.mapper';

/** Instagram Direct shares Messenger's shape; reads name the message (`read.mid`). */
export function mapInstagramPayload(payload: Record<string, unknown>): InboundEvent[] {
  return mapMessagingItem(payload.item as MetaMessagingItem, { readByMid: true });
}
