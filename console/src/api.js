/** The console's only way to the service: JSON over fetch, errors turned into words. */

const tokenKey = 'order-service.console.token';

export const session = {
  token: () => sessionStorage.getItem(tokenKey),
  signIn: (token) => sessionStorage.setItem(tokenKey, token),
  signOut: () => sessionStorage.removeItem(tokenKey),
};

/** What the token says about its holder (the service verifies it; this only decides what to show). */
export function principalOf(token) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    const roles = Array.isArray(payload.roles) ? payload.roles : ['customer'];
    return { subject: String(payload.sub ?? ''), roles, expiresAt: payload.exp ? payload.exp * 1000 : null };
  } catch {
    return null;
  }
}

export const isStaff = (principal) => principal?.roles.some((role) => role === 'admin' || role === 'service');
export const isAdmin = (principal) => principal?.roles.includes('admin');

/** An API answer other than 2xx, with the problem document's words. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(describeProblem(status, problem));
    this.status = status;
    this.problem = problem;
  }
}

/** problem+json `detail` (or `title`) and each field error, in one sentence a person can act on. */
export function describeProblem(status, problem) {
  const main = problem?.detail || problem?.title || `The service answered HTTP ${status}`;
  const fields = Array.isArray(problem?.errors)
    ? problem.errors.map((error) => `${error.field.replace(/^\//, '') || 'request'} ${error.message}`)
    : [];
  return fields.length > 0 ? `${main}: ${fields.join('; ')}.` : main;
}

export async function api(path, { method = 'GET', body, query } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  const headers = { accept: 'application/json' };
  const token = session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { detail: 'The service cannot be reached; check that it is running' });
  }
  const text = await response.text();
  const parsed = text ? safeJson(text) : null;
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 200) };
  }
}

export const money = (amount, currency = 'USD') =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amount);

export const when = (iso) =>
  iso ? `${new Date(iso).toLocaleString('en-GB', { timeZone: 'UTC' })} UTC` : '—';
