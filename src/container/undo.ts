// LIFO rollback for create: every step that makes something pushes how to unmake it.
// Each undo is best effort and logged; the error that started the rollback is kept.
import type { Logger } from '../log/logger';

export class Undo {
  private readonly steps: { what: string; run: () => void }[] = [];

  constructor(private readonly logger: Logger) {}

  push(what: string, run: () => void): void {
    this.steps.push({ what, run });
  }

  /** Forget everything: the operation succeeded. */
  commit(): void {
    this.steps.length = 0;
  }

  rollback(): void {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        step.run();
      } catch (err) {
        this.logger.warn(`rollback: ${step.what}: ${(err as Error).message}`);
      }
    }
  }
}
