// Runs the postmaster and keeps it running: if it dies while the app runs, it is started again on the same port
// (the connection string is baked into the pools), with a bounded exponential back-off. Right after a SIGKILL the
// orphaned backends may still hold the old shared memory and postgres refuses to start; the next try works.
import { spawn, type ChildProcess } from 'node:child_process';
import type { RunAs } from './data-location';
import { postgresEnvironment } from './initdb';
import { StartError } from './start-error';

export interface SupervisorEvents {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

export interface PostmasterSpec {
  postgres: string;
  clusterDir: string;
  port: number;
  user: RunAs | null;
  /** PostgreSQL's own output, line by line. */
  log: (line: string) => void;
  events?: SupervisorEvents;
  backoff?: { firstMs: number; maxMs: number };
}

const READY = 'database system is ready to accept connections';
const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Settles true when `promise` settles (either way) within `ms`, false otherwise. */
export function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Spawns the postmaster; `ready` resolves once it accepts connections, rejects with its reason if it exits first. */
function launch(spec: PostmasterSpec): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(
    spec.postgres,
    [
      '-D',
      spec.clusterDir,
      '-p',
      String(spec.port),
      '-c',
      'listen_addresses=127.0.0.1',
      // TCP only: no socket files in /tmp to go stale after a crash.
      '-c',
      'unix_socket_directories=',
    ],
    {
      cwd: '/',
      env: postgresEnvironment(),
      // Its own process group: a Ctrl-C in the terminal reaches the app alone, which drains requests and then
      // stops PostgreSQL, instead of PostgreSQL dying under the requests being drained.
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(spec.user ?? {}),
    },
  );
  const ready = new Promise<void>((resolve, reject) => {
    let reason = '';
    let hint = '';
    let pending = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (!line.trim()) continue;
        spec.log(line);
        const problem = /\b(?:FATAL|PANIC|ERROR):\s*(.*)$/.exec(line);
        if (problem) [reason, hint] = [problem[1]!, ''];
        const advice = /\bHINT:\s*(.*)$/.exec(line);
        if (advice && reason) hint = ` (${advice[1]!})`;
        if (line.includes(READY)) resolve();
      }
    });
    child.once('error', (error) =>
      reject(new StartError(`embedded PostgreSQL did not start: ${error.message}`)),
    );
    // 'exit', not 'close': orphaned backends keep the stderr pipe open after the postmaster itself is gone.
    child.once('exit', (code, signal) =>
      reject(
        new StartError(
          `embedded PostgreSQL did not start: ${reason ? reason + hint : `it exited with ${code ?? signal}`}`,
        ),
      ),
    );
  });
  ready.catch(() => {}); // a rejection after readiness (normal exit) is nobody's business here
  return { child, ready };
}

export class Supervisor {
  private child: ChildProcess | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;

  private constructor(private readonly spec: PostmasterSpec) {}

  /** Starts the postmaster and resolves once it accepts connections; rejects (nothing left running) if it cannot. */
  static async start(spec: PostmasterSpec): Promise<Supervisor> {
    const supervisor = new Supervisor(spec);
    const { child, ready } = launch(spec);
    supervisor.child = child;
    try {
      await ready;
    } catch (error) {
      await supervisor.stop(2000);
      throw error;
    }
    supervisor.watch(child);
    return supervisor;
  }

  /** The postmaster's pid while it runs. */
  get pid(): number | undefined {
    return this.child && !exited(this.child) ? this.child.pid : undefined;
  }

  private watch(child: ChildProcess): void {
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      if (this.stopping || child !== this.child) return;
      this.child = undefined;
      this.spec.events?.warn(
        { code, signal, postgresPid: child.pid },
        'embedded PostgreSQL exited unexpectedly; restarting it',
      );
      this.retry(1, this.spec.backoff?.firstMs ?? 250, Date.now());
    };
    if (exited(child)) onExit(child.exitCode, child.signalCode);
    else child.once('exit', onExit);
  }

  private retry(attempt: number, delayMs: number, downSince: number): void {
    const maxMs = this.spec.backoff?.maxMs ?? 10_000;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopping) return;
      const { child, ready } = launch(this.spec);
      this.child = child;
      ready.then(
        () => {
          if (this.stopping) return; // stop() has already dealt with this child
          this.spec.events?.info(
            { attempts: attempt, downtimeMs: Date.now() - downSince, postgresPid: child.pid },
            'embedded PostgreSQL restarted',
          );
          this.watch(child);
        },
        (error: unknown) => {
          if (this.stopping) return;
          this.child = undefined;
          const next = Math.min(delayMs * 2, maxMs);
          this.spec.events?.warn(
            { attempt, reason: (error as Error).message, retryInMs: next },
            'embedded PostgreSQL did not restart yet',
          );
          this.retry(attempt + 1, next, downSince);
        },
      );
    }, delayMs);
  }

  /**
   * Stops supervision, then PostgreSQL: SIGINT (fast shutdown: open sessions are ended, a checkpoint is written),
   * SIGKILL if it has not exited within most of `timeoutMs`. Returns at once when it is not running.
   */
  stop(timeoutMs = 10_000): Promise<void> {
    this.stopped ??= this.halt(timeoutMs);
    return this.stopped;
  }

  private async halt(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    const child = this.child;
    this.child = undefined;
    if (!child || child.pid === undefined || exited(child)) return;
    const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    if (await within(exit, timeoutMs * 0.8)) return;
    this.spec.events?.warn(
      { postgresPid: child.pid, timeoutMs },
      'embedded PostgreSQL did not stop in time; killing it',
    );
    child.kill('SIGKILL');
    await within(exit, Math.max(timeoutMs * 0.2, 100));
  }
}
