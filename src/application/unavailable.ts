/**
 * The database failed while committing, so whether the transaction took effect is unknown: the
 * connection was lost after COMMIT was sent, or before its answer arrived.
 */
export class CommitOutcomeUnknown extends Error {
  constructor(cause: unknown) {
    super('The database connection failed during commit; the outcome is unknown', { cause });
    this.name = 'CommitOutcomeUnknown';
  }
}
