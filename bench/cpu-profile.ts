import { existsSync, statSync } from 'node:fs';
import { note, sleep } from './bench-environment';

/**
 * The app was started with bench/cpu-profile.preload.js and profiles since a first SIGWINCH: the
 * second one makes it write the profile; waits (bounded) until the file is there and complete.
 */
export async function stopProfile(pid: number, path: string): Promise<void> {
  const before = existsSync(path) ? statSync(path).mtimeMs : 0;
  process.kill(pid, 'SIGWINCH');
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    if (existsSync(path) && statSync(path).mtimeMs !== before) {
      await sleep(300);
      note(`CPU profile of the app: ${path}`);
      return;
    }
  }
  note('no CPU profile was written');
}
