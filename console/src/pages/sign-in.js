import { useEffect, useState } from 'preact/hooks';
import { api, principalOf } from '../api.js';
import { Field, Notice } from '../components.js';
import { html } from '../html.js';

/** Paste a token; in development the service can also mint a staff token (its settings say so). */
export function SignInPage({ onSignedIn, expired }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(expired ? new Error('Your token has expired; paste a new one.') : null);
  const [devToken, setDevToken] = useState(false);

  useEffect(() => {
    api('/console/settings.json')
      .then((settings) => setDevToken(Boolean(settings?.devToken)))
      .catch(() => setDevToken(false));
  }, []);

  const submit = (event) => {
    event.preventDefault();
    const value = token.trim().replace(/^Bearer\s+/i, '');
    const principal = principalOf(value);
    if (!principal) return setError(new Error('That is not a JWT: it should look like xxxxx.yyyyy.zzzzz'));
    if (principal.expiresAt && principal.expiresAt <= Date.now())
      return setError(new Error('That token has expired.'));
    onSignedIn(value);
  };

  const mint = async () => {
    try {
      const { token: minted } = await api('/console/dev-token', { method: 'POST', body: {} });
      onSignedIn(minted);
    } catch (failure) {
      setError(failure);
    }
  };

  return html`<section class="card narrow" aria-labelledby="sign-in-title">
    <h1 id="sign-in-title">Sign in</h1>
    <p>Paste a bearer token. Staff tokens come from your identity provider, or locally from
      <code>npm run token -- --sub ops --roles admin</code>.</p>
    <form onSubmit=${submit}>
      <${Field} id="token" label="Token" hint="Kept in this browser tab only (session storage).">
        <textarea id="token" name="token" rows="4" required aria-describedby="token-hint"
          value=${token} onInput=${(event) => setToken(event.currentTarget.value)}></textarea>
      <//>
      <${Notice} error=${error} />
      <div class="actions">
        <button type="submit">Sign in</button>
        ${devToken && html`<button type="button" class="secondary" onClick=${mint}>Mint a staff token (development only)</button>`}
      </div>
    </form>
  </section>`;
}
