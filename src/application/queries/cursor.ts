import { ValidationError } from '../../domain/errors.js';
import type { Position, Sort } from './read-model.js';

/**
 * The opaque `cursor` of a page: the sort it belongs to and the position of the page's last
 * order, as base64url JSON. Clients pass it back untouched; anything else is a 400.
 */
export function encodeCursor(sort: Sort, position: Position): string {
  return Buffer.from(JSON.stringify([sort.field, sort.order, position.value, position.id])).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string, sort: Sort): Position {
  const invalid = (message: string) =>
    new ValidationError('The cursor is not valid', [{ field: '/querystring/cursor', message }]);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is not a cursor this service issued');
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 4 ||
    typeof decoded[2] !== 'number' ||
    !Number.isSafeInteger(decoded[2]) ||
    typeof decoded[3] !== 'string'
  ) {
    throw invalid('is not a cursor this service issued');
  }
  const [field, order, value, id] = decoded as [unknown, unknown, number, string];
  if (field !== sort.field || order !== sort.order) {
    throw invalid(`belongs to sort ${String(field)} ${String(order)}; pass the same sort and order`);
  }
  return { value, id };
}
