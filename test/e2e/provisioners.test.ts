import {rmSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {readJunit, type ParsedSuite} from '../fakes/junit.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {galley, leftovers, repo} from './cli.js'

// The Debian platform of suites/nginx, so the base image (and each tool's cached install) is shared.
const DEBIAN = `platforms:
  - name: debian-12
    image: { bootstrap: debootstrap, release: bookworm, packages: [ca-certificates] }
    driver: { memory: 512M, cpus: 1 }
`

function report(root: string): ParsedSuite {
  return readJunit(path.join(root, '.galley', 'junit.xml')).suites[0]
}

const converged = (s: ParsedSuite) => s.cases.filter((c) => c.classname.endsWith('.converge')).map((c) => c.name)
const idempotence = (s: ParsedSuite) => s.cases.find((c) => c.classname.endsWith('.idempotence'))

/** Runs `galley test` in an example suite on `engine` and checks it passed idempotence and every test. */
async function passesExample(name: string, engine: 'lxc' | 'docker', steps: string[]): Promise<void> {
  const root = path.join(repo, 'suites', name)
  rmSync(path.join(root, '.galley'), {recursive: true, force: true})
  try {
    const r = galley(root, 'test', '--driver', engine)
    assert.is(r.code, 0, r.stdout.slice(-4000) + r.stderr)
    const s = report(root)
    assert.is(s.failures + s.errors, 0)
    assert.equal(converged(s), steps)
    const idem = idempotence(s)
    assert.ok(idem, 'an idempotence testcase')
    assert.is(idem!.failure, undefined)
  } finally {
    galley(root, 'destroy', '--driver', engine)
    assert.equal(await leftovers(root, engine), [])
  }
}

/** Runs `galley test --idempotence` on a project that converges but changes something every run. */
async function failsIdempotence(files: Record<string, string>, engine: 'lxc' | 'docker', expect: RegExp): Promise<void> {
  const root = makeProject(files)
  try {
    const r = galley(root, 'test', '--idempotence', '--destroy', 'always', '--driver', engine)
    assert.is(r.code, 1, r.stdout.slice(-4000) + r.stderr)
    assert.match(r.stdout, /passed|failed/)
    assert.match(r.stdout, /failed\s+idempotence/)
    const s = report(root)
    assert.ok(s.cases.filter((c) => c.classname.endsWith('.converge')).every((c) => !c.failure), 'converge passed')
    const idem = idempotence(s)
    assert.ok(idem?.failure, 'the idempotence testcase failed')
    assert.match(idem!.failure!.message, expect)
    assert.ok(s.cases.filter((c) => c.classname.endsWith('.verify')).every((c) => c.skipped), 'verify did not run')
  } finally {
    galley(root, 'destroy', '--driver', engine)
    assert.equal(await leftovers(root, engine), [])
    removeProject(root)
  }
}

const Ansible = suite('ansible provisioner')

Ansible('suites/ansible-nginx: a role installs and configures nginx on LXC; a second run changes nothing', async () => {
  await passesExample('ansible-nginx', 'lxc', ['install ansible-core', 'site.yml'])
})

Ansible('a task that changes on every run is caught by --idempotence, by name', async () => {
  await failsIdempotence(
    {
      'galley.yml': `${DEBIAN}suites:\n  - name: stamp\n    provisioner: {name: ansible, playbook: play.yml}\n    verifier: {tests: [{run: 'true'}]}\n`,
      'play.yml': `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: Write the motd\n      ansible.builtin.copy: {dest: /etc/motd, content: "hi\\n"}\n    - name: Stamp the time\n      ansible.builtin.shell: date > /etc/stamp\n`,
    },
    'lxc',
    /play\.yml changed 1 task \(changed=1\): Stamp the time/,
  )
})

Ansible('on busybox the install step fails naming the platform and what to use instead', async () => {
  const root = makeProject({
    'galley.yml': `platforms: [{name: tiny, image: {bootstrap: busybox}}]\nsuites:\n  - name: a\n    provisioner: {name: ansible, playbook: p.yml}\n`,
    'p.yml': '- hosts: all\n  tasks: []\n',
  })
  try {
    const r = galley(root, 'test')
    assert.is(r.code, 1)
    assert.match(r.stdout, /platform `tiny` has no ansible-playbook and no apt-get to install ansible-core python3-apt sudo with: use a Debian platform/)
    assert.not.match(r.stdout + r.stderr, /\n\s+at /)
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

Ansible('suites/ansible-nginx on Docker: the same role, Debian imported into the engine', async () => {
  await passesExample('ansible-nginx', 'docker', ['install ansible-core', 'site.yml'])
})

Ansible.run()

const Itamae = suite('itamae provisioner')

for (const engine of ['lxc', 'docker'] as const) {
  Itamae(`suites/itamae-cron on ${engine}: package, template, file and service resources; a second run updates nothing`, async () => {
    await passesExample('itamae-cron', engine, ['install itamae', 'recipes/default.rb'])
  })
}

Itamae('an execute resource without a guard is caught by --idempotence', async () => {
  await failsIdempotence(
    {
      'galley.yml': `${DEBIAN}suites:\n  - name: stamp\n    provisioner: {name: itamae, recipe: r/default.rb}\n`,
      'r/default.rb': `file '/etc/motd' do\n  content "hi\\n"\nend\nexecute 'date > /etc/stamp'\n`,
    },
    'lxc',
    /updated 1 resource: execute\[date > \/etc\/stamp\]/,
  )
})

Itamae.run()

const Puppet = suite('puppet provisioner')

for (const engine of ['lxc', 'docker'] as const) {
  Puppet(`suites/puppet-user on ${engine}: a user, a file and a service from a module; a second apply changes nothing`, async () => {
    await passesExample('puppet-user', engine, ['install puppet', 'manifests/site.pp'])
  })
}

Puppet('an exec that runs every time is caught by --idempotence through the detailed exit code', async () => {
  await failsIdempotence(
    {
      'galley.yml': `${DEBIAN}suites:\n  - name: stamp\n    provisioner: {name: puppet, manifest: site.pp}\n`,
      'site.pp': `file { '/etc/motd': content => "hi\\n" }\nexec { 'stamp': command => '/bin/date', logoutput => false }\n`,
    },
    'lxc',
    /changed 1 resource \(exit 2\): Exec\[stamp\]/,
  )
})

Puppet.run()

const Chef = suite('chef provisioner (with the stand-in chef-solo)')

for (const engine of ['lxc', 'docker'] as const) {
  Chef(`${engine}: suites/chef-stand-in converges through solo.rb and the node JSON; a second run updates nothing`, async () => {
    await passesExample('chef-stand-in', engine, ['install the chef-solo stand-in', 'chef run_list recipe[motd],recipe[motd::dirs]'])
  })
}

Chef('an execute resource in the run list is caught by --idempotence', async () => {
  const standIn = path.join(repo, 'suites', 'chef-stand-in', 'stand-in', 'chef-solo')
  const {readFileSync} = await import('node:fs')
  await failsIdempotence(
    {
      'galley.yml': `platforms: [{name: bb, image: {bootstrap: busybox}}]\nsuites:\n  - name: stamp\n    provisioner:\n      name: chef\n      steps: [{script: chef-solo}]\n      run_list: [app]\n`,
      'chef-solo': readFileSync(standIn, 'utf8'),
      'cookbooks/app/recipes/default.rb': `file '/etc/app.conf'\nexecute 'date > /etc/stamp'\n`,
    },
    'lxc',
    /the second chef-solo run updated 1 resource: execute\[date > \/etc\/stamp\]/,
  )
})

Chef('an image without chef-solo or cinc-solo fails with what to do', async () => {
  const root = makeProject({
    'galley.yml': `platforms: [{name: bb, image: {bootstrap: busybox}}]\nsuites:\n  - name: a\n    provisioner: {name: chef, run_list: [app]}\n`,
    'cookbooks/app/recipes/default.rb': `file '/etc/app.conf'\n`,
  })
  try {
    const r = galley(root, 'test')
    assert.is(r.code, 1)
    assert.match(r.stdout, /platform `bb` has no cinc-solo or chef-solo: Chef is not packaged for Debian/)
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

Chef.run()

const Shell = suite('shell steps under idempotence')

Shell('a step whose check: says it would change fails idempotence; steps with passing checks do not', async () => {
  await failsIdempotence(
    {
      'galley.yml': `platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: s
    provisioner:
      steps:
        - {name: motd, run: 'echo hi > /etc/motd', check: 'grep -qx hi /etc/motd'}
        - {name: path, run: 'echo "PATH=$PATH:/opt/bin" >> /etc/profile', check: '! grep -q /opt/bin /etc/profile'}
        - {name: no check, run: 'true'}
`,
    },
    'lxc',
    /^step `path` would change something: its check exited with 1$/,
  )
})

Shell('provisioner idempotence: true passes when every check passes, without the flag', async () => {
  const root = makeProject({
    'galley.yml': `platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: s
    provisioner:
      idempotence: true
      steps: [{name: motd, run: 'echo hi > /etc/motd', check: 'grep -qx hi /etc/motd'}]
`,
  })
  try {
    const r = galley(root, 'test')
    assert.is(r.code, 0, r.stdout + r.stderr)
    const idem = idempotence(report(root))
    assert.ok(idem && !idem.failure)
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

Shell.run()
