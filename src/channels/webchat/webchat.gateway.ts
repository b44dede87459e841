import { ChannelGateway, DeliveryFailure, DeliveryReceipt, OutboundDelivery } from '../../../libs/domain/src';

/**
 * Web chat has no platform to call: the visitor reads replies from us (their live stream and
 * message list show an agent's message once it is `sent`). Delivering is therefore only the
 * bookkeeping step; the message's own id is its external id.
 */
export class WebchatGateway extends ChannelGateway {
  readonly kinds = ['webchat'] as const;

  async send(delivery: OutboundDelivery): Promise<DeliveryReceipt> {
    if (!delivery.messageId) throw new DeliveryFailure('permanent', 'WEBCHAT_NO_MESSAGE_ID', 'A web chat delivery needs the id of the message it delivers');
    if (delivery.template) throw new DeliveryFailure('permanent', 'TEMPLATE_NOT_SUPPORTED', 'Templates exist only on WhatsApp');
    if (!delivery.text && !delivery.attachments?.length) throw new DeliveryFailure('permanent', 'EMPTY_MESSAGE', 'Nothing to deliver');
    return { externalId: delivery.messageId };
  }
}
