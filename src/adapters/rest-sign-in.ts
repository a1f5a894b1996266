import type { SignedInReader } from './types';
import { readSession, sessionKey } from './reader-session';
import { createWebStorage, writeJson } from './web-storage';

/** A way to sign in that the server offers. */
export interface SignInProvider {
  id: string;
  name: string;
  kind: 'oidc' | 'github' | 'sso' | 'email';
}

export interface SignInOffer {
  providers: SignInProvider[];
  /** `required`: only signed-in readers may post. */
  signIn: 'optional' | 'required';
  /** The host site's own pages for its sign-in. */
  sso?: { loginUrl?: string; logoutUrl?: string };
}

/** How a popup's callback page answers its opener. */
type PopupAnswer = { type: 'colloquy:sign-in'; session?: string; reader?: SignedInReader; user?: SignedInReader; error?: string };

/** The message a failed call carries: the server's own words when it sent some. */
async function failure(response: Response): Promise<Error> {
  const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  return new Error(body.error?.message ?? `The server answered ${response.status}.`);
}

/**
 * The REST adapter's sign-in calls, in the sign-in pack (not colloquy.js): the server's ways to sign
 * in, the popup (or redirect) through a provider, the host site's token, and the session, kept in
 * the host page's localStorage where the REST adapter finds it for its requests.
 */
export function createRestSignIn(api: string) {
  const store = createWebStorage();
  const key = sessionKey(api);
  const serverOrigin = new URL(api, location.href).origin;
  const call = async <T>(path: string, init: RequestInit = {}): Promise<T | undefined> => {
    const token = readSession(store, api)?.token;
    const response = await fetch(api + path, {
      ...init,
      headers: { ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    });
    if (!response.ok) throw await failure(response);
    return response.status === 204 ? undefined : ((await response.json()) as T);
  };
  const keep = (token: string, reader: SignedInReader) => {
    writeJson(store, key, { token, reader });
    return reader;
  };
  const forget = () => store.remove(key);
  const startUrl = (provider: string, mode: 'popup' | 'redirect') =>
    `${api}auth/start/${encodeURIComponent(provider)}?${new URLSearchParams({ origin: location.origin, mode, ...(mode === 'redirect' ? { returnTo: location.href } : {}) })}`;

  return {
    offer: () => call<SignInOffer>('auth/providers') as Promise<SignInOffer>,

    /** The reader of the stored session, asked of the server (which may rotate the token); null when there is none or it ended. */
    async current(): Promise<SignedInReader | null> {
      // Back from a redirect sign-in: the session is in the address's fragment, which is then removed.
      const fromRedirect = /[#&]colloquy-session=(cqs\.[\w-]{43})/.exec(location.hash)?.[1];
      if (fromRedirect) {
        history.replaceState(history.state, '', location.href.replace(/#.*$/, ''));
        writeJson(store, key, { token: fromRedirect, reader: { id: '', name: '', provider: '', verifiedBy: '', avatarSeed: '' } });
      }
      const stored = readSession(store, api);
      if (!stored) return null;
      try {
        const me = await call<{ user: SignedInReader; session?: string }>('auth/me');
        return keep(me!.session ?? stored.token, me!.user);
      } catch {
        // Ended, revoked or blocked: signed out here too. Offline: try again at the next visit.
        forget();
        return null;
      }
    },

    async withHostToken(token: string): Promise<SignedInReader> {
      forget();
      const answer = await call<{ session: string; user: SignedInReader }>('auth/sso', { method: 'POST', body: JSON.stringify({ token }) });
      return keep(answer!.session, answer!.user);
    },

    /**
     * Signs in through a provider in a popup; without one (blocked), the page itself goes to the
     * provider and comes back (then `current` finds the session). Resolves with the reader, or
     * rejects with why not; `cancel` (or closing the popup) ends it without a reader.
     */
    withProvider(provider: string, signal: AbortSignal): Promise<SignedInReader> {
      const popup = open(startUrl(provider, 'popup'), 'colloquy-sign-in', 'popup,width=520,height=680');
      if (!popup) {
        location.assign(startUrl(provider, 'redirect'));
        return new Promise(() => {});
      }
      return new Promise((resolve, reject) => {
        const done = () => {
          removeEventListener('message', onMessage);
          clearInterval(watch);
        };
        const onMessage = (event: MessageEvent<PopupAnswer>) => {
          // Only the server's own page, and only its answer.
          if (event.origin !== serverOrigin || event.source !== popup || event.data?.type !== 'colloquy:sign-in') return;
          done();
          const reader = event.data.user;
          if (event.data.session && reader) resolve(keep(event.data.session, reader));
          else reject(new Error(event.data.error ?? 'The server sent an unexpected answer.'));
        };
        // A popup closed without an answer: cancelled.
        const watch = setInterval(() => {
          if (!popup.closed) return;
          done();
          reject(new DOMException('closed', 'AbortError'));
        }, 400);
        signal.addEventListener('abort', () => {
          done();
          popup.close();
          reject(new DOMException('cancelled', 'AbortError'));
        });
        addEventListener('message', onMessage);
      });
    },

    /** Asks for a sign-in link by mail; the link brings the reader back to this page, signed in. */
    async byEmail(email: string, name: string): Promise<void> {
      await call('auth/email', { method: 'POST', body: JSON.stringify({ email, name, returnTo: location.href }) });
    },

    /** Log Out: the session ends on the server, and is forgotten here whatever the server says. */
    async logOut(): Promise<void> {
      try {
        await call('auth/session', { method: 'DELETE' });
      } finally {
        forget();
      }
    },
  };
}

export type RestSignIn = ReturnType<typeof createRestSignIn>;
