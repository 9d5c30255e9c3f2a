/** The ansible verifier: the callback's lines as test cases, and a run through the lifecycle on a dummy engine. */
import path from 'node:path'
import {mkdirSync, writeFileSync} from 'node:fs'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {ContainerHandle, ExecOptions} from '../../drivers/driver.js'
import {DummyDriver} from '../../drivers/dummy/driver.js'
import {loadConfig} from '../../src/config/load.js'
import {runInstances} from '../../src/lifecycle/runner.js'
import {projectPath} from '../../src/provisioners/ansible/command.js'
import {writeJunit} from '../../src/reporters/junit.js'
import {plannedCases} from '../../src/verifiers/ansible.js'
import {readResults, resultsToCases} from '../../src/verifiers/ansible-results.js'
import {readJunit} from '../fakes/junit.js'
import {dummyRun, endRun, instancesOf} from '../fakes/lifecycle.js'
import {makeProject, removeProject} from '../fakes/project.js'

/** Lines Galley's callback wrote for a verify playbook run by ansible-core 2.14. */
const LINES = [
  {action: 'gather_facts', event: 'result', host: 'default-p', path: '/tmp/galley/molecule/default/verify.yml:1', status: 'ok', task: 'Gathering Facts', uuid: 'u0'},
  {action: 'ansible.builtin.assert', event: 'result', host: 'default-p', msg: 'All assertions passed', path: '/tmp/galley/molecule/default/verify.yml:5', status: 'ok', task: 'passes', uuid: 'u1', duration: 0.018},
  {action: 'ansible.builtin.assert', assertion: "'a' == 'b'", evaluated_to: false, event: 'result', host: 'default-p', ignored: true, msg: 'a is not b', path: '/tmp/galley/molecule/default/verify.yml:8', rescued: false, status: 'failed', task: 'ignored', uuid: 'u2'},
  {action: 'ansible.builtin.debug', event: 'result', host: 'default-p', path: '/tmp/galley/molecule/default/verify.yml:15', skip_reason: 'Conditional result was False', status: 'skipped', task: 'skipped', uuid: 'u3'},
  {action: 'ansible.builtin.assert', assertion: 'item > 1', event: 'result', host: 'default-p', item: 1, loop_item: true, msg: 'Assertion failed', path: '/tmp/galley/molecule/default/verify.yml:18', status: 'failed', task: 'loop', uuid: 'u4'},
  {action: 'ansible.builtin.assert', event: 'result', host: 'default-p', ignored: false, msg: 'One or more items failed', path: '/tmp/galley/molecule/default/verify.yml:18', rescued: false, status: 'failed', task: 'loop', uuid: 'u4'},
  {action: 'ansible.builtin.fail', event: 'result', host: 'default-p', ignored: false, msg: 'boom', path: '/tmp/galley/molecule/default/verify.yml:24', rescued: true, status: 'failed', task: 'in block', uuid: 'u5'},
  {action: 'ansible.builtin.include_role', event: 'result', host: 'default-p', path: '/tmp/galley/molecule/default/verify.yml:26', status: 'ok', task: 'include_role : acme.web', uuid: 'u6'},
  {action: 'ansible.builtin.assert', assertion: "ansible_facts.os_family == 'RedHat'", event: 'result', host: 'default-p', msg: 'not redhat', path: '/tmp/galley-ansible/roles/acme.web/tasks/main.yml:1', status: 'failed', task: 'acme.web : role task', uuid: 'u7'},
  {action: 'ansible.builtin.command', event: 'result', host: 'localhost', msg: 'non-zero return code', stderr: 'no such file', path: '/etc/ansible/roles/x/tasks/main.yml:3', status: 'failed', task: 'elsewhere', uuid: 'u8'},
  {event: 'stats', hosts: {}},
]
const TEXT = LINES.map((l) => JSON.stringify(l)).join('\n') + '\n{"event": "result", "tor'

const role = {dir: '.', names: ['web', 'acme.web']}
const options = {host: 'default-p', group: 'molecule/default/verify.yml', command: 'ansible-playbook molecule/default/verify.yml', toProject: (f: string) => projectPath(f, role)}

const Cases = suite('ansible verifier: task results as test cases')

Cases('every task is a case; fact gathering and includes only when they fail; a torn last line is left out', () => {
  const cases = resultsToCases(readResults(TEXT), options)
  assert.equal(cases.map((c) => [c.name, c.ok, Boolean(c.skipped)]), [
    ['passes', true, false],
    ['ignored', true, false],
    ['skipped', true, true],
    ['loop', false, false],
    ['in block', true, false],
    ['acme.web : role task', false, false],
    ['elsewhere [localhost]', false, false],
  ])
})

Cases('a failed assert says its message and the false assertion, at the task\'s file and line', () => {
  const cases = resultsToCases(readResults(TEXT), options)
  const byName = new Map(cases.map((c) => [c.name, c]))
  assert.is(byName.get('acme.web : role task')?.message, "not redhat (assertion: ansible_facts.os_family == 'RedHat')")
  assert.equal(byName.get('acme.web : role task')?.source, {file: 'tasks/main.yml', line: 1})
  assert.is(byName.get('loop')?.message, 'item 1: Assertion failed (assertion: item > 1)')
  assert.equal(byName.get('loop')?.source, {file: 'molecule/default/verify.yml', line: 18})
  assert.is(byName.get('elsewhere [localhost]')?.source, undefined, 'a file outside the project has no place in it')
  assert.match(byName.get('ignored')!.outputTail, /^failed, ignored \(ignore_errors\): a is not b/)
  assert.match(byName.get('in block')!.outputTail, /rescued by its block: boom/)
  assert.is(byName.get('skipped')?.outputTail, 'Conditional result was False')
})

Cases('no_log hides what a task printed', () => {
  const [c] = resultsToCases(readResults(JSON.stringify({event: 'result', status: 'failed', host: 'h', task: 'secret', action: 'shell', censored: true})), {...options, host: 'h'})
  assert.is(c.message, 'secret failed (output hidden by no_log)')
  assert.is(c.outputTail, '')
})

Cases.run()

/** A dummy engine with ansible installed: the verify playbook "runs" and its results file reads back as `results`. */
class VerifyDriver extends DummyDriver {
  constructor(private readonly results: string, private readonly exit = 0) {
    super()
  }

  override async exec(handle: ContainerHandle, argv: string[], options: ExecOptions = {}): Promise<number> {
    if (argv.includes('ansible-playbook')) return argv.at(-1)!.endsWith('.yml') ? this.exit : (options.onStdout?.(Buffer.from('galley: /usr/bin/ansible-playbook is already installed\n')), 0)
    if (argv[2] === 'cat -- "$1"') return this.results ? (options.onStdout?.(Buffer.from(this.results)), 0) : 1
    return super.exec(handle, argv, options)
  }
}

const VERIFY = '- hosts: all\n  tasks:\n    - name: ok\n      assert: {that: true}\n'

async function verifyWith(driver: VerifyDriver) {
  const run = dummyRun(driver)
  try {
    mkdirSync(path.join(run.root, 'molecule/default'), {recursive: true})
    writeFileSync(path.join(run.root, 'molecule/default/verify.yml'), VERIFY)
    writeFileSync(path.join(run.root, 'galley.yml'), 'platforms: [{name: p, image: {bootstrap: busybox}}]\nsuites:\n  - name: default\n    verifier: {ansible: [molecule/default/verify.yml]}\n')
    const [spec] = loadConfig({cwd: run.root}).instances
    const [result] = await runInstances(instancesOf(run, [spec]), 'test', {concurrency: 1, signal: run.controller.signal, events: run.events})
    const file = path.join(run.root, 'junit.xml')
    await writeJunit(file, [result])
    return {result, junit: readJunit(file)}
  } finally {
    endRun(run)
  }
}

const Planned = suite('ansible verifier: the cases it plans')

/** The plan of `molecule/default/verify.yml` written as `verify`, beside a role with `role` as its tasks. */
function planOf(verify: string, more: Record<string, string> = {}): string[] {
  const root = makeProject({'tasks/main.yml': '- name: role task\n  debug: {}\n', 'meta/main.yml': 'galaxy_info: {role_name: web, namespace: acme}\n', 'molecule/default/verify.yml': verify, ...more})
  try {
    return plannedCases(root, 'molecule/default/verify.yml').map((c) => `${c.name} ${c.source?.file}${c.source?.line ? `:${c.source.line}` : ''}`)
  } finally {
    removeProject(root)
  }
}

Planned('the tasks of the playbook by name, in order, but handlers, rescues, includes and meta', () => {
  const verify = [
    '- hosts: all',
    '  gather_facts: false',
    '  pre_tasks:',
    '    - {name: first, debug: {}}',
    '  tasks:',
    '    - name: a block',
    '      block:',
    '        - {name: inside, assert: {that: true}}',
    '      rescue:',
    '        - {name: only on failure, debug: {}}',
    '    - {name: flush, meta: flush_handlers}',
    '  handlers:',
    '    - {name: a handler, debug: {}}',
    '- hosts: all',
    '  tasks:',
    '    - {name: second play, debug: {}}',
    '',
  ].join('\n')
  assert.equal(planOf(verify), ['first molecule/default/verify.yml:4', 'inside molecule/default/verify.yml:8', 'second play molecule/default/verify.yml:16'])
})

Planned('the whole playbook when the walker cannot tell the cases: a role, a task file, an unnamed or templated task, a missing file', () => {
  const whole = ['ansible molecule/default/verify.yml molecule/default/verify.yml']
  assert.equal(planOf('- hosts: all\n  roles: [acme.web]\n'), whole, 'the role under test, found by its name, runs tasks of its own')
  assert.equal(planOf('- hosts: all\n  tasks:\n    - import_tasks: more.yml\n', {'molecule/default/more.yml': '- {name: more, debug: {}}\n'}), whole)
  assert.equal(planOf('- hosts: all\n  tasks:\n    - debug: {}\n'), whole)
  assert.equal(planOf('- hosts: all\n  tasks:\n    - {name: "check {{ item }}", debug: {}}\n'), whole)
  assert.equal(planOf('- hosts: all\n  tasks:\n    - include_tasks: gone.yml\n'), whole)
})

Planned.run()

const Lifecycle = suite('ansible verifier in the lifecycle')

Lifecycle('each task is a JUnit case of the instance; a failed one names its message and where it is written', async () => {
  const lines = [
    {event: 'result', status: 'ok', host: 'default-p', task: 'nginx is installed', action: 'assert', path: '/tmp/galley/molecule/default/verify.yml:3'},
    {event: 'result', status: 'failed', host: 'default-p', task: 'port 80 listens', action: 'assert', msg: 'nothing on port 80', assertion: '80 in ports', path: '/tmp/galley/molecule/default/verify.yml:7'},
  ]
  const {result, junit} = await verifyWith(new VerifyDriver(lines.map((l) => JSON.stringify(l)).join('\n'), 2))
  assert.is(result.status, 'failed')
  assert.equal(result.plan.tests.map((t) => [t.name, `${t.source?.file}:${t.source?.line}`]), [['ok', 'molecule/default/verify.yml:3']], 'the plan lists the task by name')
  const cases = junit.suites[0].cases.filter((c) => c.classname.startsWith('default-p.verify'))
  assert.equal(cases.map((c) => [c.classname, c.name, Boolean(c.failure)]), [
    ['default-p.verify.molecule/default/verify.yml', 'nginx is installed', false],
    ['default-p.verify.molecule/default/verify.yml', 'port 80 listens', true],
  ])
  assert.match(cases[1].failure?.message ?? '', 'nothing on port 80 (assertion: 80 in ports)')
  assert.match(cases[1].failure?.text ?? '', 'molecule/default/verify.yml:7')
})

Lifecycle('a playbook that fails before any task, or runs none, is a failed case', async () => {
  const early = await verifyWith(new VerifyDriver('', 4))
  assert.is(early.result.status, 'failed')
  assert.match(early.result.message ?? '', /failed \(exit 4\) before any task failed/)
  const none = await verifyWith(new VerifyDriver('{"event": "stats", "hosts": {}}\n'))
  assert.match(none.result.message ?? '', /no task of molecule\/default\/verify\.yml ran on this instance/)
})

Lifecycle.run()
