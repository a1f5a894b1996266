import { h } from 'preact';
import { useState } from 'preact/hooks';
import type { AdminClient } from './client';
import { FormField } from '../widget/form-field';

/** The password form; the server sets the session cookie, so nothing is kept here. */
export function SignIn({ client, onSignedIn, notice }: { client: AdminClient; onSignedIn(): void; notice: string }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      await client.signIn(password);
      onSignedIn();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };
  return (
    <form class="comment-form sign-in" onSubmit={submit}>
      <h2>Sign in to moderate</h2>
      {notice && <p class="notes">{notice}</p>}
      <FormField id="admin-password" label="Password" type="password" autoComplete="current-password" required value={password} onInput={setPassword} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="submit" disabled={busy}>
        Sign in
      </button>
    </form>
  );
}
