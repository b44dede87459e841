import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectPage, connectWhatsApp, startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, messengerMessage, postMetaWebhook, waId, whatsappMessage } from './support/meta';
import { TestApp, TestTenant } from './support/test-app';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(300 * 1024, 3)]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');

/** Uploaded files sent on each channel: the platform receives the very bytes, the way its API takes them. */
describe('outbound media', () => {
  let t: TestApp;
  let graph: FakeGraphServer;
  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET }));
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  /** The conversation of a contact who just wrote (the window is open). */
  async function whatsappConversation(owner: TestTenant) {
    const wa = await connectWhatsApp(t, graph, owner);
    const from = waId();
    await postMetaWebhook(t, whatsappMessage(wa.wabaId, wa.phoneNumberId, from, { type: 'text', text: { body: 'send me the invoice' } }));
    await t.drainInbound();
    const conversation = (await t.request('GET', `/api/conversations?channelId=${wa.channelId}`, { token: owner.token })).body.items[0];
    graph.calls.length = 0;
    return { wa, from, conversation };
  }

  it('Messenger: uploads the file in the Send API call itself (multipart filedata), then the text', async () => {
    const owner = await t.signup();
    const page = await connectPage(t, graph, owner);
    await postMetaWebhook(t, messengerMessage(page.pageId, 'psid-media-1', 'a photo please'));
    await t.drainInbound();
    const conversation = (await t.request('GET', `/api/conversations?channelId=${page.channelId}`, { token: owner.token })).body.items[0];
    graph.calls.length = 0;
    const photo = await t.upload(owner.token, PNG, { fileName: 'menu.png' });
    expect(
      (
        await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
          token: owner.token,
          body: { text: 'Our menu', attachments: [{ uploadId: photo.body.id }] },
        })
      ).status,
    ).toBe(202);
    await t.drainOutbound();
    const [upload, text] = graph.callsTo(`/${page.pageId}/messages`);
    expect(upload.authorization).toBe(`Bearer ${page.token}`);
    expect(upload.body).toMatchObject({
      recipient: { id: 'psid-media-1' },
      messaging_type: 'RESPONSE',
      message: { attachment: { type: 'image', payload: { is_reusable: false } } },
    });
    expect(upload.form!.files.filedata).toEqual({ fileName: 'menu.png', contentType: 'image/png', bytes: PNG });
    expect(text.body).toMatchObject({ recipient: { id: 'psid-media-1' }, message: { text: 'Our menu' } });
  });

  describe('WhatsApp', () => {
    it('uploads each file to the number’s media endpoint, then sends it by media id (a document with its name and caption)', async () => {
      const owner = await t.signup();
      const { wa, conversation } = await whatsappConversation(owner);
      const pdf = await t.upload(owner.token, PDF, { fileName: 'invoice-42.pdf', contentType: 'application/octet-stream' });
      const sent = await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
        token: owner.token,
        body: { text: 'Your invoice', attachments: [{ uploadId: pdf.body.id }] },
      });
      expect(sent.status).toBe(202);
      expect(sent.body.attachments).toEqual([
        { type: 'file', uploadId: pdf.body.id, name: 'invoice-42.pdf', mimeType: 'application/pdf', size: PDF.length, sha256: pdf.body.sha256 },
      ]);
      expect((await t.request('GET', `/api/uploads/${pdf.body.id}`, { token: owner.token })).body.messageId).toBe(sent.body.id);
      await t.drainOutbound();

      const [upload, message] = graph.calls;
      expect(upload).toMatchObject({ method: 'POST', path: `/${wa.phoneNumberId}/media`, authorization: `Bearer ${wa.token}` });
      expect(upload.form!.fields).toEqual({ messaging_product: 'whatsapp', type: 'application/pdf' });
      expect(upload.form!.files.file).toEqual({ fileName: 'invoice-42.pdf', contentType: 'application/pdf', bytes: PDF });
      expect(message).toMatchObject({ method: 'POST', path: `/${wa.phoneNumberId}/messages`, authorization: `Bearer ${wa.token}` });
      expect(message.body).toMatchObject({
        messaging_product: 'whatsapp',
        type: 'document',
        document: { id: expect.any(String), filename: 'invoice-42.pdf', caption: 'Your invoice' },
      });
      expect(graph.uploadedMedia(message.body.document.id)!.bytes.equals(PDF)).toBe(true);
      const [stored] = (await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token })).body.items;
      expect(stored).toMatchObject({ id: sent.body.id, status: 'sent', externalId: expect.stringMatching(/^wamid\./) });
      // The inbox shows what was sent from our copy, through the attachments route.
      const bytes = await t.app.inject({
        method: 'GET',
        url: `/api/conversations/${conversation.id}/messages/${sent.body.id}/attachments/0`,
        headers: { authorization: `Bearer ${owner.token}` },
      });
      expect(bytes.statusCode).toBe(200);
      expect(bytes.headers['content-disposition']).toBe("attachment; filename*=UTF-8''invoice-42.pdf");
      expect(bytes.rawPayload.equals(PDF)).toBe(true);
    });

    it('sends a photo as an image, and the text of several files as a message of its own', async () => {
      const owner = await t.signup();
      const { wa, conversation } = await whatsappConversation(owner);
      const photo = await t.upload(owner.token, PNG, { fileName: 'photo.png' });
      const pdf = await t.upload(owner.token, PDF, { fileName: 'terms.pdf' });
      await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
        token: owner.token,
        body: { text: 'Here you go', attachments: [{ uploadId: photo.body.id }, { uploadId: pdf.body.id }] },
      });
      await t.drainOutbound();
      const sends = graph.callsTo(`/${wa.phoneNumberId}/messages`).map((c) => c.body);
      expect(sends.map((b) => b.type)).toEqual(['image', 'document', 'text']);
      expect(sends[0].image).toEqual({ id: expect.any(String) });
      expect(graph.uploadedMedia(sends[0].image.id)!.bytes.equals(PNG)).toBe(true);
      expect(sends[2].text).toEqual({ body: 'Here you go' });
    });

    it('refuses a file over the platform’s limit for its kind before queuing, and an upload sent twice', async () => {
      const owner = await t.signup();
      const { conversation } = await whatsappConversation(owner);
      // 6 MB picture: WhatsApp takes images up to 5 MB.
      const big = await t.upload(owner.token, Buffer.concat([PNG, Buffer.alloc(6 * 1024 * 1024)]));
      const refused = await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
        token: owner.token,
        body: { attachments: [{ uploadId: big.body.id }] },
      });
      expect(refused.status).toBe(413);
      expect(refused.body.code).toBe('ATTACHMENT_TOO_LARGE_FOR_CHANNEL');

      const pdf = await t.upload(owner.token, PDF);
      const send = () =>
        t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { attachments: [{ uploadId: pdf.body.id }] } });
      expect((await send()).status).toBe(202);
      const again = await send();
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('UPLOAD_ALREADY_SENT');

      const other = await t.signup();
      const foreign = await t.upload(other.token, PDF);
      const notOurs = await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
        token: owner.token,
        body: { attachments: [{ uploadId: foreign.body.id }] },
      });
      expect(notOurs.status).toBe(400);
      expect(notOurs.body.code).toBe('UPLOAD_NOT_FOUND');
    });
  });
});
