import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { isAdmin, isStaff, principalOf, session } from './api.js';
import { html } from './html.js';
import { AnalyticsPage } from './pages/analytics.js';
import { OperationsPage } from './pages/operations.js';
import { OrderPage } from './pages/order.js';
import { OrdersPage } from './pages/orders.js';
import { SignInPage } from './pages/sign-in.js';

/** Hash routes, so the service serves one page and a reload keeps the place: #/orders, #/orders/<id>, … */
function parseRoute(hash) {
  const [path, search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  return { parts, params: new URLSearchParams(search) };
}

function useRoute() {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

const pages = [
  { href: '#/orders', label: 'Orders', show: () => true },
  { href: '#/analytics', label: 'Analytics', show: isStaff },
  { href: '#/operations', label: 'Operations', show: isAdmin },
];

function App() {
  const route = useRoute();
  const [token, setToken] = useState(() => session.token());
  const principal = token ? principalOf(token) : null;
  const signedIn = principal && (!principal.expiresAt || principal.expiresAt > Date.now());

  useEffect(() => {
    const title = route.parts[0] ? route.parts[0][0].toUpperCase() + route.parts[0].slice(1) : 'Orders';
    document.title = `${signedIn ? title : 'Sign in'} · Order service console`;
  }, [route, signedIn]);

  const signOut = () => {
    session.signOut();
    setToken(null);
    window.location.hash = '#/sign-in';
  };

  if (!signedIn) {
    return html`<${Layout} principal=${null}>
      <${SignInPage}
        expired=${Boolean(principal)}
        onSignedIn=${(value) => {
          session.signIn(value);
          setToken(value);
          if (!route.parts[0] || route.parts[0] === 'sign-in') window.location.hash = '#/orders';
        }}
      />
    <//>`;
  }

  const [first, second] = route.parts;
  let page;
  if (first === 'orders' && second)
    page = html`<${OrderPage} key=${second} orderId=${second} principal=${principal} />`;
  else if (first === 'analytics') page = html`<${AnalyticsPage} />`;
  else if (first === 'operations') page = html`<${OperationsPage} />`;
  else page = html`<${OrdersPage} principal=${principal} params=${route.params} />`;

  return html`<${Layout} principal=${principal} onSignOut=${signOut} current=${first ?? 'orders'}>${page}<//>`;
}

function Layout({ principal, onSignOut, current, children }) {
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <p class="brand">Order service console</p>
      ${
        principal &&
        html`<nav aria-label="Main">
          <ul>
            ${pages
              .filter((page) => page.show(principal))
              .map(
                (page) => html`<li>
                  <a href=${page.href} aria-current=${page.href === `#/${current}` ? 'page' : undefined}>${page.label}</a>
                </li>`,
              )}
          </ul>
        </nav>
        <div class="who">
          <span>Signed in as <strong>${principal.subject}</strong> (${principal.roles.join(', ')})</span>
          <button type="button" class="secondary" onClick=${onSignOut}>Sign out</button>
        </div>`
      }
    </header>
    <main id="main" tabindex="-1">${children}</main>
  `;
}

const root = document.getElementById('app');
// Preact renders beside what is there; the "Loading" placeholder goes first.
root.replaceChildren();
render(html`<${App} />`, root);
