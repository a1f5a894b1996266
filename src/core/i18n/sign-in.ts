/**
 * The sign-in row's messages (the seed's words where it has them). Kept apart from `en`, so that
 * colloquy.js, which shows no sign-in until a reader can use it, does not carry them: the sign-in
 * pack does. `signInEn` is the shape every other language's must match.
 */
export const signInEn = {
  fillIn: 'Fill in your details below or click an icon to log in:',
  logInWith: 'Log in with {provider}',
  logIn: 'Log in',
  connecting: 'Connecting to {provider}…',
  cancelConnecting: 'Cancel',
  commentingAs: 'You are commenting using your {provider} account.',
  logOut: 'Log Out',
  change: 'Change',
  signInRequired: 'Log in to comment:',
  failed: 'Signing in did not work. {reason}',
  popupClosed: 'The sign-in window was closed before you were signed in.',
  logInWithEmail: 'Log in with your email address',
  yourName: 'Your name',
  yourEmail: 'Your email address',
  sendLink: 'Email me a sign-in link',
  linkSent: 'Check your inbox: a sign-in link is on its way to {email}. It works once, for 15 minutes.',
};

export type SignInMessages = typeof signInEn;

/** Arabic. */
export const signInAr: SignInMessages = {
  fillIn: 'املأ بياناتك أدناه أو انقر على أيقونة لتسجيل الدخول:',
  logInWith: 'تسجيل الدخول باستخدام {provider}',
  logIn: 'تسجيل الدخول',
  connecting: 'جارٍ الاتصال بـ {provider}…',
  cancelConnecting: 'إلغاء',
  commentingAs: 'أنت تعلّق باستخدام حسابك على {provider}.',
  logOut: 'تسجيل الخروج',
  change: 'تغيير',
  signInRequired: 'سجّل الدخول للتعليق:',
  failed: 'تعذّر تسجيل الدخول. {reason}',
  popupClosed: 'أُغلقت نافذة تسجيل الدخول قبل إتمامه.',
  logInWithEmail: 'تسجيل الدخول ببريدك الإلكتروني',
  yourName: 'اسمك',
  yourEmail: 'بريدك الإلكتروني',
  sendLink: 'أرسل لي رابط تسجيل الدخول',
  linkSent: 'تفقّد بريدك: رابط تسجيل الدخول في طريقه إلى {email}. يعمل مرة واحدة خلال 15 دقيقة.',
};
