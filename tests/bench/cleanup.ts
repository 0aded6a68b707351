// Undo steps, run last-registered first, each even when an earlier one failed.
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
