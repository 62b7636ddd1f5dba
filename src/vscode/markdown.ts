/** Makes Box names (which may contain `*`, `_`, `[`...) safe inside a MarkdownString. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
