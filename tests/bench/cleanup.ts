// Undo steps, run last-registered first, each even when an earlier one failed; and the top level of the bench
// scripts, which runs them however the script ends.
import os from 'node:os';
import { BenchConfigError } from './config';

export class Cleanup {
  private readonly steps: { label: string; run: () => Promise<void> }[] = [];
  private running: Promise<void> | null = null;

  add(label: string, run: () => Promise<void>): void {
    this.steps.push({ label, run });
  }

  /** Runs every step once; later calls wait for the same run. Failures are reported, not thrown. */
  runAll(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.splice(0).reverse()) {
        try {
          await step.run();
        } catch (error) {
          console.error(`cleanup: ${step.label} failed:`, error);
        }
      }
    })();
    return this.running;
  }
}

/**
 * Runs a script's `main` with a Cleanup that runs when it ends, fails or is interrupted (SIGINT, SIGTERM), then
 * exits with main's code: 2 for a bad setting (BenchConfigError), 1 for any other failure. Exiting explicitly: a
 * stray timer (session pruning, pg idle sockets) must not keep a finished run alive.
 */
export function runScript(main: (cleanup: Cleanup) => Promise<number>): void {
  const cleanup = new Cleanup();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: cleaning up`);
      void cleanup.runAll().then(() => process.exit(128 + os.constants.signals[signal]));
    });
  }
  // Not awaited: the top level of a CommonJS script. main's failures end in the .catch; runAll never rejects.
  void main(cleanup)
    .catch((error: unknown) => {
      console.error(error instanceof BenchConfigError ? error.message : error);
      return error instanceof BenchConfigError ? 2 : 1;
    })
    .then(async (code) => {
      await cleanup.runAll();
      process.exit(code);
    });
}
