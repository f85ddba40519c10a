import { describe, expect, it } from 'vitest';
import { groupCommit } from '../../../src/infrastructure/db/group-commit.js';

/** A stand-in for the database: records each transaction's works and holds it until released. */
function recordingTransactions(fails: (works: readonly string[]) => Error | null = () => null) {
  const transactions: string[][] = [];
  const held: Array<() => void> = [];
  const together = async (works: readonly string[]) => {
    transactions.push([...works]);
    await new Promise<void>((resolve) => held.push(resolve));
    const error = fails(works);
    if (error) throw error;
    return works.map((work) => `done ${work}`);
  };
  const releaseAll = async () => {
    while (held.length > 0) {
      for (const release of held.splice(0)) release();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { together, transactions, releaseAll };
}

describe('group commit', () => {
  it('runs work at once while a lane is free, and what waited for one together', async () => {
    const db = recordingTransactions();
    const run = groupCommit({ together: db.together, worthRunningAlone: () => true, lanes: 2, maxGroup: 3 });
    const results = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((work) => run(work));
    // Two lanes: a and b start alone at once; the rest wait.
    expect(db.transactions).toEqual([['a'], ['b']]);
    await db.releaseAll();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((w) => `done ${w}`));
    // What waited went in groups of at most three, in arrival order.
    expect(db.transactions).toEqual([['a'], ['b'], ['c', 'd', 'e'], ['f', 'g']]);
  });

  it('by default writes two transactions at once, and groups at most sixteen works', async () => {
    const db = recordingTransactions();
    const run = groupCommit({ together: db.together, worthRunningAlone: () => true });
    const works = Array.from({ length: 20 }, (_, i) => `w${i}`);
    const results = works.map((work) => run(work));
    expect(db.transactions).toEqual([['w0'], ['w1']]);
    await db.releaseAll();
    await Promise.all(results);
    expect(db.transactions.map((group) => group.length)).toEqual([1, 1, 16, 2]);
  });

  it('runs each work of a failed group again alone, so a failure is only its own work’s', async () => {
    const db = recordingTransactions((works) =>
      works.includes('bad') ? new Error(`failed: ${works}`) : null,
    );
    const run = groupCommit({ together: db.together, worthRunningAlone: () => true, lanes: 1 });
    const first = run('first');
    const group = ['x', 'bad', 'y'].map((work) => run(work).catch((error: Error) => error.message));
    await db.releaseAll();
    expect(await first).toBe('done first');
    expect(await Promise.all(group)).toEqual(['done x', 'failed: bad', 'done y']);
    expect(db.transactions).toEqual([['first'], ['x', 'bad', 'y'], ['x'], ['bad'], ['y']]);
  });

  it('does not run a group again when the failure says it would not help', async () => {
    const db = recordingTransactions((works) => (works.length > 1 ? new Error('database away') : null));
    const run = groupCommit({ together: db.together, worthRunningAlone: () => false, lanes: 1 });
    const first = run('first');
    const group = ['x', 'y'].map((work) => run(work).catch((error: Error) => error.message));
    await db.releaseAll();
    await first;
    expect(await Promise.all(group)).toEqual(['database away', 'database away']);
    expect(db.transactions).toEqual([['first'], ['x', 'y']]);
  });
});
