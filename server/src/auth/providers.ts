import type { AppConfig } from '../config/config';

/** How a way of signing in works: OpenID Connect, GitHub's OAuth, the host site's tokens, or a link by mail. */
export type ProviderKind = 'oidc' | 'github' | 'sso' | 'email';

/** A way to sign in that the site owner configured, as the widget lists it. */
export interface Provider {
  /** In `/api/auth/start/<id>` and `/api/auth/callback/<id>`, and stored with each user. */
  id: string;
  /** The button's label ("Log in with GitHub") and the verified mark. */
  name: string;
  kind: ProviderKind;
}

/** The pages that may sign in (receive a session): the sites of COLLOQUY_ORIGINS, and the server's own (the demo pages). */
export const signInOrigins = (config: AppConfig): ReadonlySet<string> =>
  new Set([...config.origins, ...(config.publicUrl ? [new URL(config.publicUrl).origin] : [])]);

/** Every way to sign in the configuration turns on, in the order the widget shows them; none by default. */
export function configuredProviders(config: AppConfig): Provider[] {
  return [
    ...(config.oidcIssuer ? [{ id: 'oidc', name: config.oidcName, kind: 'oidc' as const }] : []),
    ...config.oidc.map(({ id, name }) => ({ id, name, kind: 'oidc' as const })),
    ...(config.githubClientId ? [{ id: 'github', name: 'GitHub', kind: 'github' as const }] : []),
    ...(config.ssoSecret || config.ssoPublicKey || config.ssoJwksUrl ? [{ id: 'sso', name: config.ssoName, kind: 'sso' as const }] : []),
    ...(config.emailSignIn ? [{ id: 'email', name: 'Email', kind: 'email' as const }] : []),
  ];
}
