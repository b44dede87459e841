/**
 * `npm run bench:media` (a script that prints figures, not a test).
 *
 * Runs the real app in this process on fresh databases (DATABASE_URL's server, or an embedded
 * PostgreSQL when unset) with region `ru` keeping its files in a directory (MEDIA_DIR_RU) and `eu`
 * in its database, and sends BENCH_UPLOADS (200) uploads of BENCH_FILE_MB (5) MB each,
 * BENCH_CONCURRENCY (200) at a time, over loopback HTTP (POST /api/uploads, multipart) for one
 * tenant of each region. Every file has bytes of its own (no deduplication) and is generated as
 * it is sent, so the client holds almost nothing. Next to each, the baseline of the same run: the
 * same bytes written to files directly (same concurrency, synced), in MB/s.
 *
 * Printed: MB/s of each, their ratio to the baseline, upload latency p50/p95, and the growth of
 * this process's resident memory during each phase (peak RSS minus RSS before it; the target of
 * issue 16: streamed, so it grows < 100 MB however many bytes pass). The uploads are sent by a
 * child process, so an upload phase's growth is the app's alone.
 */
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BenchApp, startBenchApp } from './bench-app';
import { envInt, note, percentile } from './load-loop';
import { benchKnobs, recordPrintedFigures } from './bench-results';

const UPLOADS = envInt('BENCH_UPLOADS', 200, 1, 10_000);
const FILE_MB = envInt('BENCH_FILE_MB', 5, 1, 100);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 200, 1, 1000);
const FILE_BYTES = FILE_MB * 1024 * 1024;
const PIECE = 64 * 1024;
const PHASE_BOUND_MS = 600_000;
/** Which stores to measure: `database`, `directory`, or both (each store's garbage then weighs on the next: run one per process to compare). */
const STORES = (process.env.BENCH_STORE ?? 'database,directory').split(',').map((s) => s.trim());
/** Uploads the app reads at once (its MEDIA_UPLOADS_AT_ONCE; the app's default when unset). */
const AT_ONCE = process.env.MEDIA_UPLOADS_AT_ONCE;

/** The bytes of file `n`: a PDF header, a pattern of its own (so no two files are the same), repeated. */
function* fileBytes(n: number): Generator<Buffer> {
  const pattern = Buffer.concat([Buffer.from(`%PDF-1.7\n% file ${n} `), randomBytes(PIECE)]).subarray(0, PIECE);
  for (let sent = 0; sent < FILE_BYTES; sent += PIECE) yield pattern.subarray(0, Math.min(PIECE, FILE_BYTES - sent));
}

/** Samples this process's memory every 20 ms: the peak growth over a phase, of RSS and of its parts. */
class RssPeak {
  private readonly start = process.memoryUsage();
  private readonly peak = { ...this.start };
  private readonly timer = setInterval(() => this.sample(), 20);
  private sample(): void {
    const now = process.memoryUsage();
    for (const k of ['rss', 'heapUsed', 'arrayBuffers'] as const) this.peak[k] = Math.max(this.peak[k], now[k]);
  }
  stop(): { rss: number; heap: number; buffers: number } {
    clearInterval(this.timer);
    this.sample();
    const mb = (k: 'rss' | 'heapUsed' | 'arrayBuffers') => (this.peak[k] - this.start[k]) / 1024 / 1024;
    return { rss: mb('rss'), heap: mb('heapUsed'), buffers: mb('arrayBuffers') };
  }
}

interface Phase {
  label: string;
  seconds: number;
  lat: number[];
  growthMb: { rss: number; heap: number; buffers: number };
}

/** Runs `one` over every file, CONCURRENCY at a time: seconds taken and each file's latency (ms). */
async function drive(one: (n: number) => Promise<void>): Promise<{ seconds: number; lat: number[] }> {
  const lat: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + PHASE_BOUND_MS;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, UPLOADS) }, async () => {
      while (next < UPLOADS && performance.now() < deadline) {
        const n = next++;
        const t0 = performance.now();
        await one(n);
        lat.push(performance.now() - t0);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, lat };
}

async function phase(label: string, run: () => Promise<{ seconds: number; lat: number[] }>): Promise<Phase> {
  global.gc?.();
  const rss = new RssPeak();
  const { seconds, lat } = await run();
  note(`${label}: ${lat.length} files in ${seconds.toFixed(1)} s`);
  return { label, seconds, lat: lat.sort((a, b) => a - b), growthMb: rss.stop() };
}

/**
 * The uploads are sent by a child process, so the growth measured here is the app's alone (the
 * client's 200 requests and file patterns are not the app's memory).
 */
function uploadsFromChild(port: number, token: string): Promise<{ seconds: number; lat: number[] }> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['client'], {
      execArgv: ['-r', join(__dirname, '..', 'scripts', 'swc-register.js')],
      env: { ...process.env, BENCH_CLIENT_PORT: String(port), BENCH_CLIENT_TOKEN: token },
    });
    child.once('message', (m) => resolve(m as { seconds: number; lat: number[] }));
    child.once('error', reject);
    child.once('exit', (code) => (code ? reject(new Error(`upload client exited with ${code}`)) : undefined));
  });
}

function uploader(port: number, token: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  return (n: number) =>
    new Promise<void>((resolve, reject) => {
      const boundary = `----mmbench${randomBytes(8).toString('hex')}`;
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench-${n}.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      );
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/uploads',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': head.length + FILE_BYTES + tail.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`upload ${n}: ${res.statusCode} ${Buffer.concat(chunks).toString()}`))));
        },
      );
      req.on('error', reject);
      // Written as the socket takes it: the client never holds a whole file.
      const pieces = fileBytes(n);
      const pump = () => {
        for (;;) {
          const piece = pieces.next();
          if (piece.done) return void req.end(tail);
          if (!req.write(piece.value)) return void req.once('drain', pump);
        }
      };
      req.write(head);
      pump();
    });
}

async function main(): Promise<void> {
  recordPrintedFigures('media', benchKnobs());
  const t0 = performance.now();
  const mediaDir = mkdtempSync(join(tmpdir(), 'mm-bench-media-'));
  const copyDir = mkdtempSync(join(tmpdir(), 'mm-bench-copy-'));
  let bench: BenchApp | undefined;
  try {
    bench = await startBenchApp({
      MEDIA_DIR_RU: mediaDir,
      MEDIA_QUOTA_BYTES: String(4 * UPLOADS * FILE_BYTES),
      ...(AT_ONCE ? { MEDIA_UPLOADS_AT_ONCE: AT_ONCE } : {}),
    });
    const { port } = bench;
    const eu = await bench.signUp();
    const signup = await fetch(`http://127.0.0.1:${port}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organizationName: 'Bench RU', email: `bench-${randomUUID()}@example.test`, password: 'a long enough password', region: 'ru' }),
    });
    if (signup.status !== 201) throw new Error(`signup ru: ${signup.status} ${await signup.text()}`);
    const ru = (await signup.json()) as { accessToken: string };

    const baseline = await phase('plain file writes', () =>
      drive(async (n) => {
        const file = await open(join(copyDir, `copy-${n}`), 'w');
        try {
          for (const piece of fileBytes(n)) await file.write(piece);
          await file.sync();
        } finally {
          await file.close();
        }
      }),
    );
    rmSync(copyDir, { recursive: true, force: true });
    const measured = [baseline];
    if (STORES.includes('database')) measured.push(await phase('uploads, eu (region database)', () => uploadsFromChild(port, eu.accessToken)));
    if (STORES.includes('directory')) measured.push(await phase('uploads, ru (MEDIA_DIR_RU)', () => uploadsFromChild(port, ru.accessToken)));

    const mbps = (p: Phase) => (p.lat.length * FILE_MB) / p.seconds;
    process.stdout.write(
      `\nMedia: ${UPLOADS} files of ${FILE_MB} MB, ${Math.min(CONCURRENCY, UPLOADS)} at a time, loopback, ` +
        `the app reading ${bench.config.mediaUploadsAtOnce} at once; Node ${process.version}\n\n` +
        `${''.padEnd(34)} ${'files'.padStart(6)} ${'MB/s'.padStart(8)} ${'÷ files'.padStart(8)} ${'p50 s'.padStart(7)} ${'p95 s'.padStart(7)} ${'RSS +MB'.padStart(8)} ${'heap +MB'.padStart(9)} ${'buffers +MB'.padStart(12)}\n` +
        measured
          .map((p) =>
            [
              p.label.padEnd(34),
              String(p.lat.length).padStart(6),
              mbps(p).toFixed(1).padStart(8),
              (mbps(p) / mbps(baseline)).toFixed(2).padStart(8),
              (percentile(p.lat, 50) / 1000).toFixed(2).padStart(7),
              (percentile(p.lat, 95) / 1000).toFixed(2).padStart(7),
              p.growthMb.rss.toFixed(0).padStart(8),
              p.growthMb.heap.toFixed(0).padStart(9),
              p.growthMb.buffers.toFixed(0).padStart(12),
            ].join(' '),
          )
          .join('\n') +
        `\n\nRSS +MB: peak resident memory of this process during the phase, minus before it (uploads: the app's alone, the client is a child process; plain writes: the writer's); target < 100.\n` +
        `heap +MB, buffers +MB: the same for the JavaScript heap and for Buffers (both count garbage not yet collected).\n`,
    );
  } finally {
    await bench?.close();
    rmSync(mediaDir, { recursive: true, force: true });
    rmSync(copyDir, { recursive: true, force: true });
    process.stdout.write(`total ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
}

/** The upload client (a child of the bench): sends every file, reports the timings to its parent. */
async function client(): Promise<void> {
  const result = await drive(uploader(Number(process.env.BENCH_CLIENT_PORT), process.env.BENCH_CLIENT_TOKEN!));
  await new Promise<void>((resolve, reject) => process.send!(result, (err: Error | null) => (err ? reject(err) : resolve())));
}

(process.argv[2] === 'client' ? client() : main()).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
