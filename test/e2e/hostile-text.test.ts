import { describe, expect, it } from 'vitest';
import { inShadow, postComment, useDemo } from './harness';
import { tallMarksFont } from './tall-marks-font';

/*
 * Text a commenter controls, in the shipped widget on the demo page in real Chromium: it must stay
 * inside its comment, and out of the widget's own words.
 */
const session = useDemo();

describe('a commenter’s text', () => {
  it('draws nothing outside its comment, however many combining marks it stacks', async () => {
    const { page, openDemo } = session();
    await openDemo();
    // A font whose marks are 20 em tall, as thousands of stacked marks are with a reader's fonts.
    const font = tallMarksFont().toString('base64');
    await page.addStyleTag({
      content: `@font-face { font-family: TallMarks; src: url(data:font/ttf;base64,${font}) } body { --colloquy-font-family: TallMarks, sans-serif; }`,
    });
    const marks = (count: number) => 'X' + '\u0301\u0316'.repeat(count);
    await postComment(page, { comment: `Marks ${marks(2000)} here.`, name: `Zed ${marks(40)}`, email: 'zed@example.com' }, 3);
    const article = page.getByRole('article').filter({ hasText: 'here.' });
    await expect.poll(() => page.evaluate(() => document.fonts.check('16px TallMarks'))).toBe(true);

    // The view around the comment, its box masked, with its text shown and then hidden: the same
    // pixels. The marks reach 320 px up and down, well inside the 900 px view.
    await article.evaluate((element) => element.scrollIntoView({ block: 'center' }));
    const outsideTheComment = () => page.screenshot({ mask: [article], animations: 'disabled' });
    const shown = await outsideTheComment();
    await inShadow(
      page,
      (root) => {
        const comment = [...root.querySelectorAll('.comment-body')].find((candidate) => candidate.textContent?.includes('here.'))!;
        for (const text of comment.querySelectorAll<HTMLElement>('.comment-content, .author-name')) text.style.visibility = 'hidden';
      },
      null,
    );
    const hidden = await outsideTheComment();
    expect(shown.equals(hidden), 'marks drawn outside the comment').toBe(true);
  });

  it('cannot reorder the widget’s own words: the name is a bidi isolate in Chromium', async () => {
    const { page, openDemo } = session();
    await openDemo();
    const name = '\u202EEve';
    await postComment(page, { comment: 'Hello.', name, email: 'eve@example.com' }, 3);
    const nameStyle = await inShadow(
      page,
      (root, shown) => {
        const element = [...root.querySelectorAll('.author-name')].find((candidate) => candidate.textContent === shown)!;
        return getComputedStyle(element).unicodeBidi;
      },
      name,
    );
    expect(nameStyle).toBe('isolate');
  });
});
