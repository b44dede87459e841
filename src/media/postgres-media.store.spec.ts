import { MediaLimitExceeded } from '../../libs/domain/src';
import { PutTally } from './media-blob.rows';
import { TurnReader } from './postgres-media.store';

/** A source that yields these pieces, each after its delay (ms). */
async function* pieces(list: Array<[number, string]>): AsyncGenerator<Uint8Array> {
  for (const [delay, text] of list) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    yield Buffer.from(text);
  }
}

/** Every turn's bytes, filled into `size`-byte chunks with `turnMs` per turn, until the reader is finished. */
async function turns(reader: TurnReader, size: number, turnMs: number): Promise<string[]> {
  const out: string[] = [];
  while (!reader.finished) {
    const chunk = Buffer.alloc(size);
    const n = await reader.fill(chunk, Date.now() + turnMs);
    out.push(chunk.subarray(0, n).toString());
  }
  return out;
}

describe('TurnReader (the PostgreSQL media store reads a put one turn at a time)', () => {
  it('fills whole chunks, splitting a piece across turns and losing nothing', async () => {
    const tally = new PutTally(100);
    const reader = new TurnReader(
      pieces([
        [0, 'abcdef'],
        [0, 'ghij'],
        [0, 'k'],
      ])[Symbol.asyncIterator](),
      tally,
      100,
    );
    expect(await turns(reader, 4, 1000)).toEqual(['abcd', 'efgh', 'ijk']);
    expect(tally.size).toBe(11);
  });

  it('ends a turn at its deadline with what came, and the next turn picks up the read still under way', async () => {
    const reader = new TurnReader(
      pieces([
        [0, 'ab'],
        [120, 'cd'],
        [0, 'ef'],
      ])[Symbol.asyncIterator](),
      new PutTally(100),
      100,
    );
    const got = await turns(reader, 8, 40);
    expect(got.join('')).toBe('abcdef');
    expect(got[0]).toBe('ab'); // the slow piece did not hold the first turn
    expect(got.length).toBeGreaterThan(2);
  });

  it('refuses a source past its limit', async () => {
    const reader = new TurnReader(
      pieces([
        [0, 'abcd'],
        [0, 'efgh'],
      ])[Symbol.asyncIterator](),
      new PutTally(6),
      6,
    );
    await expect(turns(reader, 16, 1000)).rejects.toBeInstanceOf(MediaLimitExceeded);
  });
});
