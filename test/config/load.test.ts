import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/load.js'
import {parseSize} from '../../src/config/values.js'
import type {Assertion} from '../../src/config/types.js'
import {configErrorsOf} from '../fakes/config.js'
import {makeProject, removeProject} from '../fakes/project.js'

// The example from the "Galley walks" issue, exactly as written there.
const EXAMPLE = `driver:
  name: lxc
platforms:
  - name: busybox
    image: { bootstrap: busybox }
  - name: debian-12
    image: { bootstrap: debootstrap, release: bookworm, packages: [ca-certificates] }
    driver: { memory: 512M, cpus: 1 }
suites:
  - name: web
    provisioner:
      steps:
        - script: recipes/base.sh          # a file relative to galley.yml
        - run: echo hello > /etc/motd      # an inline shell command
      env: { GREETING: hi }
    verifier:
      tests:
        - name: motd says hello
          run: grep -q hello /etc/motd
        - script: tests/web.sh
    excludes: [busybox]
`
const FILES = {'recipes/base.sh': 'echo base\n', 'tests/web.sh': 'true\n'}

const errorsOf = configErrorsOf

const Load = suite('loadConfig')

Load('expands the issue example into one instance with merged settings', () => {
  const root = makeProject({'galley.yml': EXAMPLE, ...FILES})
  try {
    const config = loadConfig({cwd: root})
    assert.equal(config.instances.map((i) => i.name), ['web-debian-12'])
    const inst = config.instances[0]
    assert.equal(inst.platform.image, {bootstrap: 'debootstrap', release: 'bookworm', variant: 'minbase', packages: ['ca-certificates']})
    assert.equal(inst.driver, {name: 'lxc', memory: 512 * 1024 * 1024, cpus: 1})
    assert.equal(inst.provisioner.steps.map((s) => s.name), ['recipes/base.sh', 'echo hello > /etc/motd'])
    assert.equal(inst.provisioner.env, {GREETING: 'hi'})
    assert.equal(inst.verifier.tests.map((t) => [t.name, t.exitStatus]), [['motd says hello', 0], ['tests/web.sh', 0]])
    assert.is(config.root, root)
  } finally {
    removeProject(root)
  }
})

Load('includes and excludes select platforms per suite', () => {
  const yml = `platforms:
  - {name: a, image: {bootstrap: busybox}}
  - {name: b, image: {bootstrap: busybox}}
  - {name: c, image: {bootstrap: busybox}}
suites:
  - {name: all}
  - {name: only, includes: [a, c]}
  - {name: notb, excludes: [b]}
`
  const root = makeProject({'galley.yml': yml})
  try {
    assert.equal(loadConfig({cwd: root}).instances.map((i) => i.name), ['all-a', 'all-b', 'all-c', 'only-a', 'only-c', 'notb-a', 'notb-c'])
  } finally {
    removeProject(root)
  }
})

Load('galley.local.yml deep-merges over galley.yml, suite settings over platform over top level', () => {
  const yml = `driver: {name: lxc, memory: 256M}
provisioner: {env: {A: top, B: top}}
platforms:
  - {name: p, image: {bootstrap: busybox}, provisioner: {env: {B: platform}}}
suites:
  - {name: s, provisioner: {env: {C: suite}, steps: [{run: 'true'}]}}
`
  const local = `driver: {memory: 1G}
suites:
  - {name: s, provisioner: {env: {A: local}}}
  - {name: extra}
`
  const root = makeProject({'galley.yml': yml, 'galley.local.yml': local})
  try {
    const config = loadConfig({cwd: root})
    assert.equal(config.instances.map((i) => i.name), ['s-p', 'extra-p'])
    assert.is(config.instances[0].driver.memory, 1024 ** 3)
    assert.equal(config.instances[0].provisioner.env, {A: 'local', B: 'platform', C: 'suite'})
    assert.is(config.instances[0].provisioner.steps.length, 1)
  } finally {
    removeProject(root)
  }
})

Load('an unknown key names file:line:col and suggests the likely key', () => {
  const messages = errorsOf({'galley.yml': 'platforms:\n  - name: p\n    image: {bootstrap: busybox}\n    driverr: {}\nsuites: [{name: s}]\n'})
  assert.equal(messages, ['galley.yml:4:5: unknown key `driverr` in galley.yml.platforms[0] — did you mean `driver`?'])
})

Load('a wrong type is reported at the value', () => {
  const messages = errorsOf({'galley.yml': 'platforms:\n  - name: p\n    image: {bootstrap: busybox}\n    driver: {cpus: many}\nsuites: [{name: s}]\n'})
  assert.is(messages.length, 1)
  assert.match(messages[0], /^galley\.yml:4:20: galley\.yml\.platforms\[0\]\.driver\.cpus must be a number/)
})

Load('a missing script is reported where it is named', () => {
  const messages = errorsOf({'galley.yml': 'platforms: [{name: p, image: {bootstrap: busybox}}]\nsuites:\n  - name: s\n    provisioner:\n      steps:\n        - script: nope.sh\n'})
  assert.equal(messages, ['galley.yml:6:19: step script `nope.sh` not found (looked for ' + messages[0].split('(looked for ')[1]])
  assert.match(messages[0], /nope\.sh\)$/)
})

Load('a script outside the project folder is refused: the instance only sees the project', () => {
  const messages = errorsOf({'galley.yml': 'platforms: [{name: p, image: {bootstrap: busybox}}]\nsuites:\n  - name: s\n    verifier:\n      tests:\n        - script: ../outside.sh\n        - script: /etc/hostname\n'})
  assert.is(messages.length, 2)
  assert.ok(messages.every((m) => m.includes('is outside the project folder')), messages.join('\n'))
})

Load('duplicate names and unknown platforms in excludes are errors with suggestions', () => {
  const messages = errorsOf({
    'galley.yml': 'platforms:\n  - {name: debian, image: {bootstrap: busybox}}\n  - {name: debian, image: {bootstrap: busybox}}\nsuites:\n  - {name: s, excludes: [debain]}\n',
  })
  assert.ok(messages.includes('galley.yml:3:12: duplicate platform name `debian`') && messages.length === 2, messages.join('\n'))
  assert.ok(messages.some((m) => /^galley\.yml:5:\d+: suite `s` excludes unknown platform `debain` — did you mean `debian`\?$/.test(m)), messages.join('\n'))
})

Load('names with spaces or slashes are refused', () => {
  const messages = errorsOf({'galley.yml': 'platforms: [{name: "a b", image: {bootstrap: busybox}}]\nsuites: [{name: "x/y"}]\n'})
  assert.is(messages.length, 2)
  assert.ok(messages.every((m) => m.includes('no spaces or slashes')))
})

Load('invalid YAML gives the position of the syntax error', () => {
  const messages = errorsOf({'galley.yml': 'platforms:\n  - name: [unclosed\nsuites: []\n'})
  assert.match(messages[0], /^galley\.yml:\d+:\d+: invalid YAML/)
})

Load('a step must have exactly one of script and run', () => {
  const messages = errorsOf({'galley.yml': 'platforms: [{name: p, image: {bootstrap: busybox}}]\nsuites:\n  - name: s\n    provisioner: {steps: [{run: a, script: b}, {name: c}]}\n'})
  assert.is(messages.length, 2)
  assert.ok(messages.every((m) => m.includes('must have exactly one of `script` or `run`')))
})

Load('a missing galley.yml says where it looked', () => {
  const root = makeProject({})
  try {
    assert.throws(() => loadConfig({cwd: root}), (e: Error) => e.message === `no galley.yml in ${root}`)
    writeFileSync(path.join(root, 'galley.yml'), '')
    assert.throws(() => loadConfig({cwd: root}), /galley\.yml must be a mapping/)
  } finally {
    removeProject(root)
  }
})

Load.run()

const Size = suite('parseSize')
Size('reads the units users write', () => {
  assert.is(parseSize('512M'), 512 * 1024 * 1024)
  assert.is(parseSize('1.5G'), 1.5 * 1024 ** 3)
  assert.is(parseSize('64MiB'), 64 * 1024 ** 2)
  assert.is(parseSize(4096), 4096)
  assert.is(parseSize('lots'), undefined)
  assert.is(parseSize('0'), undefined)
})
Size.run()

const Verifiers = suite('loadConfig: assert, bats and junit verifiers')

Verifiers('assertions, bats files and JUnit commands load with their kinds, names, retries and timeouts', () => {
  const yml = `platforms: [{name: p, image: {bootstrap: busybox}}]
suites:
  - name: s
    verifier:
      assert:
        - {file: /etc/motd, group: adm, mode: 0644, contains: hello}
        - {process: nginx, user: www-data}
        - {port: 80, retry: 10, timeout: 30s}
        - {name: home page, http: "http://localhost/", status: 200}
      bats: [tests/web.bats]
      junit:
        - {run: pytest --junitxml=/tmp/out.xml, report: /tmp/out.xml}
`
  const root = makeProject({'galley.yml': yml, 'tests/web.bats': '@test "x" { true; }\n'})
  try {
    const v = loadConfig({cwd: root}).instances[0].verifier
    const asserts = v.sections.assert as Assertion[]
    assert.equal(asserts.map((x) => [x.kind, x.target, x.name, x.retry, x.timeoutMs]), [
      ['file', '/etc/motd', 'file /etc/motd', 0, undefined],
      ['process', 'nginx', 'process nginx', 0, undefined],
      ['port', '80', 'port 80', 10, 30_000],
      ['http', 'http://localhost/', 'home page', 0, undefined],
    ])
    assert.equal(asserts[0].expect, {group: 'adm', mode: 644, contains: 'hello'})
    assert.equal(asserts[1].expect, {user: 'www-data'})
    assert.equal(v.sections.bats, [{file: 'tests/web.bats'}])
    assert.equal(v.sections.junit, [{name: 'pytest --junitxml=/tmp/out.xml', run: 'pytest --junitxml=/tmp/out.xml', report: '/tmp/out.xml', env: {}}])
  } finally {
    removeProject(root)
  }
})

Verifiers('mistakes in assertions are reported at their place, with the likely word', () => {
  const messages = errorsOf({
    'galley.yml': `platforms: [{name: p, image: {bootstrap: busybox}}]
suites:
  - name: s
    verifier:
      assert:
        - {file: /etc/motd, mod: "0644"}
        - {fiel: /etc/motd}
        - {port: 80, file: /x}
        - {file: /x, mode: "0999", timeout: soon}
        - {http: "localhost/"}
        - {command: "true", stdout: "/[/"}
        - {port: 80000}
`,
  })
  assert.equal(messages, [
    'galley.yml:6:29: unknown key `mod` in galley.yml.suites[0].verifier.assert[0] (file) — did you mean `mode`?',
    'galley.yml:7:11: galley.yml.suites[0].verifier.assert[1] does not say what it checks — did you mean `file`?',
    'galley.yml:8:11: galley.yml.suites[0].verifier.assert[2] names both `port` and `file`; an assertion checks one thing',
    'galley.yml:9:28: galley.yml.suites[0].verifier.assert[3] (file).mode must be an octal file mode such as "0644", got string "0999"',
    'galley.yml:9:45: galley.yml.suites[0].verifier.assert[3] (file).timeout must be a duration such as 30s, 2m or 500ms, got string "soon"',
    'galley.yml:10:18: galley.yml.suites[0].verifier.assert[4] (http).http must be a URL starting with http:// or https://, got string "localhost/"',
    'galley.yml:11:37: galley.yml.suites[0].verifier.assert[5] (command).stdout is not a valid regular expression: Invalid regular expression: /[/: Unterminated character class',
    'galley.yml:12:18: galley.yml.suites[0].verifier.assert[6] (port).port must be a whole number from 1 to 65535, got number 80000',
  ])
})

Verifiers('a bats file that is not in the project is reported where it is named', () => {
  const messages = errorsOf({'galley.yml': 'platforms: [{name: p, image: {bootstrap: busybox}}]\nsuites:\n  - name: s\n    verifier:\n      bats: [tests/web.bats]\n'})
  assert.is(messages.length, 1)
  assert.match(messages[0], /^galley\.yml:5:14: bats script `tests\/web\.bats` not found \(looked for .*tests\/web\.bats\)$/)
})

Verifiers('steps, tests and assertions know where they are written, for CI annotations', () => {
  const root = makeProject({
    'galley.yml': `platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: web
    provisioner:
      steps:
        - run: echo one
        - script: setup.sh
    verifier:
      tests:
        - {name: t, run: 'true'}
      assert:
        - {port: 80}
`,
    'setup.sh': 'true\n',
  })
  try {
    const [inst] = loadConfig({cwd: root}).instances
    assert.equal(inst.provisioner.steps.map((s) => s.source), [{file: 'galley.yml', line: 6}, {file: 'setup.sh'}])
    assert.equal(inst.verifier.tests[0].source, {file: 'galley.yml', line: 10})
    assert.equal((inst.verifier.sections.assert as Assertion[])[0].source, {file: 'galley.yml', line: 12})
  } finally {
    removeProject(root)
  }
})

Verifiers.run()
