import { render } from 'preact';
import { configureApi } from './api.ts';
import { App } from './app.tsx';
import { completeCognitoSignIn } from './auth.ts';
import { loadConfig } from './config.ts';
import './style.css';

const root = document.getElementById('app')!;

const start = async (): Promise<void> => {
  const config = await loadConfig();
  configureApi(config);
  // A failed return from the login page leaves the person on the sign-in page, told why.
  const signInProblem: unknown = await completeCognitoSignIn(config).then(
    () => undefined,
    (error: unknown) => error,
  );
  // The static "loading" line of index.html goes: Preact renders beside what it did not render.
  root.replaceChildren();
  render(<App config={config} signInProblem={signInProblem} />, root);
};

start().catch((error: unknown) => {
  root.textContent = `The console could not start: ${error instanceof Error ? error.message : String(error)}`;
});
