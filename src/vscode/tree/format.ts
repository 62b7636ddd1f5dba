// Words and markdown for tree items: sizes in decimal units, dates in the UI language, owner when Box sent it.
import * as vscode from 'vscode';
import type { BoxItem } from '../../core/box/types';
import { formatBytes } from '../../core/pull/progress';
import { escapeMarkdown } from '../markdown';

interface OwnedItem {
  owned_by?: { name?: string; login?: string } | null;
}

export function formatDate(iso: string | null | undefined): string | undefined {
  if (!iso) return undefined;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return undefined;
  return new Intl.DateTimeFormat(vscode.env.language, { dateStyle: 'medium', timeStyle: 'short' }).format(
    date,
  );
}

export function itemTooltip(item: BoxItem): vscode.MarkdownString {
  const lines = [`**${escapeMarkdown(item.name)}**`, ''];
  if (typeof item.size === 'number') lines.push(vscode.l10n.t('Size: {0}', formatBytes(item.size)) + '  ');
  const modified = formatDate(item.modified_at ?? item.content_modified_at);
  if (modified) lines.push(vscode.l10n.t('Modified: {0}', modified) + '  ');
  const owner = (item as OwnedItem).owned_by;
  const ownerName = owner?.name || owner?.login;
  if (ownerName) lines.push(vscode.l10n.t('Owner: {0}', escapeMarkdown(ownerName)) + '  ');
  lines.push(vscode.l10n.t('ID: {0}', item.id));
  return new vscode.MarkdownString(lines.join('\n'));
}

export function itemDescription(item: BoxItem): string | undefined {
  return item.type === 'file' && typeof item.size === 'number' ? formatBytes(item.size) : undefined;
}
