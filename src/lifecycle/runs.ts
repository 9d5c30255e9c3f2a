/**
 * Which Galley runs are alive. Every run that makes containers records itself in
 * $GALLEY_HOME/runs/<run>.json (pid, the process's start time, project, command); a run is alive
 * while that process is, so `galley prune --orphans` can tell a container of a run in progress
 * from one a killed run left behind. Processes are told apart by pid and start time together, so
 * a reused pid does not pass for the old run.
 */
import {readdirSync, readFileSync, rmSync} from 'node:fs'
import path from 'node:path'
import {storeDir} from '../images/store.js'
import {writeFileAtomic} from '../files.js'
import {processAlive, self, type ProcessId} from '../process.js'

export interface RunRecord extends ProcessId {
  run: string
  root: string
  command: string
  since: string
}

function runsDir(): string {
  return storeDir('runs')
}

/** Records the run as alive; the returned function removes the record. */
export function registerRun(run: string, root: string, command: string): () => void {
  const file = path.join(runsDir(), `${run}.json`)
  const record: RunRecord = {run, root, command, since: new Date().toISOString(), ...self()}
  writeFileAtomic(file, JSON.stringify(record) + '\n')
  return () => rmSync(file, {force: true})
}

export function readRun(run: string): RunRecord | undefined {
  try {
    return JSON.parse(readFileSync(path.join(runsDir(), `${run}.json`), 'utf8')) as RunRecord
  } catch {
    return undefined
  }
}

export function runAlive(run: string | undefined): boolean {
  const record = run ? readRun(run) : undefined
  return record !== undefined && processAlive(record)
}

/** Removes the records of runs whose process is gone; returns their ids. */
export function forgetDeadRuns(): string[] {
  const gone: string[] = []
  for (const name of readdirSync(runsDir())) {
    if (!name.endsWith('.json')) continue
    const run = name.slice(0, -'.json'.length)
    if (runAlive(run)) continue
    rmSync(path.join(runsDir(), name), {force: true})
    gone.push(run)
  }
  return gone
}
