import { expect, it } from 'vitest';
import { useDemo } from './harness';

const session = useDemo();

it('shows the thread in Arabic, right to left, when the locale pack is loaded first', async () => {
  const { page, origin } = session();
  await page.goto(`${origin}/ar.html`);
  // Two responses: Arabic's "two" plural form, not the English one.
  await page.getByRole('heading', { level: 2, name: 'ردّان على “مقابلة بلا إحراج”' }).waitFor();
  await expect(page.locator('section.colloquy').getAttribute('dir')).resolves.toBe('rtl');
  await expect(page.getByRole('button', { name: 'أرسل التعليق' }).isVisible()).resolves.toBe(true);
  await expect(page.getByRole('button', { name: 'رد على سارة' }).isVisible()).resolves.toBe(true);
});
