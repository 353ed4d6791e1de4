// Failure limits read a count, verify a guess, then record a failure. A burst of parallel guesses would all read
// the count before any failure is written and get far more tries than the limit. Running that sequence for one
// account (or one address) at a time in this process closes the gap; the queue drains fast once the limit is hit,
// because a refused request does no hashing. Across several nodes the same needs the shared (Redis) limiter.
const tails = new Map<string, Promise<void>>();

export async function oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.then(fn);
  const tail = run.then(() => undefined, () => undefined);
  tails.set(key, tail);
  try {
    return await run;
  } finally {
    if (tails.get(key) === tail) tails.delete(key);
  }
}
