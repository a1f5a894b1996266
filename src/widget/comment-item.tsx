import { Component, createRef, Fragment, h, type ComponentChildren } from 'preact';
import type { Translator } from '../core/i18n';
import type { ThreadNode } from '../core/thread';
import type { Comment } from '../core/types';
import { CommentEditor } from './comment-editor';
import { CommentHeader } from './comment-header';
import { CommentList } from './comment-list';
import { focusAfterRender } from './focus-after-render';
import { MarkdownView } from './markdown-view';
import { renderStatic } from './render-static';

/** What a reader can do to a comment; the section implements them against the adapter. */
export interface CommentActions {
  reply(comment: Comment): void;
  /** Whether this reader may still edit or delete it (their own, inside the edit window). */
  canEdit(comment: Comment): boolean;
  update(comment: Comment, body: string): Promise<unknown>;
  remove(comment: Comment): void;
}

/** What every item of a thread shares; the section makes a new one each time it renders. */
export interface ThreadView {
  translator: Translator;
  /** Stays the same object while the thread is shown. */
  actions: CommentActions;
  highlightedId: string | null;
  replyingTo: string | null;
  /** The highlighted comment, the one replied to and the comments above them: the items a new view may change. */
  affected: ReadonlySet<string>;
}

export interface CommentItemProps {
  node: ThreadNode;
  view: ThreadView;
  /**
   * The reply form, given only to the items in `view.affected`, which hand it down to the one replied
   * to. Not part of the view: an item that is not rendered again keeps its view, and a form it kept
   * would keep the whole tree it was once rendered in.
   */
  form?: ComponentChildren;
}

/**
 * One comment in the WordPress layout: avatar, author, date as permalink, body, Reply; its replies
 * below. A class for `shouldComponentUpdate`: an item renders again only when its node changes
 * (the thread keeps unchanged nodes, see `keepUnchanged`), when it is affected by a new highlight or
 * reply form, or when it opens or closes its editor, so "Load more" renders only what is new. The
 * article's content is rendered static (see `renderStatic`) except while the editor is open.
 */
export class CommentItem extends Component<CommentItemProps, { editing: boolean }> {
  override state = { editing: false };
  /** What the article's static content was rendered from: the comment, the translator and whether it was editable. */
  private shown: unknown[] = [];
  private editButton: HTMLElement | null = null;
  private article = createRef<HTMLElement>();

  override shouldComponentUpdate({ node, view }: CommentItemProps, { editing }: { editing: boolean }) {
    const { props } = this;
    const id = node.comment.id;
    return (
      node !== props.node ||
      editing !== this.state.editing ||
      view.translator !== props.view.translator ||
      (view !== props.view && (view.affected.has(id) || props.view.affected.has(id)))
    );
  }

  override componentDidMount() {
    this.renderContent();
  }

  override componentDidUpdate() {
    this.renderContent();
  }

  /** Renders the article's static content anew when what it shows has changed; not while editing, when it is live. */
  private renderContent() {
    const { node, view } = this.props;
    const shown = [node.comment, view.translator, view.actions.canEdit(node.comment)];
    if (this.state.editing || shown.every((value, i) => value === this.shown[i])) return;
    this.shown = shown;
    this.editButton = null;
    renderStatic(this.content(), this.article.current!);
  }

  private openEditor() {
    // The static content goes first: Preact renders the live one into an empty article.
    this.article.current!.replaceChildren();
    this.shown = [];
    this.setState({ editing: true });
  }

  private closeEditor() {
    this.setState({ editing: false });
    // Back to Edit; to the comment itself if Edit is gone (the edit window closed, or it was deleted).
    focusAfterRender(() => this.editButton ?? this.article.current);
  }

  /** Header, moderation note, then the text and buttons, or the editor. */
  private content() {
    const { comment } = this.props.node;
    const { translator, actions } = this.props.view;
    const { t } = translator;
    if (comment.status === 'deleted') return <p class="deleted">{t('deleted')}</p>;
    return (
      <>
        <CommentHeader comment={comment} translator={translator} href={`#comment-${comment.id}`} />
        {/* Held as pending or as spam: the author is told the same, since a spam verdict may be wrong. Deleted ones are not here. */}
        {comment.status !== 'approved' && <p class="moderation">{t('awaitingModeration')}</p>}
        {this.state.editing ? (
          <CommentEditor
            id={`edit-${comment.id}`}
            body={comment.body}
            translator={translator}
            onSave={(body) => actions.update(comment, body)}
            onClose={() => this.closeEditor()}
          />
        ) : (
          <>
            <div class="comment-content">
              <MarkdownView source={comment.body} />
            </div>
            <button type="button" class="reply" aria-label={t('replyTo', { name: comment.author.name })} onClick={() => actions.reply(comment)}>
              {t('reply')}
            </button>
            {actions.canEdit(comment) && (
              <>
                {' '}
                <button type="button" class="reply" ref={(button) => void (this.editButton = button)} onClick={() => this.openEditor()}>
                  {t('edit')}
                </button>{' '}
                <button type="button" class="reply" onClick={() => actions.remove(comment)}>
                  {t('delete')}
                </button>
              </>
            )}
          </>
        )}
      </>
    );
  }

  override render({ node: { comment, children }, view, form }: CommentItemProps, { editing }: { editing: boolean }) {
    return (
      <li class="comment">
        <article
          ref={this.article}
          id={`comment-${comment.id}`}
          tabIndex={-1}
          class={view.highlightedId === comment.id ? 'comment-body highlighted' : 'comment-body'}
          aria-label={comment.status === 'deleted' ? view.translator.t('deleted') : comment.author.name}
        >
          {editing && this.content()}
        </article>
        {view.replyingTo === comment.id && form}
        {children.length > 0 && CommentList({ nodes: children, view, form })}
      </li>
    );
  }
}
