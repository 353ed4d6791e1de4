// The dependencies of flows live one layer down (methods/deps.ts), so methods can use them without importing a flow.
export type * from '../methods/deps.js';

/** `true` only when A and B are the same union: a flow's state type checked against its store column's. */
export type SameUnion<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
