import * as client from 'openid-client';
import type { Identity } from '../store/types';
import { identityOf } from './identity';

/** One OpenID Connect provider as the flow needs it. */
export interface OidcSettings {
  id: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Any OpenID Connect provider, through openid-client (a certified relying party): discovery from
 * the issuer (once, retried after a failure), the authorization code flow with PKCE, `state` and
 * `nonce`, all checked by the library when the code is exchanged.
 */
export function createOidcProvider(settings: OidcSettings) {
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () =>
    (discovered ??= client
      .discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, undefined, {
        // The configuration allows http:// only on a loopback address (tests, local development).
        ...(new URL(settings.issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      }));
  return {
    async authorizationUrl({ redirectUri, state, nonce, verifier }: { redirectUri: string; state: string; nonce: string; verifier: string }): Promise<string> {
      const url = client.buildAuthorizationUrl(await configuration(), {
        redirect_uri: redirectUri,
        scope: 'openid profile email',
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      return url.href;
    },
    async identity({
      callbackUrl,
      redirectUri,
      state,
      nonce,
      verifier,
    }: {
      callbackUrl: URL;
      redirectUri: string;
      state: string;
      nonce: string;
      verifier: string;
    }): Promise<Identity> {
      const config = await configuration();
      const tokens = await client.authorizationCodeGrant(
        config,
        callbackUrl,
        { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true },
        { redirect_uri: redirectUri },
      );
      const { sub } = tokens.claims()!;
      // Many providers put the profile and email in the UserInfo answer only, not in the ID token;
      // openid-client checks that it is about the ID token's subject.
      const claims = { ...tokens.claims(), ...(await client.fetchUserInfo(config, tokens.access_token, sub)) };
      return identityOf(settings.id, sub, {
        name: claims.name,
        fallbackName: claims.preferred_username ?? claims.nickname,
        email: claims.email,
        // Only an address the provider says it verified stands for the reader.
        emailVerified: claims.email_verified === true,
        avatar: claims.picture,
      });
    },
  };
}

export type OidcProvider = ReturnType<typeof createOidcProvider>;
