import {mkdirSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {walkPlaybooks, type PlaybookGraph} from '../../src/provisioners/ansible/graph.js'
import {withProject} from '../fakes/project.js'

const modules = (g: PlaybookGraph) => g.tasks.map((t) => `${t.file}:${t.line} ${t.module}${t.reach === 'static' ? '' : ` (${t.reach})`}`)

const Walk = suite('playbook walker')

Walk('a role with meta dependencies, handlers, a template and a templated include: every task, file and line', () => {
  withProject(
    {},
    (root) => {
      const g = walkPlaybooks(root, ['site.yml'])
      assert.equal(modules(g), [
        'roles/common/tasks/main.yml:2 ansible.builtin.template',
        'roles/limits/tasks/main.yml:2 pam_limits',
        'roles/limits/tasks/main.yml:10 ini_file',
        'roles/limits/tasks/main.yml:18 ansible.builtin.include_tasks',
        'roles/limits/tasks/debian.yml:2 ansible.builtin.copy (guess)',
        'roles/limits/tasks/redhat.yml:2 ansible.builtin.dnf (guess)',
        'roles/limits/handlers/main.yml:2 ansible.builtin.command',
      ])
      assert.equal(g.tasks.find((t) => t.module === 'pam_limits')!.role, 'limits')
      assert.equal(g.files, [
        'roles/common/meta/main.yml',
        'roles/common/tasks/main.yml',
        'roles/common/templates/motd.j2',
        'roles/limits/defaults/main.yml',
        'roles/limits/handlers/main.yml',
        'roles/limits/meta/main.yml',
        'roles/limits/tasks/debian.yml',
        'roles/limits/tasks/main.yml',
        'roles/limits/tasks/redhat.yml',
        'site.yml',
      ])
      assert.equal(g.roles.map((r) => `${r.name} ${r.folder}`), ['limits roles/limits', 'common roles/common'])
      assert.equal(g.dynamic.map((d) => `${d.file}:${d.line} ${d.name}`), ["roles/limits/tasks/main.yml:18 {{ ansible_facts['os_family'] | lower }}.yml"])
      assert.equal(g.missing, [])
    },
    'ansible-community',
  )
})

Walk('import_playbook, pre/post tasks, blocks with rescue and always, play handlers, include_role with tasks_from, local_action and action forms', () => {
  withProject(
    {
      'site.yml': '- import_playbook: plays/web.yml\n- ansible.builtin.import_playbook: "{{ other }}.yml"\n',
      'plays/web.yml': [
        '- hosts: web',
        '  collections: [community.general]',
        '  pre_tasks:',
        '    - apt: {name: nginx}',
        '  tasks:',
        '    - block:',
        '        - ufw: {rule: allow}',
        '      rescue:',
        '        - action: debug msg=rescued',
        '      always:',
        '        - local_action: {module: ansible.builtin.command, cmd: "true"}',
        '    - include_role: {name: app, tasks_from: install}',
        '    - import_tasks: extra.yml',
        '  post_tasks:',
        '    - ansible.builtin.meta: flush_handlers',
        '  handlers:',
        '    - name: restart',
        '      service: {name: nginx, state: restarted}',
        '      listen: web changed',
        '',
      ].join('\n'),
      'plays/extra.yml': '- name: with a loop\n  debug: {msg: "{{ item }}"}\n  with_items: [1, 2]\n',
      'plays/roles/app/tasks/install.yml': '- package: {name: app}\n',
      'plays/roles/app/tasks/main.yml': '- fail: {msg: not this one}\n',
    },
    (root) => {
      const g = walkPlaybooks(root, ['site.yml'])
      assert.equal(modules(g), [
        'plays/web.yml:4 apt',
        'plays/web.yml:7 ufw',
        'plays/web.yml:9 debug',
        'plays/web.yml:11 ansible.builtin.command',
        'plays/web.yml:12 include_role',
        'plays/web.yml:13 import_tasks',
        'plays/web.yml:15 ansible.builtin.meta',
        'plays/web.yml:17 service',
        'plays/roles/app/tasks/install.yml:1 package (include)',
        'plays/extra.yml:1 debug',
      ])
      assert.equal(g.tasks.find((t) => t.module === 'ufw')!.collections, ['community.general'])
      assert.equal(g.dynamic.map((d) => d.kind), ['playbook'])
      assert.not.ok(g.tasks.some((t) => t.module === 'fail'), 'tasks_from runs only the named file')
      assert.ok(g.files.includes('plays/roles/app/tasks/main.yml'), "the role's folders are read whole")
    },
  )
})

Walk('roles are found in roles/ beside the playbook, on roles_path, beside the role that depends on them, and by alias', () => {
  withProject(
    {
      'pb/site.yml': '- hosts: all\n  roles: [local, shared, {role: under_test}, acme.ghost, ns.coll.role]\n',
      'pb/roles/local/tasks/main.yml': '- debug: {msg: local}\n',
      'pb/roles/local/meta/main.yml': 'dependencies: [sibling]\n',
      'pb/roles/sibling/tasks/main.yml': '- debug: {msg: sibling}\n',
      'lib/shared/tasks/main.yml': '- debug: {msg: shared}\n',
      'src/tasks/main.yml': '- debug: {msg: the role under test}\n',
    },
    (root) => {
      const g = walkPlaybooks(root, ['pb/site.yml'], {rolesPaths: ['lib'], roleAliases: {under_test: 'src'}})
      assert.equal(g.roles.map((r) => `${r.name} ${r.folder}`).sort(), ['local pb/roles/local', 'shared lib/shared', 'sibling pb/roles/sibling', 'under_test src'])
      assert.equal(g.missing.map((m) => `${m.file}:${m.line} ${m.kind} ${m.name}`), ['pb/site.yml:2 role acme.ghost'])
      assert.equal(g.collectionRefs.map((m) => m.name), ['ns.coll.role'])
    },
  )
})

Walk('a roles/<name> -> .. link (a role testing itself) is followed once and does not loop', () => {
  withProject(
    {
      'tasks/main.yml': '- name: the role itself\n  debug: {msg: hi}\n- include_tasks: more.yml\n',
      'tasks/more.yml': '- ansible.builtin.ping:\n',
      'templates/a.j2': 'x\n',
      'tests/test.yml': '- hosts: localhost\n  roles: [self]\n',
    },
    (root) => {
      mkdirSync(path.join(root, 'tests', 'roles'))
      symlinkSync('../..', path.join(root, 'tests', 'roles', 'self'))
      symlinkSync('..', path.join(root, 'templates', 'loop'))
      const g = walkPlaybooks(root, ['tests/test.yml'])
      assert.equal(modules(g), ['tasks/main.yml:1 debug', 'tasks/main.yml:3 include_tasks', 'tasks/more.yml:1 ansible.builtin.ping (include)'])
      assert.equal(g.files, ['tasks/main.yml', 'tasks/more.yml', 'templates/a.j2', 'tests/test.yml'])
    },
  )
})

Walk('a file reached by include first and by import later counts as imported; missing imports are reported, missing includes are not', () => {
  withProject(
    {
      'site.yml': '- hosts: all\n  tasks:\n    - include_tasks: t.yml\n    - import_tasks: t.yml\n    - import_tasks: gone.yml\n    - include_tasks: maybe.yml\n  vars_files: [vars/absent.yml]\n',
      't.yml': '- copy: {dest: /x, content: y}\n',
    },
    (root) => {
      const g = walkPlaybooks(root, ['site.yml'])
      assert.equal(g.tasks.filter((t) => t.module === 'copy').map((t) => t.reach), ['static'])
      assert.equal(g.missing.map((m) => `${m.kind} ${m.name} ${m.reach}`), ['vars vars/absent.yml static', 'tasks gone.yml static', 'tasks maybe.yml include'])
    },
  )
})

Walk('a vars file a task under when: would load may be missing (Ansible skips the task); unguarded, it must exist', () => {
  withProject(
    {
      'site.yml': `- hosts: all
  roles:
    - {role: r, when: ansible_os_family == 'RedHat'}
  tasks:
    - include_vars: own.yml
      when: false
    - block:
        - include_vars: in-block.yml
      when: false
    - import_tasks: guarded.yml
      when: false
    - include_vars: plain.yml
`,
      'guarded.yml': '- include_vars: imported.yml\n- import_tasks: gone.yml\n',
      'roles/r/tasks/main.yml': '- include_vars: RedHat-6.yml\n  when: ansible_distribution_major_version == "6"\n- include_vars: {file: role-entry.yml}\n',
    },
    (root) => {
      const g = walkPlaybooks(root, ['site.yml'])
      // What Ansible loads before the play (an import, under when: too) must still exist.
      assert.equal(g.missing.map((m) => `${m.file}:${m.line} ${m.kind} ${m.name} ${m.reach}`), ['guarded.yml:2 tasks gone.yml static', 'site.yml:12 vars plain.yml static'])
    },
  )
})

Walk('roles loaded under when: must exist, with their meta dependencies; a file reached guarded and then unguarded is judged unguarded', () => {
  withProject(
    {
      'site.yml': `- hosts: all
  roles:
    - {role: absent, when: false}
    - {role: r, when: false}
  tasks:
    - import_role: {name: also-absent}
      when: false
    - include_role: {name: maybe-absent}
      when: false
    - import_tasks: t.yml
      when: false
    - import_tasks: t.yml
`,
      'roles/r/meta/main.yml': 'dependencies: [{role: dep-absent, when: false}]\n',
      'roles/r/tasks/main.yml': '- debug: {}\n',
      't.yml': '- include_vars: nothing.yml\n',
    },
    (root) => {
      const g = walkPlaybooks(root, ['site.yml'])
      assert.equal(g.missing.map((m) => `${m.kind} ${m.name} ${m.reach}`), [
        'role also-absent static',
        'role maybe-absent include',
        'vars nothing.yml static',
        'role absent static',
        'role dep-absent static',
      ])
    },
  )
})

Walk('tasks of a file read only under a when: (an include under one, or in a guarded block) are conditional; imported or guarded inside, they are not', () => {
  withProject(
    {
      'site.yml': `- hosts: all
  tasks:
    - include_tasks: a.yml
      when: false
    - block:
        - include_role: {name: r}
      when: false
    - import_tasks: b.yml
      when: false
    - include_tasks: c.yml
`,
      'a.yml': '- import_tasks: a2.yml\n- include_tasks: a3.yml\n',
      'a2.yml': '- ping: {}\n',
      'a3.yml': '- ping: {}\n',
      'b.yml': '- ping: {}\n',
      'c.yml': '- block:\n    - ping: {}\n  when: false\n',
      'roles/r/tasks/main.yml': '- ping: {}\n',
    },
    (root) => {
      const g = walkPlaybooks(root, ['site.yml'])
      assert.equal(
        g.tasks.filter((t) => t.module === 'ping').map((t) => `${t.file} ${t.conditional ?? false}`),
        ['a2.yml true', 'a3.yml true', 'roles/r/tasks/main.yml true', 'b.yml false', 'c.yml false'],
      )
    },
  )
})

Walk('first_found: the files it tries are never missing; those present are read, task files as guesses, wherever they are', () => {
  withProject(
    {
      'site.yml': `- hosts: all
  tasks:
    - include_vars: "{{ item }}"
      with_first_found:
        - "config/{{ ansible_distribution }}.yml"
        - config/absent.yml
        - config/default.yml
    - include_vars: "{{ lookup('first_found', params) }}"
      vars:
        params:
          files: ['{{ ansible_os_family }}.yml', main.yml]
          paths: [settings]
    - include_tasks: "{{ lookup('ansible.builtin.first_found', ['os/Debian.yml', 'os/none.yml']) }}"
`,
      'config/Debian.yml': 'a: 1\n',
      'config/default.yml': 'a: 0\n',
      'config/unrelated.txt': '',
      'settings/Debian.yml': 'b: 1\n',
      'settings/main.yml': 'b: 0\n',
      'os/Debian.yml': '- apt: {name: x}\n',
      'os/RedHat.yml': '- dnf: {name: x}\n',
    },
    (root) => {
      const g = walkPlaybooks(root, ['site.yml'])
      assert.equal(g.missing, [])
      assert.equal(g.files, ['config/Debian.yml', 'config/default.yml', 'os/Debian.yml', 'settings/Debian.yml', 'settings/main.yml', 'site.yml'])
      assert.equal(modules(g), ['site.yml:3 include_vars', 'site.yml:8 include_vars', 'site.yml:13 include_tasks', 'os/Debian.yml:1 apt (guess)'])
    },
  )
})

Walk('syntax errors are reported with their line; a task without a module too', () => {
  withProject({'site.yml': '- hosts: all\n  tasks:\n    - name: only a name\n    - debug: {msg: [unclosed}\n'}, (root) => {
    const g = walkPlaybooks(root, ['site.yml'])
    assert.equal(g.errors.length, 1)
    assert.is(g.errors[0].file, 'site.yml')
    assert.ok(g.errors[0].line >= 4, String(g.errors[0].line))
  })
  withProject({'site.yml': '- hosts: all\n  tasks:\n    - name: only a name\n      when: true\n'}, (root) => {
    assert.equal(walkPlaybooks(root, ['site.yml']).errors, [{file: 'site.yml', line: 3, message: 'no module or action in this task'}])
  })
})

Walk('library/ modules and collections kept beside the playbook are listed', () => {
  withProject(
    {
      'site.yml': '- hosts: all\n  tasks:\n    - my_module: {}\n',
      'library/my_module.py': '#!/usr/bin/python\n',
      'collections/ansible_collections/acme/tools/plugins/modules/frob.py': '',
      'collections/ansible_collections/acme/tools/galaxy.yml': 'namespace: acme\n',
    },
    (root) => {
      const g = walkPlaybooks(root, ['site.yml'])
      assert.equal(g.libraries, ['my_module'])
      assert.equal(g.localCollections, {'acme.tools': ['frob']})
      assert.ok(g.files.includes('library/my_module.py'))
    },
  )
})

Walk('a realistic role walks in a few milliseconds', () => {
  withProject(
    {},
    (root) => {
      const start = performance.now()
      for (let i = 0; i < 20; i++) walkPlaybooks(root, ['site.yml'])
      assert.ok((performance.now() - start) / 20 < 50)
    },
    'ansible-community',
  )
})

Walk.run()

const Files = suite('the files a step key covers')

Files('a link back up the tree is listed once, so the walk ends', async () => {
  const {projectFiles} = await import('../../src/provisioners/files.js')
  withProject({'tasks/main.yml': '- debug: {}\n', 'tests/test.yml': '- hosts: all\n'}, (root) => {
    mkdirSync(path.join(root, 'roles'))
    symlinkSync('..', path.join(root, 'roles', 'self'))
    assert.equal(projectFiles(root, '.'), ['tasks/main.yml'])
    assert.equal(projectFiles(root, 'roles'), ['roles/self/tasks/main.yml', 'roles/self/tests/test.yml'])
  })
})

Files.run()
