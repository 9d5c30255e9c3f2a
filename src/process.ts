/**
 * Processes of this machine, told apart by pid and start time together, so a reused pid does not
 * pass for a process that is gone. Run records, instance locks and the engines' debris sweeps ask.
 */
import {readFileSync} from 'node:fs'

export interface ProcessId {
  pid: number
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat, field 22). */
  started: number
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

/** This process, as locks and run records name it. */
export function self(): ProcessId {
  return {pid: process.pid, started: processStart(process.pid) ?? 0}
}

/** Whether the process still runs; a start time of 0 matches any process with that pid. */
export function processAlive(p: ProcessId): boolean {
  const started = processStart(p.pid)
  return started !== undefined && (p.started === 0 || started === p.started)
}
