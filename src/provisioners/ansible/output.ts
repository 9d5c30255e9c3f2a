/** What ansible-playbook's default output says: which tasks changed, the recap, and the verdicts read from them. */
import type {Verdict} from '../../model.js'

export interface AnsibleRecap {
  host: string
  ok: number
  changed: number
  unreachable: number
  failed: number
}

export interface AnsibleRun {
  recap: AnsibleRecap[]
  /** Tasks and handlers that reported `changed`, by their TASK line's name, in order, once each. */
  changedTasks: string[]
}

/** Reads ansible-playbook's default output: which tasks changed, and the PLAY RECAP. */
export function parseAnsibleOutput(output: string): AnsibleRun {
  const recap: AnsibleRecap[] = []
  const changedTasks: string[] = []
  let task = ''
  let inRecap = false
  for (const line of output.split('\n')) {
    const header = /^(?:TASK|RUNNING HANDLER) \[(.*)\] \**\s*$/.exec(line)
    if (header) {
      task = header[1]
      inRecap = false
      continue
    }
    if (/^PLAY RECAP \**/.test(line)) {
      inRecap = true
      continue
    }
    if (inRecap) {
      const m = /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line)
      if (m) recap.push({host: m[1], ok: Number(m[2]), changed: Number(m[3]), unreachable: Number(m[4]), failed: Number(m[5])})
      continue
    }
    if (/^changed: \[/.test(line) && task && !changedTasks.includes(task)) changedTasks.push(task)
  }
  return {recap, changedTasks}
}

export function judgeConverge(playbook: string, code: number, output: string): Verdict {
  if (code !== 0) return {ok: false, message: `ansible-playbook ${playbook} failed (exit ${code})`}
  if (parseAnsibleOutput(output).recap.length === 0) {
    return {ok: false, message: `no play of ${playbook} ran on this instance: its hosts: match nothing Galley's inventory holds (the instance, localhost and the groups the plays name)`}
  }
  return {ok: true}
}

export function judgeSecondRun(playbook: string, code: number, output: string): Verdict {
  if (code !== 0) return {ok: false, message: `the second run of ${playbook} failed (exit ${code})`}
  const run = parseAnsibleOutput(output)
  const changed = run.recap.reduce((n, r) => n + r.changed, 0)
  if (changed === 0) return {ok: true}
  const names = run.changedTasks.length ? `: ${run.changedTasks.join(', ')}` : ''
  return {ok: false, message: `the second run of ${playbook} changed ${changed} task${changed === 1 ? '' : 's'} (changed=${changed})${names}`}
}

