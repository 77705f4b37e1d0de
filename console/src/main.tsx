import { render } from 'preact';
import { setUnauthenticatedHandler } from './api.js';
import { App } from './app.js';
import { navigate } from './router.js';
import { loadSession, sessionEnded, startSessionKeeper } from './session.js';

const root = document.getElementById('app')!;

setUnauthenticatedHandler(() => {
  sessionEnded();
  navigate('sign-in');
});

let bootError: unknown;
// Back from the hosted UI (`/admin/?code=..&state=..`) the sign-in page completes the sign-in; otherwise the cookie
// may already name a session.
if (!new URLSearchParams(location.search).has('code')) {
  await loadSession().catch((error: unknown) => (bootError = error));
}
startSessionKeeper();
root.textContent = '';
render(<App bootError={bootError} />, root);
