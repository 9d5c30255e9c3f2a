/**
 * How Ansible reads a task: which of its keys is the module (ansible/parsing/mod_args.py: the one
 * key that is not a task keyword), and which modules include or import other files. The keyword
 * list is Task's attributes, the same in ansible-core 2.10, 2.14 and 2.19.
 */

/** Task keywords (Task.fattributes), plus `listen` (handlers) and what the parser also takes. */
export const TASK_KEYWORDS: ReadonlySet<string> = new Set([
  'action', 'any_errors_fatal', 'args', 'async', 'async_val', 'become', 'become_exe', 'become_flags', 'become_method',
  'become_user', 'changed_when', 'check_mode', 'collections', 'connection', 'debugger', 'delay', 'delegate_facts',
  'delegate_to', 'diff', 'environment', 'failed_when', 'ignore_errors', 'ignore_unreachable', 'loop', 'loop_control',
  'loop_with', 'module_defaults', 'name', 'no_log', 'notify', 'poll', 'port', 'register', 'remote_user', 'retries', 'run_once',
  'tags', 'throttle', 'timeout', 'until', 'vars', 'when',
  'listen', 'local_action', 'static',
])

/** A mapping is a block when it has one of these (Block.is_block). */
export const BLOCK_SECTIONS = ['block', 'rescue', 'always'] as const

/** The module a task names: its one non-keyword key, or the module of `action:`/`local_action:`. */
export function moduleKey(keys: string[], value: (key: string) => unknown): string | undefined {
  for (const via of ['action', 'local_action']) {
    if (!keys.includes(via)) continue
    const v = value(via)
    // `copy src=a dest=b`; a templated module (`{{ m }} src=a`) is kept whole, to be reported as decided at run time.
    if (typeof v === 'string') return /^\{\{.*?\}\}/.exec(v.trim())?.[0] ?? (v.trim().split(/\s+/)[0] || undefined)
    if (typeof v === 'object' && v !== null && 'module' in v) return String((v as {module: unknown}).module)
    return undefined
  }
  return keys.find((k) => !TASK_KEYWORDS.has(k) && !k.startsWith('with_'))
}

/** `include_tasks` for `ansible.builtin.include_tasks` and `ansible.legacy.include_tasks` too. */
export function shortName(module: string): string {
  return module.replace(/^ansible\.(?:builtin|legacy)\./, '')
}

/** Modules that bring in task files: `include` is the old form (removed in 2.16). */
export const TASK_INCLUDES: ReadonlySet<string> = new Set(['include_tasks', 'import_tasks', 'include'])
export const ROLE_INCLUDES: ReadonlySet<string> = new Set(['include_role', 'import_role'])

/** Whether a name is a Jinja template, decided only when the play runs. */
export const isTemplated = (s: string): boolean => s.includes('{{') || s.includes('{%')
