/**
 * Preloaded into the app by bench:events (node -r): when each message.created event's transaction
 * came back from COMMIT, when the app's synchronous fan-out of that commit ended, and when the last
 * of the frames that fan-out wrote was handed to its socket, so the bench can split
 * "created_at -> stream" into the batch's own transaction (created_at is the transaction's start)
 * and what follows the commit. Nothing of the app changes; three methods are wrapped:
 *   - EventFeed.committed (called from the unit of work's afterCommit, i.e. once COMMIT returned,
 *     with the events it committed): notes the time before and after it;
 *   - SseConnection.sendFrame, while such a call runs: notes the streams it wrote to;
 *   - SseConnection.flush: once every one of those streams sent its pending frames, notes the time
 *     (and counts the socket writes of frames).
 * A message.created frame a stream is sent outside a commit's fan-out (a restricted agent's event
 * that waited for a visibility answer, or one read from the log) is noted on its own, with its time.
 *
 * It also measures the app's event loop delay (perf_hooks, 10 ms resolution) between reports.
 *
 * On SIGPWR the commits noted since the last report are written to $BENCH_EVENT_TIMING as JSON and
 * cleared (SIGPWR: not one of the signals the app shuts down on, and unused by the other probes;
 * its default action ends a process, so it is only sent to an app that loaded this file).
 */
'use strict';
const Module = require('node:module');
const { writeFileSync } = require('node:fs');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const target = process.env.BENCH_EVENT_TIMING;
if (target) {
  /** Per commit that carried message.created: [committedAt, fannedOutAt, writtenAt, ...messageIds] (ms since the epoch). */
  let commits = [];
  /** Writes of frames to the streams' sockets (a flush with something pending), since the last report. */
  let writes = 0;
  /** message.created frames sent outside a commit's fan-out: [messageId, sentAt]. */
  let late = [];
  /** How late the event loop ran its timers (every statement's answer waits that long for the loop as well). */
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const patched = { feed: false, sse: false };
  /** The commit whose fan-out is running, and the streams it left frames on (conn -> its records not yet flushed). */
  let current = null;
  const waiting = new WeakMap();

  const patchFeed = (EventFeed) => {
    patched.feed = true;
    const committed = EventFeed.prototype.committed;
    EventFeed.prototype.committed = function timedCommitted(tenant, events) {
      const ids = [];
      for (const e of events) if (e.type === 'message.created' && e.data && typeof e.data.messageId === 'string') ids.push(e.data.messageId);
      if (ids.length === 0) return committed.call(this, tenant, events);
      const record = [Date.now(), 0, 0, ...ids];
      const state = { record, streams: 0 };
      current = state;
      try {
        return committed.call(this, tenant, events);
      } finally {
        current = null;
        record[1] = Date.now();
        if (state.streams === 0) record[2] = record[1];
        commits.push(record);
      }
    };
  };

  const patchSse = (SseConnection) => {
    patched.sse = true;
    const sendFrame = SseConnection.prototype.sendFrame;
    SseConnection.prototype.sendFrame = function timedSendFrame(frame) {
      const state = current;
      if (!state && !this.isClosed && frame.startsWith('id: ') && frame.includes('\nevent: message.created\n')) {
        const id = /"messageId":"([^"]+)"/.exec(frame);
        if (id) late.push([id[1], Date.now()]);
      }
      if (state && !this.isClosed) {
        const mine = waiting.get(this);
        if (!mine) {
          waiting.set(this, [state]);
          state.streams++;
        } else if (mine[mine.length - 1] !== state) {
          mine.push(state);
          state.streams++;
        }
      }
      return sendFrame.call(this, frame);
    };
    const flush = SseConnection.prototype.flush;
    SseConnection.prototype.flush = function timedFlush() {
      if (this.pending !== '' && !this.isClosed) writes++;
      const result = flush.call(this);
      const mine = waiting.get(this);
      if (mine) {
        waiting.delete(this);
        const at = Date.now();
        for (const state of mine) if (--state.streams === 0) state.record[2] = at;
      }
      return result;
    };
  };

  const load = Module._load;
  Module._load = function loadAndPatch(request, parent, isMain) {
    const exports = load.call(this, request, parent, isMain);
    if (exports) {
      if (!patched.feed && typeof exports.EventFeed === 'function' && typeof exports.EventFeed.prototype.committed === 'function') patchFeed(exports.EventFeed);
      if (!patched.sse && typeof exports.SseConnection === 'function' && typeof exports.SseConnection.prototype.flush === 'function')
        patchSse(exports.SseConnection);
    }
    return exports;
  };
  process.on('SIGPWR', () => {
    const these = commits;
    const written = writes;
    const sentLate = late;
    commits = [];
    writes = 0;
    late = [];
    // What it records is the time between its 10 ms timer's runs: the delay is the excess.
    const excess = (ns) => Math.max(0, ns / 1e6 - 10);
    const loopDelayMs = { p50: excess(loop.percentile(50)), p99: excess(loop.percentile(99)), max: excess(loop.max) };
    loop.reset();
    writeFileSync(target, JSON.stringify({ patched: patched.feed && patched.sse, writes: written, late: sentLate, loopDelayMs, commits: these }));
    process.stderr.write(`event timing written to ${target}\n`);
  });
}
