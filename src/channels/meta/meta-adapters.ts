import { mapInstagramPayload } from '../instagram/instagram.mapper';
import { MessengerGateway } from '../messenger/messenger.gateway';
import { mapMessengerPayload } from '../messenger/messenger.mapper';
import { WhatsAppGateway } from '../whatsapp/whatsapp.gateway';
import { mapWhatsAppPayload } from '../whatsapp/whatsapp.mapper';
import { ChannelAdapter, validateFlat } from '../channel-adapter';
import { GraphClient } from './graph-client';

const NUMERIC_ID = /^\d{1,32}$/;
const TOKEN = /^[\x21-\x7e]{8,4096}$/;

/** Messenger, Instagram Direct and WhatsApp: one Meta app, one Graph API. */
export function metaAdapters(graphUrl: string): ChannelAdapter[] {
  const graph = new GraphClient(graphUrl);
  const sendApi = new MessengerGateway(graph);
  return [
    {
      kind: 'messenger',
      processors: ['Meta Platforms (Facebook Messenger)'],
      validate: (config, credentials) => validateFlat('messenger', { config: { pageId: NUMERIC_ID }, credentials: { pageAccessToken: TOKEN }, routingKey: 'pageId' }, config, credentials),
      map: mapMessengerPayload,
      gateway: sendApi,
    },
    {
      kind: 'instagram',
      processors: ['Meta Platforms (Instagram)'],
      validate: (config, credentials) => validateFlat('instagram', { config: { igAccountId: NUMERIC_ID }, credentials: { accessToken: TOKEN }, routingKey: 'igAccountId' }, config, credentials),
      map: mapInstagramPayload,
      gateway: sendApi,
    },
    {
      kind: 'whatsapp',
      processors: ['Meta Platforms (WhatsApp Business Cloud API)'],
      validate: (config, credentials) =>
        validateFlat('whatsapp', { config: { phoneNumberId: NUMERIC_ID, wabaId: NUMERIC_ID }, credentials: { accessToken: TOKEN }, routingKey: 'phoneNumberId' }, config, credentials),
      map: mapWhatsAppPayload,
      gateway: new WhatsAppGateway(graph),
    },
  ];
}
