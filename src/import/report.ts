/**
 * What every import (kitchen.yml, molecule.yml) reports: each key it did not carry over, and each it
 * carried over with a caveat, with its place and why; and galley.yml as written, with that report
 * as comments on top.
 */
import {stringify} from 'yaml'
import type {SourcePosition} from '../errors.js'
import type {Raw} from './tree.js'

/** One key of the imported file that was not carried over, or was carried over with a caveat. */
export interface ImportItem extends SourcePosition {
  /** Where in the imported file: `suites[default].verifier.inspec_tests`, `platforms[instance].privileged`. */
  key: string
  reason: string
}

/** What an import gives: galley.yml, and what did not map. */
export interface ImportResult {
  /** The galley.yml content, header comment included. */
  text: string
  /** The same as an object (what the YAML holds). */
  config: Raw
  /** Keys not carried over. */
  unmapped: ImportItem[]
  /** Keys carried over whose meaning changed a little, and what to do before galley test. */
  notes: ImportItem[]
  /** The files read, as shown in the report. */
  files: string[]
}

/** The report of an import under way: each item once, by place, key and reason. */
export class ImportReport {
  readonly unmapped = new Map<string, ImportItem>()
  readonly notes = new Map<string, ImportItem>()

  report(kind: 'unmapped' | 'note', at: SourcePosition, key: string, reason: string): void {
    const map = kind === 'unmapped' ? this.unmapped : this.notes
    const id = `${at.file}:${at.line}:${at.col}:${key}:${reason}`
    if (!map.has(id)) map.set(id, {...at, key, reason})
  }

  /** Both lists, each in the order of the files' lines. */
  sorted(): {unmapped: ImportItem[]; notes: ImportItem[]} {
    const byPlace = (a: ImportItem, b: ImportItem) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.key.localeCompare(b.key)
    return {unmapped: [...this.unmapped.values()].sort(byPlace), notes: [...this.notes.values()].sort(byPlace)}
  }
}

/** One report line: `kitchen.yml:12:5: transport.username — reason`. */
export function formatItem(item: ImportItem): string {
  return `${item.file}:${item.line}:${item.col}: ${item.key} — ${item.reason}`
}

/** galley.yml as an import writes it: what did not map and the notes as comments on top, then the YAML. */
export function render(config: Raw, files: string[], unmapped: ImportItem[], notes: ImportItem[]): string {
  const comment = (text: string) => text.split('\n').map((l) => `#   ${l}`).join('\n')
  let header = `# Imported from ${files.length > 2 ? files.join(', ') : files.join(' and ')} by galley import. Check it, then run: galley test\n`
  if (unmapped.length > 0) header += `# Not imported (${unmapped.length}):\n${unmapped.map((i) => comment(formatItem(i))).join('\n')}\n`
  if (notes.length > 0) header += `# Notes (${notes.length}):\n${notes.map((i) => comment(formatItem(i))).join('\n')}\n`
  return header + '\n' + stringify(config, {lineWidth: 0, aliasDuplicateObjects: false})
}
