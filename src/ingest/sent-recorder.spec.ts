import type { TenantRef } from '../../libs/domain/src';
import { SentOutcome, SentRecorder } from './sent-recorder';

const T1: TenantRef = { tenantId: 't1', region: 'eu' };
const T2: TenantRef = { tenantId: 't2', region: 'eu' };
const sent = (n: number): SentOutcome => ({ job: { id: String(n), tenantId: 't', refId: `m${n}`, attempts: 1 }, messageId: `m${n}`, externalId: `x${n}` });

describe('SentRecorder', () => {
  it('records the sends of one turn together, per tenant, and the ones that came meanwhile in the next group', async () => {
    const groups: Array<[string, string[]]> = [];
    let release: () => void = () => undefined;
    const recorder = new SentRecorder(
      async (tenant, outcomes) => {
        groups.push([tenant.tenantId, outcomes.map((o) => o.messageId)]);
        if (groups.length === 1) await new Promise<void>((r) => (release = r));
      },
      async () => undefined,
    );
    recorder.add(T1, sent(1));
    recorder.add(T1, sent(2));
    recorder.add(T2, sent(3));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    recorder.add(T1, sent(4));
    recorder.add(T1, sent(5));
    release();
    await recorder.settled();
    expect(groups).toEqual([
      ['t1', ['m1', 'm2']],
      ['t2', ['m3']],
      ['t1', ['m4', 'm5']],
    ]);
  });

  it('deals with each send of a group on its own when the group cannot be recorded', async () => {
    const alone: string[] = [];
    const recorder = new SentRecorder(
      async () => Promise.reject(new Error('lease lost')),
      async (_t, o) => void alone.push(o.messageId),
    );
    recorder.add(T1, sent(1));
    recorder.add(T1, sent(2));
    await recorder.settled();
    expect(alone).toEqual(['m1', 'm2']);
  });
});
