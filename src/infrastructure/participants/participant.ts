import type { Envelope, Reply } from '../../application/messaging/contract.js';

/** The participant side of the saga contract: one command in, one reply out. */
export interface Participant {
  /**
   * Decides the reply to a command. Idempotent: the same command, or a second one asking for what
   * was already done for that order, yields the same outcome without doing it twice. Throws when
   * the command is not one this participant understands (it is then retried and dead-lettered).
   */
  handle(command: Envelope): Promise<Reply>;
}

/** A command this participant does not serve, or one whose payload breaks the contract. */
export class InvalidCommand extends Error {
  override readonly name = 'InvalidCommand';
}

export function requireString(payload: Record<string, unknown>, field: string): string {
  const value = payload[field];
  if (typeof value !== 'string' || value === '') {
    throw new InvalidCommand(`payload field "${field}" must be a non-empty string`);
  }
  return value;
}

export function payloadOf(command: Envelope): Record<string, unknown> {
  const { payload } = command;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidCommand(`${command.type}: payload must be an object`);
  }
  return payload as Record<string, unknown>;
}
