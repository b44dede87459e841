import type { InboundEvent } from '../../libs/domain/src';
import { laneOf } from './arrival-lanes';

const CHANNEL = '00000000-0000-4000-8000-000000000001';
const message = (from: string, id: string): InboundEvent => ({
  type: 'message',
  message: { externalContactId: from, externalMessageId: id, text: 'hi', sentAt: new Date(0) },
});
const edit = (id: string): InboundEvent => ({ type: 'edited', externalMessageId: id, text: 'hi!', attachments: [], editedAt: new Date(0) });

describe('laneOf', () => {
  it('puts the events of one End User in one lane, and those changing one message in another', () => {
    expect(laneOf('1', CHANNEL, [message('ada', 'm1')])).toBe(laneOf('2', CHANNEL, [message('ada', 'm2')]));
    expect(laneOf('1', CHANNEL, [{ type: 'blocked', externalContactId: 'ada', blocked: true, at: new Date(0) }])).toBe(
      laneOf('2', CHANNEL, [message('ada', 'm2')]),
    );
    expect(laneOf('1', CHANNEL, [edit('m1')])).toBe(laneOf('2', CHANNEL, [{ type: 'deleted', externalMessageId: 'm1' }]));
    expect(laneOf('1', CHANNEL, [message('ada', 'm1')])).not.toBe(laneOf('2', CHANNEL, [message('bob', 'm2')]));
    expect(laneOf('1', CHANNEL, [edit('m1')])).not.toBe(laneOf('2', CHANNEL, [edit('m2')]));
    // The same platform ids on another channel are someone else.
    expect(laneOf('1', CHANNEL, [message('ada', 'm1')])).not.toBe(laneOf('2', '00000000-0000-4000-8000-000000000002', [message('ada', 'm1')]));
  });

  it('lets an event about nothing in particular, or unreadable, go alone', () => {
    expect(laneOf('1', CHANNEL, [{ type: 'notice', kind: 'restricted', message: 'x' }])).not.toBe(
      laneOf('2', CHANNEL, [{ type: 'notice', kind: 'restricted', message: 'x' }]),
    );
    expect(laneOf('1', undefined, undefined)).not.toBe(laneOf('2', undefined, undefined));
    expect(laneOf('1', CHANNEL, [{ type: 'ignored', reason: 'x' }, message('ada', 'm1')])).toBe(laneOf('2', CHANNEL, [message('ada', 'm2')]));
  });
});
