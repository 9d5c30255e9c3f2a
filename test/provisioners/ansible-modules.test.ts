import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {InstanceSpec} from '../../src/config/types.js'
import {planAnsible} from '../../src/provisioners/ansible/plan.js'
import {releaseOf, resolveModule, routingOf, type Available} from '../../src/provisioners/ansible/routing.js'
import {provisionSteps} from '../../src/provisioners/index.js'
import {fakeSpec, withProject} from '../fakes/project.js'

const NOTHING: Available = {requirements: new Set(), unnamedSources: false, local: {}, libraries: new Set()}

/** An ansible spec on a Debian platform (`release`) or an engine image (`ref`). */
function ansibleSpec(settings: Record<string, unknown>, image: {release?: string; ref?: string} = {release: 'bookworm'}): InstanceSpec {
  const spec = fakeSpec('s-p', [])
  const platform = {name: 'p', init: 'none' as const, image: image.ref ? {ref: image.ref} : {bootstrap: 'debootstrap' as const, release: image.release!, variant: 'minbase', packages: []}}
  return {...spec, platform, provisioner: {...spec.provisioner, name: 'ansible', options: {playbooks: ['site.yml'], ...settings}}}
}

const Routing = suite("Ansible's routing table")

Routing('short names: builtin modules stay in ansible-core; routed ones go to their collection', () => {
  const r = routingOf('bookworm')
  assert.equal(resolveModule('copy', [], r, NOTHING), {kind: 'builtin', name: 'copy'})
  assert.equal(resolveModule('ansible.builtin.copy', [], r, NOTHING), {kind: 'builtin', name: 'copy'})
  assert.equal(resolveModule('timezone', [], r, NOTHING), {kind: 'collection', fqcn: 'community.general.timezone', collection: 'community.general', from: 'ansible'})
  assert.equal(resolveModule('sysctl', [], r, NOTHING), {kind: 'collection', fqcn: 'ansible.posix.sysctl', collection: 'ansible.posix', from: 'ansible'})
  assert.equal(resolveModule('docker_container', [], r, NOTHING), {kind: 'collection', fqcn: 'community.docker.docker_container', collection: 'community.docker', from: 'ansible'})
  assert.equal(resolveModule('bigip_facts', [], r, NOTHING), {kind: 'removed', name: 'bigip_facts'})
  assert.equal(resolveModule('tiemzone', [], r, NOTHING), {kind: 'unknown'})
})

Routing('full names: a collection of the full package, one the requirements install, one kept beside the playbook, a typo', () => {
  const r = routingOf('bookworm')
  assert.equal(resolveModule('community.general.ufw', [], r, NOTHING).kind, 'collection')
  assert.equal(resolveModule('community.general.ufww', [], r, NOTHING), {kind: 'unknown', collection: 'community.general'})
  assert.equal(resolveModule('galley.demo.hello', [], r, NOTHING), {kind: 'unknown', collection: 'galley.demo'})
  assert.equal(resolveModule('galley.demo.hello', [], r, {...NOTHING, requirements: new Set(['galley.demo'])}), {kind: 'collection', fqcn: 'galley.demo.hello', collection: 'galley.demo', from: 'requirements'})
  assert.equal(resolveModule('acme.tools.frob', [], r, {...NOTHING, local: {'acme.tools': ['frob']}}).kind, 'collection')
  assert.equal(resolveModule('community.general.ufw', [], r, {...NOTHING, requirements: new Set(['community.general'])}), {kind: 'collection', fqcn: 'community.general.ufw', collection: 'community.general', from: 'requirements'})
})

Routing("a play's collections: list and library/ modules come before ansible-core", () => {
  const r = routingOf('bookworm')
  assert.equal(resolveModule('ufw', ['community.general'], r, NOTHING), {kind: 'collection', fqcn: 'community.general.ufw', collection: 'community.general', from: 'ansible'})
  assert.equal(resolveModule('copy', ['community.general'], r, NOTHING), {kind: 'builtin', name: 'copy'})
  assert.equal(resolveModule('my_module', [], r, {...NOTHING, libraries: new Set(['my_module'])}), {kind: 'library', name: 'my_module'})
  assert.equal(resolveModule('ansible.builtin.my_module', [], r, {...NOTHING, libraries: new Set(['my_module'])}), {kind: 'unknown'})
})

Routing('each Debian release has its own table: 11 still has include, 13 routes yum to dnf and has removed include', () => {
  assert.equal(resolveModule('include', [], routingOf('bullseye'), NOTHING).kind, 'builtin')
  assert.equal(resolveModule('include', [], routingOf('trixie'), NOTHING).kind, 'removed')
  assert.equal(resolveModule('yum', [], routingOf('trixie'), NOTHING), {kind: 'builtin', name: 'dnf'})
  assert.equal(resolveModule('deb822_repository', [], routingOf('bookworm'), NOTHING).kind, 'unknown')
  assert.equal(resolveModule('deb822_repository', [], routingOf('trixie'), NOTHING).kind, 'builtin')
  assert.is(routingOf('bullseye').corePackage, 'ansible', 'Debian 11 has no ansible-core package')
  assert.is(routingOf('bookworm').corePackage, 'ansible-core')
})

Routing('platforms name their Debian release by codename, number or image', () => {
  assert.is(releaseOf({bootstrap: 'debootstrap', release: 'bullseye', variant: 'minbase', packages: []}), 'bullseye')
  assert.is(releaseOf({bootstrap: 'debootstrap', release: '13', variant: 'minbase', packages: []}), 'trixie')
  assert.is(releaseOf({ref: 'debian:12'}), 'bookworm')
  assert.is(releaseOf({ref: 'debian:bookworm-slim'}), 'bookworm')
  assert.is(releaseOf({ref: 'registry.local/dokken/debian-11'}), 'bullseye')
  assert.is(releaseOf({ref: 'ubuntu:22.04'}), undefined)
  assert.is(releaseOf({bootstrap: 'busybox'}), undefined)
})

Routing.run()

const Choice = suite('which Ansible a suite gets')

const installOf = (spec: InstanceSpec, root: string) => {
  const step = provisionSteps(spec, root)[0]
  return {name: step.name, command: step.command}
}

Choice("a role using short names of community.general modules gets Debian's full ansible, with no setting", () => {
  withProject({}, (root) => {
    const plan = planAnsible(ansibleSpec({}), {playbooks: ['site.yml']}, root)
    assert.is(plan.choice.flavour, 'full')
    assert.is(plan.modules.because, 'pam_limits (roles/limits/tasks/main.yml:2) is in community.general')
    assert.equal(plan.modules.problems, [])
    assert.equal(installOf(ansibleSpec({}), root), {name: 'install ansible', command: 'apt-get install ansible python3-apt sudo'})
  }, 'ansible-community')
})

Choice('ansible: core and package: override the choice; builtin-only playbooks get ansible-core', () => {
  withProject({}, (root) => {
    assert.equal(installOf(ansibleSpec({flavour: 'core'}), root).name, 'install ansible-core')
    assert.equal(installOf(ansibleSpec({package: 'ansible-core'}), root).name, 'install ansible-core')
  }, 'ansible-community')
  withProject({'site.yml': '- hosts: all\n  tasks:\n    - copy: {dest: /x, content: y}\n'}, (root) => {
    assert.equal(installOf(ansibleSpec({}), root).name, 'install ansible-core')
    assert.equal(installOf(ansibleSpec({flavour: 'full'}), root).name, 'install ansible')
  })
})

Choice("Debian 11 has no ansible-core: its ansible package; an unknown platform falls back to it when apt lacks ansible-core", () => {
  withProject({'site.yml': '- hosts: all\n  tasks:\n    - copy: {dest: /x, content: y}\n'}, (root) => {
    assert.equal(installOf(ansibleSpec({}, {release: 'bullseye'}), root).name, 'install ansible')
    const other = provisionSteps(ansibleSpec({}, {ref: 'ubuntu:22.04'}), root)[0]
    assert.is(other.name, 'install ansible-core')
    assert.match(other.argv[2], 'apt-cache show --no-all-versions ansible-core')
    const bookworm = provisionSteps(ansibleSpec({}), root)[0]
    assert.not.match(bookworm.argv[2], 'apt-cache show', 'a known release needs no fallback')
  })
})

Choice('the full package is checked for its collections when the image already has ansible-playbook', () => {
  withProject({}, (root) => {
    const step = provisionSteps(ansibleSpec({}), root)[0]
    assert.match(step.argv[2], "ansible-galaxy collection list community.general 2>/dev/null | grep -q '^community\\.general '")
  }, 'ansible-community')
})

Choice('ansible_version: installs that ansible-core with pip, and the full package with it when needed', () => {
  withProject({}, (root) => {
    const step = provisionSteps(ansibleSpec({version: '2.16'}), root)[0]
    assert.is(step.name, 'install ansible-core==2.16.* ansible with pip')
    assert.equal(step.argv.slice(-2), ['ansible-core==2.16.*', 'ansible'])
    assert.equal(step.cache.settings, {install: 'ansible', pip: ['ansible-core==2.16.*', 'ansible']})
  }, 'ansible-community')
})

Choice.run()

const Unknown = suite('unknown modules, before anything runs')

Unknown('an unknown module is reported with its file, line and a suggestion', () => {
  withProject({'site.yml': '- hosts: all\n  roles: [web]\n', 'roles/web/tasks/main.yml': '- name: Set the zone\n  tiemzone: {name: UTC}\n- community.general.ufww: {rule: allow}\n- galley.demo.hello: {}\n'}, (root) => {
    const plan = planAnsible(ansibleSpec({}), {playbooks: ['site.yml']}, root)
    assert.equal(plan.modules.problems.map((p) => p.message), [
      'roles/web/tasks/main.yml:1: unknown module `tiemzone` — did you mean `timezone`?',
      'roles/web/tasks/main.yml:3: unknown module `community.general.ufww`: collection community.general has no such module',
      "roles/web/tasks/main.yml:4: unknown module `galley.demo.hello`: collection galley.demo is neither in Debian's ansible package nor in the requirements",
    ])
    assert.match(plan.modules.problems[2].hint!, 'Add galley.demo to a requirements file')
  })
})

Unknown('modules of collections the requirements install are known; a guessed file is not judged; a platform Galley cannot place is judged by every release', () => {
  withProject(
    {
      'site.yml': '- hosts: all\n  tasks:\n    - galley.demo.hello: {}\n    - include_tasks: "{{ ansible_os_family }}.yml"\n    - deb822_repository: {name: x}\n',
      'RedHat.yml': '- some.other.thing: {}\n',
      'requirements.yml': 'collections:\n  - galley.demo\n',
    },
    (root) => {
      assert.equal(planAnsible(ansibleSpec({}, {ref: 'ubuntu:24.04'}), {playbooks: ['site.yml']}, root).modules.problems, [])
      assert.equal(planAnsible(ansibleSpec({}), {playbooks: ['site.yml']}, root).modules.problems.map((p) => p.message), ['site.yml:5: unknown module `deb822_repository`'])
    },
  )
})

Unknown('a missing role is reported unless the requirements install it; a removed module says so', () => {
  withProject({'site.yml': '- hosts: all\n  roles: [ghost, geerlingguy.docker]\n  tasks:\n    - bigip_facts: {}\n', 'requirements.yml': '- src: geerlingguy.docker\n'}, (root) => {
    const plan = planAnsible(ansibleSpec({}), {playbooks: ['site.yml']}, root)
    assert.equal(plan.modules.problems.map((p) => p.message), [
      'site.yml:4: module `bigip_facts` was removed from Ansible (its routing table marks it removed)',
      'site.yml:2: role `ghost` not found (looked in the playbook\'s roles/ folder, roles_path and the playbook\'s folder)',
    ])
    // A Galaxy role cannot be read before it is installed: the full package is the safe choice.
    assert.is(plan.choice.flavour, 'full')
  })
})

Unknown('galley test stops before anything runs, exit 2, naming the module, task file and line', async () => {
  const {loadConfig} = await import('../../src/config/load.js')
  withProject(
    {
      'galley.yml': 'platforms: [{name: d, image: {bootstrap: debootstrap, release: bookworm}}]\nsuites:\n  - name: s\n    provisioner: {name: ansible, playbook: site.yml}\n',
      'site.yml': '- hosts: all\n  tasks:\n    - name: typo\n      ansibel.builtin.copy: {dest: /x}\n',
    },
    (root) => {
      try {
        loadConfig({cwd: root, driver: 'dummy'})
        assert.unreachable('loading should fail')
      } catch (e) {
        const err = e as {exitCode: number; message: string}
        assert.is(err.exitCode, 2)
        assert.match(err.message, 'site.yml:3: unknown module `ansibel.builtin.copy`')
      }
    },
  )
})

Unknown('a missing vars file of a task under when: is no config error; one without is, with its task file and line', async () => {
  const {loadConfig} = await import('../../src/config/load.js')
  const galley = 'platforms: [{name: d, image: {bootstrap: debootstrap, release: bookworm}}]\nsuites:\n  - name: s\n    provisioner: {name: ansible, playbook: site.yml}\n'
  const role = (when: string) => `- name: RedHat 6 variables\n  include_vars: RedHat-6.yml\n${when}- debug: {}\n`
  const files = (when: string) => ({'galley.yml': galley, 'site.yml': '- hosts: all\n  roles: [r]\n', 'roles/r/tasks/main.yml': role(when)})
  withProject(files("  when: ansible_os_family == 'RedHat'\n"), (root) => {
    loadConfig({cwd: root, driver: 'dummy'})
  })
  withProject(files(''), (root) => {
    try {
      loadConfig({cwd: root, driver: 'dummy'})
      assert.unreachable('loading should fail')
    } catch (e) {
      assert.match((e as Error).message, 'roles/r/tasks/main.yml:1: vars file `RedHat-6.yml` not found')
    }
  })
})

Unknown("under when:, a file Ansible reads only then may use a collection this image lacks; a misspelt module, or a task Ansible reads before the play, is still reported", () => {
  withProject(
    {
      'site.yml': `- hosts: all
  tasks:
    - include_tasks: redhat.yml
      when: ansible_os_family == 'RedHat'
    - name: read with the play, so Ansible resolves it even on Debian
      acme.rhel.subscribe: {}
      when: ansible_os_family == 'RedHat'
`,
      'redhat.yml': '- acme.rhel.subscribe: {}\n- tiemzone: {name: UTC}\n- community.general.ufww: {}\n',
    },
    (root) => {
      assert.equal(planAnsible(ansibleSpec({}), {playbooks: ['site.yml']}, root).modules.problems.map((p) => p.message), [
        "site.yml:5: unknown module `acme.rhel.subscribe`: collection acme.rhel is neither in Debian's ansible package nor in the requirements",
        'redhat.yml:2: unknown module `tiemzone` — did you mean `timezone`?',
        'redhat.yml:3: unknown module `community.general.ufww`: collection community.general has no such module',
      ])
    },
  )
})

Unknown("roles and modules found where ansible.cfg or the provisioner's env point are known; folders inside the image excuse what they may hold", () => {
  withProject(
    {
      'site.yml': '- hosts: all\n  roles: [shared]\n  tasks:\n    - frob: {}\n    - acme.tools.zap: {}\n    - action: "{{ chosen_module }}"\n',
      'ansible.cfg': '[defaults]\nroles_path = ./vendor/roles:/etc/ansible/roles\nlibrary = ./plugins/modules\ncollections_path = ./vendor\n',
      'vendor/roles/shared/tasks/main.yml': '- debug: {}\n',
      'plugins/modules/frob.py': '',
      'vendor/ansible_collections/acme/tools/plugins/modules/zap.py': '',
    },
    (root) => {
      const plan = planAnsible(ansibleSpec({}), {playbooks: ['site.yml']}, root)
      assert.equal(plan.modules.problems, [])
      assert.equal(plan.graph.dynamic.map((d) => `${d.kind} ${d.name}`), ['module {{ chosen_module }}'])
    },
  )
  withProject({'site.yml': '- hosts: all\n  roles: [elsewhere]\n  tasks:\n    - frob: {}\n    - acme.tools.zap: {}\n'}, (root) => {
    const env = {ANSIBLE_ROLES_PATH: '/srv/roles', ANSIBLE_LIBRARY: '/srv/library', ANSIBLE_COLLECTIONS_PATH: '/srv/collections'}
    const spec = ansibleSpec({})
    const plan = planAnsible({...spec, provisioner: {...spec.provisioner, env}}, {playbooks: ['site.yml']}, root)
    assert.equal(plan.modules.problems, [])
    const image = planAnsible(ansibleSpec({}, {ref: 'registry.local/ansible-base:1'}), {playbooks: ['site.yml']}, root)
    assert.equal(image.modules.problems.map((p) => p.message.split(':').slice(0, 3).join(':')), ['site.yml:4: unknown module `frob` — did you mean `cron`?', "site.yml:2: role `elsewhere` not found (looked in the playbook's roles/ folder, roles_path and the playbook's folder)"], 'an engine image may bring collections, not roles or short names')
  })
})

Unknown.run()
