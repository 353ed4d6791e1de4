// Each migration takes the dialect because SQLite and PostgreSQL differ in a few column types.
export type Dialect = 'sqlite' | 'postgres';
