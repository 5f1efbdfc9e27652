/** Markdown escaping of feed text, shared by the edition layout and its fragments. */

/** Text that md() changes: a character it escapes anywhere, or one it escapes at the start. */
const MD_SPECIAL = /[\r\n&<>\\`*_[\]|~]|^\s*(?:[#+=-]|\d+[.)])/;

/** Escapes text for Markdown: no feed text can open a link, emphasis or raw HTML. */
export function md(text: string): string {
  // Most text has nothing to escape: one test instead of seven replacements.
  if (!MD_SPECIAL.test(text)) return text;
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1')
    .replace(/^(\s*)([#+=-])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2');
}
