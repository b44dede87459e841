/**
 * Preloaded into the app by a bench (node --expose-gc -r) for its leak check: on SIGUSR2 the app
 * collects its garbage fully and writes process.memoryUsage() to $BENCH_MEMORY_PROBE (JSON), so
 * the bench compares the live heap after two rounds of the same load, which RSS alone cannot
 * tell (V8 keeps freed pages for a while, and grows its heap lazily).
 */
'use strict';
const { writeFileSync } = require('node:fs');

const target = process.env.BENCH_MEMORY_PROBE;
if (target) {
  process.on('SIGUSR2', () => {
    if (typeof global.gc === 'function') {
      global.gc();
      global.gc();
    }
    const m = process.memoryUsage();
    writeFileSync(target, JSON.stringify({ at: Date.now(), collected: typeof global.gc === 'function', ...m }));
  });
}
