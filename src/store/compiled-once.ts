// Hot queries built and compiled once. Kysely otherwise rebuilds and recompiles the whole query tree on every
// call, which profiling showed was about a third of a session check's CPU.
import { randomUUID } from 'node:crypto';
import type { CompiledQuery, Compilable, Kysely } from 'kysely';

/**
 * Returns a function that runs the query `build` describes with `arg` as its one parameter. The query is
 * built once with a unique marker in place of the argument; each run copies the compiled SQL and swaps the
 * marker for the argument, so the SQL text (and SQLite's cached statement) is the same every time.
 */
export function compiledOnce<Row, Arg extends string | number>(
  // biome-ignore lint/suspicious/noExplicitAny: any database; the row type comes from `build`
  db: Kysely<any>,
  build: (arg: Arg) => Compilable<Row>,
): (arg: Arg) => Promise<Row[]> {
  let compiled: CompiledQuery<Row> | undefined;
  let slots: number[] = [];
  return async (arg) => {
    if (!compiled) {
      const marker = `passdesk-param-${randomUUID()}`;
      compiled = build(marker as Arg).compile();
      slots = compiled.parameters.flatMap((p, i) => (p === marker ? [i] : []));
      if (slots.length === 0) throw new Error('compiledOnce: the query does not use its argument');
    }
    const parameters = compiled.parameters.slice();
    for (const i of slots) parameters[i] = arg;
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}
