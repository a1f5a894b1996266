import { h, render } from 'preact';
import { createAdminClient } from './client';
import { createTranslator } from '../core/i18n';
import { Dashboard } from './dashboard';
import adminCss from './admin.css?inline';
import css from '../widget/styles.css?inline';

// The dashboard page (/admin, served by the reference server): the dashboard in a shadow root
// styled by the widget's own stylesheet and showing comments with the widget's own components and
// words (in English: the page's language), so it looks like the comments it moderates.
const target = document.getElementById('colloquy-admin') ?? document.body;
const shadow = target.attachShadow({ mode: 'open' });
const style = document.createElement('style');
style.textContent = css + adminCss;
const container = document.createElement('div');
container.className = 'colloquy';
shadow.append(style, container);
render(<Dashboard client={createAdminClient()} translator={createTranslator(document.documentElement.lang)} />, container);
