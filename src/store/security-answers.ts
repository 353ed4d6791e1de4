// Answers to the optional security questions (issue 5). Only argon2id hashes of normalised answers are
// kept; the question is an id from core/security-questions.ts.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface SecurityAnswer {
  id: string;
  accountId: string;
  questionId: string;
  answerHash: string;
  createdAt: number;
}

export interface SecurityAnswerRepository {
  /** The person's answers, in the order they were set. */
  listSecurityAnswers(accountId: string): Promise<SecurityAnswer[]>;
  /** Replaces every answer of the account (setting them is all or nothing). */
  replaceSecurityAnswers(accountId: string, answers: Array<{ id: string; questionId: string; answerHash: string }>, now: number): Promise<void>;
  /** Removes them all; returns how many there were. */
  removeSecurityAnswers(accountId: string): Promise<number>;
}

export function securityAnswerRepository(db: Kysely<Database>): SecurityAnswerRepository {
  return {
    async listSecurityAnswers(accountId) {
      const rows = await db.selectFrom('security_answers').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute();
      return rows.map((r) => ({ id: r.id, accountId: r.account_id, questionId: r.question_id, answerHash: r.answer_hash, createdAt: Number(r.created_at) }));
    },
    async replaceSecurityAnswers(accountId, answers, now) {
      await db.deleteFrom('security_answers').where('account_id', '=', accountId).execute();
      if (answers.length === 0) return;
      // created_at + position keeps the chosen order when every row has the same time.
      await db
        .insertInto('security_answers')
        .values(
          answers.map((a, i) => ({
            id: a.id,
            account_id: accountId,
            question_id: a.questionId,
            answer_hash: a.answerHash,
            created_at: now + i,
          })),
        )
        .execute();
    },
    async removeSecurityAnswers(accountId) {
      const r = await db.deleteFrom('security_answers').where('account_id', '=', accountId).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
