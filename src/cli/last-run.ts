/** Each run's results, timelines included, kept in .galley/last-run.json for `galley report html`. */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {UsageError} from '../errors.js'
import {writeFileAtomic} from '../files.js'
import type {InstanceResult} from '../model.js'

export function lastRunFile(root: string): string {
  return path.join(root, '.galley', 'last-run.json')
}

export function writeLastRun(root: string, command: string, results: InstanceResult[]): void {
  writeFileAtomic(lastRunFile(root), JSON.stringify({version: 1, command, results}) + '\n')
}

/** The last run's results; a UsageError when the project has none. */
export function readLastRun(root: string): {command: string; results: InstanceResult[]} {
  const file = lastRunFile(root)
  let data: {command?: string; results?: InstanceResult[]}
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as typeof data
  } catch (error) {
    throw new UsageError(`no run of this project to report: ${path.relative(process.cwd(), file) || file} is missing or unreadable`, {cause: error, hint: 'Run galley test (or converge, verify) first, or name a JUnit file with --junit.'})
  }
  // Dates come back from JSON as strings.
  return {command: data.command ?? 'galley', results: (data.results ?? []).map((r) => ({...r, startedAt: new Date(r.startedAt)}))}
}
