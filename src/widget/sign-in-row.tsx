import { Fragment, h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { RestSignIn, SignInOffer, SignInProvider } from '../adapters/rest-sign-in';
import type { SignedInReader, SignInHost } from '../adapters/types';
import { signInAr, signInEn, type SignInMessages } from '../core/i18n/sign-in';
import { Avatar } from './avatar';
import { FormField } from './form-field';
import { ProviderIcon } from './sign-in-icons';

interface SignInRowProps {
  client: RestSignIn;
  host: SignInHost;
  /** What this page last knew (another form on the page, a moved form): shown at once, then confirmed. */
  known: { offer?: SignInOffer; reader?: SignedInReader | null };
}

const fill = (template: string, params: Record<string, string>) => template.replace(/\{(\w+)\}/g, (match, name: string) => params[name] ?? match);

/** The widget's language's words for the row (English unless it is Arabic, the one other language today). */
const messagesFor = (locale: string): SignInMessages => (locale.split('-')[0] === 'ar' ? signInAr : signInEn);

/**
 * "Fill in your details below or click an icon to log in:" with one button per way to sign in, and,
 * once signed in, "You are commenting using your GitHub account. (Log Out / Change)". It lives in
 * the sign-in pack, rendered into the comment form, and tells the form who is signed in.
 */
export function SignInRow({ client, host, known }: SignInRowProps) {
  const t = messagesFor(host.locale);
  const [offer, setOffer] = useState(known.offer);
  const [reader, setReader] = useState(known.reader ?? null);
  const [connecting, setConnecting] = useState<SignInProvider | null>(null);
  const [problem, setProblem] = useState('');
  // Sign-in by email: its little form is open, what it holds, and the address a link went to.
  const [byEmail, setByEmail] = useState(false);
  const [emailFields, setEmailFields] = useState({ name: '', email: '' });
  const [sentTo, setSentTo] = useState('');
  const cancel = useRef<AbortController>(undefined);

  const signedIn = (next: SignedInReader | null) => {
    known.reader = next;
    setReader(next);
    host.onChange(next);
  };

  useEffect(() => {
    if (known.reader) host.onChange(known.reader);
    let live = true;
    client.offer().then(
      (next) => live && setOffer((known.offer = next)),
      () => {},
    );
    // The host site is the authority on its own accounts: a page that gives no token has nobody signed in with one.
    const reader = host.ssoToken
      ? client.withHostToken(host.ssoToken)
      : client.current().then(async (current) => (current?.provider === 'sso' ? (await client.logOut(), null) : current));
    reader.then(
      (next) => live && signedIn(next),
      (error: Error) => {
        if (!live) return;
        signedIn(null);
        setProblem(fill(t.failed, { reason: error.message }));
      },
    );
    return () => {
      live = false;
      cancel.current?.abort();
    };
    // Once per row: a new host token makes a new row.
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  async function start(provider: SignInProvider) {
    setProblem('');
    setConnecting(provider);
    cancel.current = new AbortController();
    try {
      signedIn(await client.withProvider(provider.id, cancel.current.signal));
    } catch (error) {
      // Closed or cancelled: back to the buttons, nothing lost.
      if ((error as Error).name !== 'AbortError') setProblem(fill(t.failed, { reason: (error as Error).message }));
      else if ((error as Error).message === 'closed') setProblem(t.popupClosed);
    } finally {
      setConnecting(null);
    }
  }

  async function sendLink() {
    setProblem('');
    try {
      await client.byEmail(emailFields.email, emailFields.name);
      setSentTo(emailFields.email);
    } catch (error) {
      setProblem(fill(t.failed, { reason: (error as Error).message }));
    }
  }

  async function logOut(then?: string) {
    setProblem('');
    await client.logOut().catch(() => {});
    signedIn(null);
    if (then) location.assign(then);
  }

  if (reader) {
    return (
      <div class="sign-in signed-in" dir={host.dir}>
        <Avatar seed={reader.avatarSeed} />
        <p>
          <b class="author-name">{reader.name}</b>
          <br />
          {fill(t.commentingAs, { provider: reader.verifiedBy })} ({' '}
          <button type="button" class="link" onClick={() => logOut(offer?.sso?.logoutUrl)}>
            {t.logOut}
          </button>{' '}
          /{' '}
          <button type="button" class="link" onClick={() => logOut()}>
            {t.change}
          </button>{' '}
          )
        </p>
      </div>
    );
  }
  const buttons = offer?.providers.filter((provider) => provider.kind !== 'sso') ?? [];
  const loginUrl = offer?.sso?.loginUrl;
  if (!buttons.length && !loginUrl)
    return problem ? (
      <p class="error" role="alert">
        {problem}
      </p>
    ) : null;
  return (
    <div class="sign-in" dir={host.dir}>
      <p>{offer?.signIn === 'required' ? t.signInRequired : t.fillIn}</p>
      <ul class="providers">
        {buttons.map((provider) => (
          <li key={provider.id}>
            {provider.kind === 'email' ? (
              <button type="button" class="provider" aria-expanded={byEmail} title={t.logInWithEmail} onClick={() => setByEmail(!byEmail)}>
                <ProviderIcon provider={provider} />
                <span class="visually-hidden">{t.logInWithEmail}</span>
              </button>
            ) : (
              <button
                type="button"
                class="provider"
                disabled={connecting !== null}
                title={fill(t.logInWith, { provider: provider.name })}
                onClick={() => start(provider)}
              >
                <ProviderIcon provider={provider} />
                <span class="visually-hidden">{fill(t.logInWith, { provider: provider.name })}</span>
              </button>
            )}
          </li>
        ))}
        {loginUrl && (
          <li>
            <a href={loginUrl}>{t.logIn}</a>
          </li>
        )}
      </ul>
      {byEmail && !sentTo && (
        // Not a <form>: the row sits inside the comment form, and Enter here must send the link, not the comment.
        <div
          class="by-email"
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              void sendLink();
            }
          }}
        >
          <FormField
            id="sign-in-name"
            label={t.yourName}
            value={emailFields.name}
            autoComplete="name"
            onInput={(name) => setEmailFields({ ...emailFields, name })}
          />
          <FormField
            id="sign-in-email"
            label={t.yourEmail}
            type="email"
            value={emailFields.email}
            autoComplete="email"
            onInput={(email) => setEmailFields({ ...emailFields, email })}
          />
          <p>
            <button type="button" onClick={sendLink}>
              {t.sendLink}
            </button>
          </p>
        </div>
      )}
      <p role="status">
        {sentTo && fill(t.linkSent, { email: sentTo })}
        {connecting && (
          <>
            {fill(t.connecting, { provider: connecting.name })}{' '}
            <button type="button" class="link" onClick={() => cancel.current?.abort()}>
              {t.cancelConnecting}
            </button>
          </>
        )}
      </p>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
