import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FieldError } from '../domain/errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
}

/** Sends an RFC 9457 problem document; the one way any error leaves this service. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: Omit<Problem, 'instance'>,
) {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ ...problem, instance: request.url.split('?')[0] });
}
