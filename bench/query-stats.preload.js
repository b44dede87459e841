/**
 * Preloaded into the app by a bench (node -r) when asked for statement figures: PostgreSQL's
 * pg_stat_statements is often not loaded (it needs shared_preload_libraries and a restart), so the
 * app counts what it sends instead. Every pg Client query is counted by its text (whitespace
 * collapsed), with its calls and time from send to answer (the round trip as the app waits for it).
 * Counting runs between two SIGUSR2 signals (the first starts a window, the second writes it to
 * $BENCH_QUERY_STATS as JSON and stops), so only a measured phase is counted. SIGUSR2: ignored by
 * Node by default and not one of the signals the app shuts down on; a bench that uses SIGUSR2 for
 * something else (the memory probe) names another in $BENCH_QUERY_STATS_SIGNAL (SIGURG: ignored too).
 */
'use strict';
const { writeFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');

const target = process.env.BENCH_QUERY_STATS;
if (target) {
  const { Client } = require('pg');
  const original = Client.prototype.query;
  /** text -> { calls, ms } while a window is open, else null. */
  let window = null;
  let openedAt = 0;
  const keyOf = (q) => {
    const text = typeof q === 'string' ? q : q && typeof q.text === 'string' ? q.text : '(unknown)';
    return text.replace(/\s+/g, ' ').trim().slice(0, 160);
  };
  Client.prototype.query = function countedQuery(...args) {
    if (!window) return original.apply(this, args);
    const entry = (window[keyOf(args[0])] ??= { calls: 0, ms: 0 });
    entry.calls++;
    const start = performance.now();
    const done = () => (entry.ms += performance.now() - start);
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const cb = args[last];
      args[last] = function timed(...r) {
        done();
        return cb.apply(this, r);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result && typeof result.then === 'function') result.then(done, done);
    return result;
  };
  process.on(process.env.BENCH_QUERY_STATS_SIGNAL || 'SIGUSR2', () => {
    if (!window) {
      window = {};
      openedAt = performance.now();
      return;
    }
    const statements = Object.entries(window)
      .map(([text, s]) => ({ text, calls: s.calls, ms: Math.round(s.ms) }))
      .sort((a, b) => b.calls - a.calls);
    window = null;
    writeFileSync(target, JSON.stringify({ windowMs: Math.round(performance.now() - openedAt), statements }));
    process.stderr.write(`query stats written to ${target}\n`);
  });
}
