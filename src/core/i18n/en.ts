/**
 * English messages: the shape every other locale must match. `{name}` placeholders are filled by
 * `format`; objects keyed by plural category are chosen through Intl.PluralRules.
 */
/** A message that varies with a count, keyed by Intl.PluralRules category ('other' is required). */
export type PluralMessage = { other: string } & Partial<Record<Intl.LDMLPluralRule, string>>;

export const en = {
  responses: { one: 'One response to “{title}”', other: '{count} responses to “{title}”' } as PluralMessage,
  noResponses: 'No responses yet',
  leaveReply: 'Leave a Reply',
  leaveReplyTo: 'Leave a Reply to {name}',
  cancelReply: 'Cancel reply',
  comment: 'Comment',
  name: 'Name',
  email: 'Email',
  website: 'Website',
  requiredNote: 'Required fields are marked',
  emailNote: 'Your email address will not be published.',
  saveDetails: 'Save my name, email, and website in this browser for the next time I comment.',
  notify: 'Notify me of follow-up comments by email.',
  honeypot: 'Leave this field empty',
  post: 'Post Comment',
  posting: 'Posting…',
  posted: 'Your comment was posted.',
  postFailed: 'Your comment could not be posted. {reason} Your text is kept; please try again.',
  reply: 'Reply',
  edit: 'Edit',
  editLabel: 'Edit your comment',
  save: 'Save',
  cancel: 'Cancel',
  delete: 'Delete',
  confirmDelete: 'Delete your comment? This cannot be undone.',
  replyTo: 'Reply to {name}',
  says: 'says:',
  /** The badge beside the name on the site owner's replies. */
  owner: 'Owner',
  /** The mark beside the name of a signed-in reader: the name is their account's. */
  verified: 'Verified: signed in with {provider}',
  awaitingModeration: 'Your comment is awaiting moderation.',
  deleted: 'This comment was deleted.',
  loading: 'Loading comments…',
  loadFailed: 'Comments could not be loaded. {reason}',
  retry: 'Retry',
  loadMore: 'Load more comments',
  unavailable: 'Comments are unavailable on this page.',
  errRequired: '{field} is required.',
  errTooLong: '{field} must be at most {limit} characters.',
  errEmail: 'Enter a valid email address, like name@example.com.',
  errUrl: 'Enter a full web address that starts with http:// or https://.',
  errInvalid: '{field} contains characters that are not allowed.',
};

export type Messages = typeof en;
