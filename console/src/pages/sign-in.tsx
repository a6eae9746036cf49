import { useState } from 'preact/hooks';
import { signInLocally, signInWithCognito, type Group } from '../auth.ts';
import type { ConsoleConfig } from '../config.ts';
import { ErrorNote } from '../components.tsx';
import { useWords } from '../i18n.ts';

/** Locally: pick a person and a group. In the cloud: off to the clinic's managed login. */
export const SignIn = ({ config, problem }: { config: ConsoleConfig; problem?: unknown }) => {
  const words = useWords();
  const [user, setUser] = useState('manager@clinic.example');
  const [group, setGroup] = useState<Group>('managers');
  const [error, setError] = useState<unknown>(problem);
  const [busy, setBusy] = useState(false);

  if (config.auth.kind === 'cognito')
    return (
      <main id="main" class="sign-in">
        <h1>{words.signIn.title}</h1>
        <button type="button" class="primary" onClick={() => void signInWithCognito(config).catch(setError)}>
          {words.signIn.cognito}
        </button>
        {error !== undefined && <ErrorNote error={error} />}
      </main>
    );

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signInLocally(config, user.trim(), group);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>{words.signIn.title}</h1>
      <p class="note">{words.signIn.localNote}</p>
      <form onSubmit={(event) => void submit(event)}>
        <label>
          {words.signIn.person}
          <input
            name="user"
            type="text"
            autocomplete="username"
            required
            maxLength={128}
            value={user}
            onInput={(event) => setUser(event.currentTarget.value)}
          />
        </label>
        <fieldset>
          <legend>{words.signIn.group}</legend>
          {(['managers', 'staff'] as const).map((each) => (
            <label key={each} class="choice">
              <input type="radio" name="group" value={each} checked={group === each} onChange={() => setGroup(each)} />
              {words.signIn[each]}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="primary" disabled={busy}>
          {words.signIn.submit}
        </button>
      </form>
      {error !== undefined && <ErrorNote error={error} />}
    </main>
  );
};
