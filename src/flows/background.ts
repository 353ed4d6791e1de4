// Work a flow starts after its response is on its way (the reset request's account lookup and email),
// so how long that work takes cannot show in the response. setImmediate runs after the reply is written.
import type { BackgroundTasks } from './deps.js';

export function backgroundTasks(o: { onError(name: string, err: unknown): void }): BackgroundTasks {
  const pending = new Set<Promise<void>>();
  return {
    run(name, task) {
      const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(task)
        .catch((err: unknown) => o.onError(name, err))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
