import type { Identity } from '../store/types';
import { identityOf } from './identity';

/** GitHub's three endpoints; tests point them at a local stand-in, since GitHub itself is out of reach there. */
export interface GithubEndpoints {
  authorize: string;
  token: string;
  /** The REST API's base: `/user` and `/user/emails` below it. */
  api: string;
}

export const githubEndpoints: GithubEndpoints = {
  authorize: 'https://github.com/login/oauth/authorize',
  token: 'https://github.com/login/oauth/access_token',
  api: 'https://api.github.com',
};

/** A GitHub answer that says something went wrong, in words for the log and the reader. */
class GithubError extends Error {}

/**
 * Sign-in with GitHub: OAuth 2.0 (not OpenID Connect), with `state` and PKCE. The user is GitHub's
 * numeric id (a login can be renamed); the email is the primary verified address, if any.
 */
export function createGithubProvider({
  clientId,
  clientSecret,
  endpoints = githubEndpoints,
}: {
  clientId: string;
  clientSecret: string;
  endpoints?: GithubEndpoints;
}) {
  const api = async (path: string, token: string) => {
    const response = await fetch(`${endpoints.api}${path}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'user-agent': 'colloquy' },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new GithubError(`GitHub answered ${response.status} for ${path}`);
    return response.json() as Promise<unknown>;
  };
  return {
    authorizationUrl({ redirectUri, state, challenge }: { redirectUri: string; state: string; challenge: string }): string {
      const url = new URL(endpoints.authorize);
      url.search = new URLSearchParams({
        client_id: clientId,
        redirect_uri: redirectUri,
        scope: 'read:user user:email',
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        allow_signup: 'true',
      }).toString();
      return url.href;
    },
    async identity({ code, redirectUri, verifier }: { code: string; redirectUri: string; verifier: string }): Promise<Identity> {
      const response = await fetch(endpoints.token, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, code, redirect_uri: redirectUri, code_verifier: verifier }),
        signal: AbortSignal.timeout(10_000),
      });
      // GitHub answers a used or wrong code with 200 and { error }.
      const token = (await response.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown };
      if (!response.ok || typeof token.access_token !== 'string') throw new GithubError(`GitHub refused the code (${String(token.error ?? response.status)})`);
      const [user, emails] = await Promise.all([api('/user', token.access_token), api('/user/emails', token.access_token).catch(() => [])]);
      const { id, login, name } = (user ?? {}) as { id?: unknown; login?: unknown; name?: unknown };
      if (typeof id !== 'number' && typeof id !== 'string') throw new GithubError('GitHub sent no user id');
      const primary = Array.isArray(emails)
        ? (emails as { email?: unknown; primary?: unknown; verified?: unknown }[]).find((e) => e.primary === true && e.verified === true)
        : undefined;
      return identityOf('github', String(id), {
        name,
        fallbackName: login,
        email: primary?.email ?? '',
        avatar: (user as { avatar_url?: unknown }).avatar_url,
      });
    },
  };
}

export type GithubProvider = ReturnType<typeof createGithubProvider>;
