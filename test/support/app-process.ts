import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';

const ROOT = join(__dirname, '..', '..');

/**
 * The real app as a separate OS process (src/main.ts through swc), for tests that kill it with
 * SIGKILL or load it over loopback.
 */
export class AppProcess {
  private child?: ChildProcess;
  output = '';
  port = 0;

  /**
   * `nodeArgs`: extra flags for node itself (a bench profiles the app with --cpu-prof). `root`:
   * the checkout whose app to run (a bench compares another build with this one).
   */
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly nodeArgs: readonly string[] = [],
    private readonly root: string = ROOT,
  ) {}

  /** The app's process id (undefined before start). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Compiling src/ through swc at start takes seconds on a busy machine: wait on health, not a guess. */
  async start(timeoutMs = 90_000): Promise<void> {
    this.port ||= await freePort();
    this.child = spawn(process.execPath, [...this.nodeArgs, '-r', join(this.root, 'scripts', 'swc-register.js'), join(this.root, 'src', 'main.ts')], {
      cwd: this.root,
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`app exited with ${this.child.exitCode}:\n${this.output}`);
      const ok = await fetch(`${this.url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`app did not become healthy:\n${this.output}`);
  }

  /** As a crash or an OOM kill would: no shutdown hooks, no flushing. */
  kill9(): Promise<void> {
    return this.stop('SIGKILL');
  }

  /**
   * Sends `signal` and waits for the exit, at most `timeoutMs`: answers how the process ended
   * (`code` null and `signal` set when the signal killed it), or throws if it was still running.
   */
  async signalAndWait(signal: NodeJS.Signals, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) throw new Error('the app is not running');
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, sig) => resolve({ code, signal: sig })),
    );
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the app was still running ${timeoutMs} ms after ${signal}:\n${this.output.slice(-2000)}`)), timeoutMs);
    });
    try {
      return await Promise.race([exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}
