/**
 * Preloaded into the app by a bench (node -r) when asked for a CPU profile: the profiler runs
 * between two SIGWINCH signals and the profile is written to $BENCH_CPU_PROFILE (.cpuprofile, open
 * it in Chrome DevTools or speedscope). SIGWINCH (ignored by default, and not one of the signals Nest shuts down on), not --cpu-prof: that writes only on a normal exit,
 * and the app ends by a signal; and this way only the measured phase is profiled.
 */
'use strict';
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');

const target = process.env.BENCH_CPU_PROFILE;
if (target) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGWINCH', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')));
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(target, JSON.stringify(result.profile));
      process.stderr.write(`cpu profile ${err ? `failed: ${err.message}` : `written to ${target}`}\n`);
    });
  });
}
