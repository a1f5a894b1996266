import { describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/config/config';
import { describeServerOptions } from '../../src/config/help';

const publicUrl = { COLLOQUY_PUBLIC_URL: 'https://comments.blog.example' };

describe('the sign-in options', () => {
  it('reads every variable, flags first, then the config file', () => {
    const config = resolveServerConfig(
      {
        ...publicUrl,
        COLLOQUY_SIGNIN: 'required',
        COLLOQUY_OIDC_ISSUER: 'https://accounts.google.com',
        COLLOQUY_OIDC_CLIENT_ID: 'google-id',
        COLLOQUY_OIDC_CLIENT_SECRET: 'google-secret',
        COLLOQUY_OIDC_NAME: 'Google',
        COLLOQUY_GITHUB_CLIENT_ID: 'gh-id',
        COLLOQUY_GITHUB_CLIENT_SECRET: 'gh-secret',
        COLLOQUY_SSO_SECRET: 'x'.repeat(32),
        COLLOQUY_SSO_AUDIENCE: 'https://blog.example',
        COLLOQUY_SSO_NAME: 'Example Blog',
        COLLOQUY_SSO_LOGIN_URL: 'https://blog.example/login',
        COLLOQUY_SSO_LOGOUT_URL: 'https://blog.example/logout',
        COLLOQUY_EMAIL_SIGNIN: 'on',
        COLLOQUY_SMTP_URL: 'smtp://mail.example:587',
        COLLOQUY_MAIL_FROM: 'a@blog.example',
        COLLOQUY_SIGNED_IN_EDIT_WINDOW_MINUTES: '60',
      },
      ['--oidc-name', 'Google Accounts'],
      { oidc: [{ id: 'gitlab', name: 'GitLab', issuer: 'https://gitlab.com', clientId: 'gl-id', clientSecret: 'gl-secret' }], signIn: 'optional' },
    );
    expect(config).toMatchObject({
      signIn: 'required',
      oidcIssuer: 'https://accounts.google.com',
      oidcClientId: 'google-id',
      oidcClientSecret: 'google-secret',
      oidcName: 'Google Accounts',
      oidc: [{ id: 'gitlab', name: 'GitLab', issuer: 'https://gitlab.com', clientId: 'gl-id', clientSecret: 'gl-secret' }],
      githubClientId: 'gh-id',
      githubClientSecret: 'gh-secret',
      ssoSecret: 'x'.repeat(32),
      ssoAudience: 'https://blog.example',
      ssoName: 'Example Blog',
      ssoLoginUrl: 'https://blog.example/login',
      ssoLogoutUrl: 'https://blog.example/logout',
      emailSignIn: true,
      signedInEditWindowMinutes: 60,
    });
  });

  it('takes an issuer on https, or on http at a loopback address only', () => {
    const oidc = (issuer: string) =>
      resolveServerConfig({ ...publicUrl, COLLOQUY_OIDC_ISSUER: issuer, COLLOQUY_OIDC_CLIENT_ID: 'id', COLLOQUY_OIDC_CLIENT_SECRET: 's' });
    expect(oidc('http://127.0.0.1:4000').oidcIssuer).toBe('http://127.0.0.1:4000');
    expect(oidc('http://localhost:4000/realms/blog').oidcIssuer).toBe('http://localhost:4000/realms/blog');
    expect(() => oidc('http://auth.example')).toThrow(/COLLOQUY_OIDC_ISSUER.*https:\/\//);
    expect(() => oidc('ftp://auth.example')).toThrow(/COLLOQUY_OIDC_ISSUER/);
    expect(() => resolveServerConfig(publicUrl, [], { oidc: [{ id: 'x', name: 'X', issuer: 'http://x.example', clientId: 'a', clientSecret: 'b' }] })).toThrow(
      /oidc \(config file\)\[0\]\.issuer/,
    );
  });

  it('refuses settings that cannot work, naming what to set', () => {
    expect(() => resolveServerConfig({ ...publicUrl, COLLOQUY_GITHUB_CLIENT_ID: 'id' })).toThrow(/COLLOQUY_GITHUB_CLIENT_SECRET.*is needed/);
    expect(() => resolveServerConfig({ ...publicUrl, COLLOQUY_OIDC_ISSUER: 'https://a.example', COLLOQUY_OIDC_CLIENT_SECRET: 's' })).toThrow(
      /COLLOQUY_OIDC_CLIENT_ID/,
    );
    expect(() => resolveServerConfig({ COLLOQUY_GITHUB_CLIENT_ID: 'id', COLLOQUY_GITHUB_CLIENT_SECRET: 's' })).toThrow(/COLLOQUY_PUBLIC_URL.*callback/);
    expect(() => resolveServerConfig({ COLLOQUY_SSO_SECRET: 'x'.repeat(32) })).toThrow(/COLLOQUY_SSO_AUDIENCE/);
    expect(() => resolveServerConfig({ COLLOQUY_SSO_SECRET: 'short' })).toThrow(/COLLOQUY_SSO_SECRET.*32/);
    expect(() => resolveServerConfig({ ...publicUrl, COLLOQUY_SSO_SECRET: 'x'.repeat(32), COLLOQUY_SSO_JWKS_URL: 'https://a.example/jwks' })).toThrow(/one of/);
    expect(() => resolveServerConfig({ COLLOQUY_EMAIL_SIGNIN: 'on' })).toThrow(/COLLOQUY_EMAIL_SIGNIN needs COLLOQUY_SMTP_URL|COLLOQUY_SMTP_URL/);
    expect(() => resolveServerConfig({ COLLOQUY_SIGNIN: 'sometimes' })).toThrow(/COLLOQUY_SIGNIN.*optional or required/);
    expect(() =>
      resolveServerConfig(publicUrl, [], { oidc: [{ id: 'github', name: 'G', issuer: 'https://a.example', clientId: 'a', clientSecret: 'b' }] }),
    ).toThrow(/not github/);
    expect(() => resolveServerConfig(publicUrl, [], { oidc: [{ id: 'a', name: 'A', issuer: 'https://a.example', clientId: 'a' }] })).toThrow(/clientSecret/);
    expect(() => resolveServerConfig(publicUrl, [], { oidc: 'x' })).toThrow(/oidc \(config file\)/);
  });

  it('are listed by colloquy --help', () => {
    const help = describeServerOptions();
    for (const name of ['COLLOQUY_SIGNIN', 'COLLOQUY_OIDC_ISSUER', 'COLLOQUY_GITHUB_CLIENT_ID', 'COLLOQUY_SSO_SECRET', 'COLLOQUY_EMAIL_SIGNIN'])
      expect(help).toContain(name);
  });
});
