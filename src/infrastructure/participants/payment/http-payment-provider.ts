import type {
  ChargeRequest,
  ChargeResult,
  PaymentProvider,
  RefundRequest,
  RefundResult,
} from './payment-provider.js';

export interface HttpPaymentProviderOptions {
  /** The gateway's API root, e.g. https://api.gateway.example */
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export class PaymentGatewayUnavailable extends Error {
  override readonly name = 'PaymentGatewayUnavailable';
}

/**
 * A card gateway over its REST API (the common shape: POST /v1/charges and /v1/refunds with a
 * bearer key). Every call carries an Idempotency-Key derived from the order or the charge, so a
 * command delivered twice, or retried after a timeout, is charged or refunded once by the
 * gateway itself. A decline (402, or a charge whose status is not `succeeded`) is an outcome;
 * a timeout, a network error or a 5xx throws, and the message is retried.
 */
export function createHttpPaymentProvider(options: HttpPaymentProviderOptions): PaymentProvider {
  const send = options.fetch ?? fetch;

  async function post(path: string, idempotencyKey: string, body: unknown) {
    let response: Response;
    try {
      response = await send(new URL(path, options.baseUrl), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new PaymentGatewayUnavailable(`payment gateway unreachable: ${(error as Error).message}`);
    }
    if (response.status >= 500 || response.status === 429) {
      throw new PaymentGatewayUnavailable(`payment gateway answered ${response.status}`);
    }
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    return { status: response.status, json };
  }

  const reasonOf = (json: Record<string, unknown>, fallback: string) =>
    typeof json.message === 'string'
      ? json.message
      : typeof json.declineReason === 'string'
        ? json.declineReason
        : fallback;

  return {
    async charge(request: ChargeRequest): Promise<ChargeResult> {
      const { status, json } = await post('/v1/charges', `charge-${request.orderId}`, {
        amount: request.amountMinor,
        currency: request.currency,
        reference: request.orderId,
        customer: request.customerId,
      });
      if (status >= 200 && status < 300 && json.status === 'succeeded' && typeof json.id === 'string') {
        return { ok: true, transactionId: json.id };
      }
      if ((status >= 200 && status < 300) || status === 402) {
        return { ok: false, reason: reasonOf(json, 'declined by the payment gateway') };
      }
      // Any other 4xx means this service sent something the gateway rejects: retrying cannot help.
      return { ok: false, reason: `payment gateway refused the request (${status})` };
    },

    async refund(request: RefundRequest): Promise<RefundResult> {
      // One key per refund: a second partial refund of the same charge is a new refund.
      const key = request.refundId ? `refund-${request.refundId}` : `refund-${request.transactionId}`;
      const { status, json } = await post('/v1/refunds', key, {
        charge: request.transactionId,
        amount: request.amountMinor,
        currency: request.currency,
      });
      if (status >= 200 && status < 300 && typeof json.id === 'string')
        return { ok: true, refundId: json.id };
      return { ok: false, reason: reasonOf(json, `payment gateway refused the refund (${status})`) };
    },
  };
}
