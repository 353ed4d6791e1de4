// Hot queries built and compiled once. Kysely otherwise rebuilds and recompiles the whole query tree on every
// call, which profiling showed was about a third of a session check's CPU.
import { randomUUID } from 'node:crypto';
import type SQLite from 'better-sqlite3';
import type { CompiledQuery, Compilable, Kysely } from 'kysely';

/**
 * Leads the SQL of a query whose rows are wanted as arrays of values in select order. SQLite's statement cache
 * (store/db.ts) prepares such a statement in better-sqlite3's raw mode: building an object row costs a property
 * name and a map transition per column in native code, about 6 µs for the session check's 25 columns, an array
 * almost nothing. PostgreSQL ignores the comment and its rows are turned into arrays here.
 */
export const ARRAY_ROWS_MARKER = '/* array rows */ ';

// biome-ignore lint/suspicious/noExplicitAny: any database; the row type comes from `build`
type AnyKysely = Kysely<any>;

/** The query built once with a unique marker in place of its argument, and where the argument goes. */
function compileWithMarker<Row>(build: (marker: string) => Compilable<Row>, sqlPrefix: string): { compiled: CompiledQuery<Row>; slots: number[] } {
  const marker = `passdesk-param-${randomUUID()}`;
  const built = build(marker).compile();
  const compiled = { ...built, sql: sqlPrefix + built.sql };
  const slots = compiled.parameters.flatMap((p, i) => (p === marker ? [i] : []));
  if (slots.length === 0) throw new Error('compiledOnce: the query does not use its argument');
  return { compiled, slots };
}

/**
 * Builds the query once with a unique marker in place of the argument; each run swaps in the argument and
 * passes the rows through `rowsOf` (in the same step, not one more async layer on the hot path).
 */
function compileWithSlot<Row, Out, Arg extends string | number>(
  db: AnyKysely,
  build: (arg: Arg) => Compilable<Row>,
  sqlPrefix: string,
  rowsOf: (rows: Row[]) => Out[],
): (arg: Arg) => Promise<Out[]> {
  let compiled: CompiledQuery<Row> | undefined;
  let slots: number[] = [];
  return async (arg) => {
    if (!compiled) ({ compiled, slots } = compileWithMarker((marker) => build(marker as Arg), sqlPrefix));
    const parameters = compiled.parameters.slice();
    for (const i of slots) parameters[i] = arg;
    // Not `{ ...compiled, parameters }`: a literal of the same shape every time stays on V8's fast paths.
    const result = await db.executeQuery<Row>({ query: compiled.query, queryId: compiled.queryId, sql: compiled.sql, parameters });
    return rowsOf(result.rows);
  };
}

/**
 * Returns a function that runs the query `build` describes with `arg` as its one parameter. The query is
 * built once with a unique marker in place of the argument; each run copies the compiled SQL and swaps the
 * marker for the argument, so the SQL text (and SQLite's cached statement) is the same every time.
 */
export function compiledOnce<Row, Arg extends string | number>(db: AnyKysely, build: (arg: Arg) => Compilable<Row>): (arg: Arg) => Promise<Row[]> {
  return compileWithSlot(db, build, '', (rows) => rows);
}

/**
 * As compiledOnce, with each row as the array of its values in select order, on both databases. The selected
 * names must be distinct (PostgreSQL's rows are objects first, whose values are taken in column order).
 */
export function compiledOnceAsArrays<Arg extends string | number>(db: AnyKysely, build: (arg: Arg) => Compilable<unknown>): (arg: Arg) => Promise<unknown[][]> {
  return compileWithSlot(db, build, ARRAY_ROWS_MARKER, (rows: unknown[]) =>
    rows.every(Array.isArray) ? (rows as unknown[][]) : rows.map((row) => (Array.isArray(row) ? row : Object.values(row as Record<string, unknown>))),
  );
}

/**
 * As compiledOnceAsArrays, run synchronously on SQLite's reading connection (store/db.ts), outside Kysely: the
 * statement is prepared there once, in raw mode. Only for reads outside a transaction — inside one, a read must
 * go through the transaction's own connection to see its writes.
 */
export function compiledOnceOnReader<Arg extends string | number>(
  reader: SQLite.Database,
  build: (arg: Arg) => Compilable<unknown>,
): (arg: Arg) => unknown[][] {
  let statement: SQLite.Statement | undefined;
  let template: readonly unknown[] = [];
  let slots: number[] = [];
  return (arg) => {
    if (!statement) {
      const { compiled, slots: at } = compileWithMarker((marker) => build(marker as Arg), '');
      statement = reader.prepare(compiled.sql).raw(true);
      template = compiled.parameters;
      slots = at;
    }
    const parameters = template.slice();
    for (const i of slots) parameters[i] = arg;
    return statement.all(parameters) as unknown[][];
  };
}
