// Reset methods beyond email (issue 5): wrong second-factor codes or answers count per reset flow
// (factor_attempts; the flow dies at the limit), and the optional security questions: answers are
// normalised and stored as argon2id hashes, one row per question a person chose.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function resetMethods(dialect: Dialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('password_resets')
        .addColumn('factor_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('security_answers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('question_id', 'text', (c) => c.notNull())
        .addColumn('answer_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addUniqueConstraint('security_answers_account_question', ['account_id', 'question_id'])
        .execute();
    },
  };
}
