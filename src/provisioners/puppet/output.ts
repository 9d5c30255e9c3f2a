/** What `puppet apply --detailed-exitcodes` says: the resources it changed, and the verdicts read from its exit code. */
import type {Verdict} from '../../model.js'

/** Resources a puppet run changed, from its `Notice: /Stage[main]/.../Type[title]/property: ...` lines. */
export function puppetChanges(output: string): string[] {
  const out: string[] = []
  for (const line of output.split('\n')) {
    const m = /^Notice: (\/Stage\[.*)\/[a-z_]+: /.exec(line)
    if (!m) continue
    const starts = [...m[1].matchAll(/\/[A-Z][A-Za-z0-9_]*(?:::[A-Z][A-Za-z0-9_]*)*\[/g)]
    const last = starts.at(-1)
    const resource = last ? m[1].slice(last.index! + 1) : m[1]
    if (!out.includes(resource)) out.push(resource)
  }
  return out
}

const EXIT_MEANING: Record<number, string> = {1: 'puppet could not apply the catalog', 4: 'some resources failed', 6: 'some resources changed and some failed'}

/** Converge: 0 (nothing to do) and 2 (changes made) pass. */
export function judgePuppet(code: number): Verdict {
  if (code === 0 || code === 2) return {ok: true}
  return {ok: false, message: `puppet apply failed (exit ${code}: ${EXIT_MEANING[code] ?? 'see the output'})`}
}

/** Idempotence: only 0 passes; 2 names the resources that changed again. */
export function judgePuppetSecondRun(manifest: string, code: number, output: string): Verdict {
  if (code === 0) return {ok: true}
  if (code !== 2) return {ok: false, message: `the second puppet apply of ${manifest} failed (exit ${code}: ${EXIT_MEANING[code] ?? 'see the output'})`}
  const changed = puppetChanges(output)
  return {ok: false, message: `the second puppet apply of ${manifest} changed ${changed.length || 'some'} resource${changed.length === 1 ? '' : 's'} (exit 2)${changed.length ? ': ' + changed.join(', ') : ''}`}
}
