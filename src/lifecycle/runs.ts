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

export interface ProcessId {
  pid: number
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat, field 22). */
  started: number
}

export interface RunRecord extends ProcessId {
  run: string
  root: string
  command: string
  since: string
}

/** Start time of a process, or undefined when there is no such process. */
export function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
  } catch {
    return undefined
  }
}

export function self(): ProcessId {
  return {pid: process.pid, started: processStart(process.pid) ?? 0}
}

export function processAlive(p: ProcessId): boolean {
  const started = processStart(p.pid)
  return started !== undefined && (p.started === 0 || started === p.started)
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
