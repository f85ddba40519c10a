export interface GroupCommitOptions<W, R> {
  /** Runs the works in one transaction; resolves to each one's result, in order. */
  together(works: readonly W[]): Promise<R[]>;
  /** True when running the works of a failed group again, each alone, may succeed. */
  worthRunningAlone(error: unknown): boolean;
  /**
   * Transactions written at once; the pool keeps its other connections for other work. Two: one
   * gathers while the other commits. At saturation on two cores (up to 100 orders in the saga), four
   * lanes confirmed ~217 orders/s at 8.4 ms of the machine's CPU each, two lanes ~230/s at 7.7 ms:
   * fewer, larger groups pay fewer BEGINs, COMMITs and closing batches (docs/benchmarks.md).
   */
  lanes?: number;
  /** Most works in one transaction: the locks it takes are held until the last one is done. */
  maxGroup?: number;
}

/**
 * Group commit: work that arrives while every lane is busy waits, and what waited runs as one
 * transaction when a lane frees. At saturation a transaction's BEGIN, closing writes and COMMIT
 * (an fsync) are paid once per group instead of once per work; at low load every work finds a
 * free lane and runs alone, with no added wait. If a shared transaction fails, each of its works
 * runs again alone, so that every caller gets its own outcome and one failure costs no one else
 * their work: works must be safe to run twice, as they already are for a deadlock's retry.
 */
export function groupCommit<W, R>(options: GroupCommitOptions<W, R>): (work: W) => Promise<R> {
  const { together, worthRunningAlone, lanes = 2, maxGroup = 16 } = options;
  const waiting: Array<{ work: W; resolve(result: R): void; reject(error: unknown): void }> = [];
  let busy = 0;

  const alone = async (work: W): Promise<R> => {
    const [result] = await together([work]);
    return result as R;
  };

  async function run(group: typeof waiting): Promise<void> {
    try {
      const results = await together(group.map(({ work }) => work));
      for (const [index, member] of group.entries()) member.resolve(results[index] as R);
    } catch (error) {
      if (group.length === 1 || !worthRunningAlone(error)) {
        for (const member of group) member.reject(error);
        return;
      }
      await Promise.all(group.map((member) => alone(member.work).then(member.resolve, member.reject)));
    }
  }

  function next(): void {
    while (busy < lanes && waiting.length > 0) {
      busy += 1;
      void run(waiting.splice(0, maxGroup)).finally(() => {
        busy -= 1;
        next();
      });
    }
  }

  return (work) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ work, resolve, reject });
      next();
    });
}
