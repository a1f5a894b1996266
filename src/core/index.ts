// `colloquy/core`: what the server shares with the widget, so the same input is valid in both places.
export * from './errors';
export * from './types';
export * from './validation';
export * from './url';
export * from './markdown';
export * from './markdown-html';
export * from './thread';
export * from './avatar';
export { createTranslator, matchLocale, type Messages } from './i18n';
export { en } from './i18n/en';
