/**
 * AMQP topic matching: words are separated by dots, `*` stands for exactly one word and `#` for
 * zero or more words. An empty routing key has no words, as in RabbitMQ.
 */
export function topicMatches(pattern: string, routingKey: string): boolean {
  return matchWords(splitWords(pattern), 0, splitWords(routingKey), 0);
}

function splitWords(key: string): string[] {
  return key === '' ? [] : key.split('.');
}

function matchWords(pattern: string[], p: number, key: string[], k: number): boolean {
  if (p === pattern.length) return k === key.length;
  const word = pattern[p];
  if (word === '#') {
    for (let skip = k; skip <= key.length; skip++) {
      if (matchWords(pattern, p + 1, key, skip)) return true;
    }
    return false;
  }
  if (k === key.length) return false;
  return (word === '*' || word === key[k]) && matchWords(pattern, p + 1, key, k + 1);
}
