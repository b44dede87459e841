import { mapInstagramPayload } from '../instagram/instagram.mapper';
import { MessengerGateway } from '../messenger/messenger.gateway';
import { mapMessengerPayload } from '../messenger/messenger.mapper';
import { WhatsAppGateway } from '../whatsapp/whatsapp.gateway';
import { mapWhatsAppPayload } from '../whatsapp/whatsapp.mapper';
import { ChannelAdapter, validateFlat } from '../channel-adapter';
import { GraphClient } from './graph-client';
import { MetaAccountControl } from './meta-account-control';

const NUMERIC_ID = /^\d{1,32}$/;
const TOKEN = /^[\x21-\x7e]{8,4096}$/;

/**
 * Messenger, Instagram Direct and WhatsApp: one Meta app, one Graph API. Connecting proves with
 * Graph that the token controls exactly the named account (`identify`, before the directory
 * claim: a refused attempt learns nothing about who has the account), then subscribes the app to
 * the account's webhooks (`connect`, after the claim).
 */
export function metaAdapters(graphUrl: string): ChannelAdapter[] {
  const graph = new GraphClient(graphUrl);
  const control = new MetaAccountControl(graph);
  const sendApi = new MessengerGateway(graph);
  return [
    {
      kind: 'messenger',
      processors: ['Meta Platforms (Facebook Messenger)'],
      validate: (config, credentials) =>
        validateFlat('messenger', { config: { pageId: NUMERIC_ID }, credentials: { pageAccessToken: TOKEN }, routingKey: 'pageId' }, config, credentials),
      map: mapMessengerPayload,
      gateway: sendApi,
      async identify({ config, credentials }) {
        await control.provePage(String(config.pageId), credentials.pageAccessToken);
        return String(config.pageId);
      },
      async connect({ config, credentials }) {
        await control.subscribePage('messenger', String(config.pageId), credentials.pageAccessToken);
        return {};
      },
    },
    {
      kind: 'instagram',
      processors: ['Meta Platforms (Instagram)'],
      validate: (config, credentials) =>
        validateFlat('instagram', { config: { igAccountId: NUMERIC_ID }, credentials: { accessToken: TOKEN }, routingKey: 'igAccountId' }, config, credentials),
      map: mapInstagramPayload,
      gateway: sendApi,
      async identify({ config, credentials }) {
        await control.proveInstagram(String(config.igAccountId), credentials.accessToken);
        return String(config.igAccountId);
      },
      async connect({ config, credentials }) {
        // Asked again rather than remembered: the linked Page is the one the token names now.
        const { pageId } = await control.proveInstagram(String(config.igAccountId), credentials.accessToken);
        await control.subscribePage('instagram', pageId, credentials.accessToken);
        return {};
      },
    },
    {
      kind: 'whatsapp',
      processors: ['Meta Platforms (WhatsApp Business Cloud API)'],
      validate: (config, credentials) =>
        validateFlat(
          'whatsapp',
          { config: { phoneNumberId: NUMERIC_ID, wabaId: NUMERIC_ID }, credentials: { accessToken: TOKEN }, routingKey: 'phoneNumberId' },
          config,
          credentials,
        ),
      map: mapWhatsAppPayload,
      gateway: new WhatsAppGateway(graph),
      async identify({ config, credentials }) {
        await control.proveWhatsApp(String(config.phoneNumberId), String(config.wabaId), credentials.accessToken);
        return String(config.phoneNumberId);
      },
      async connect({ config, credentials }) {
        await control.subscribeWaba(String(config.wabaId), credentials.accessToken);
        return {};
      },
    },
  ];
}
