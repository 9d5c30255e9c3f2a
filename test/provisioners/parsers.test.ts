import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {judgeSecondRun, parseAnsibleOutput} from '../../src/provisioners/ansible/output.js'
import {judgeChefSecondRun, nodeJson, parseChefOutput, runListEntry, soloRb} from '../../src/provisioners/chef.js'
import {itamaeChanges, judgeItamaeSecondRun} from '../../src/provisioners/itamae.js'
import {judgePuppet, judgePuppetSecondRun, puppetChanges} from '../../src/provisioners/puppet/output.js'
import {fakeSpec} from '../fakes/project.js'

// Output as ansible-core 2.14 prints it with its default callback and no colour.
const ANSIBLE = `
PLAY [Web server] **************************************************************

TASK [Gathering Facts] *********************************************************
ok: [web-debian-12]

TASK [nginx : Install nginx] ***************************************************
ok: [web-debian-12]

TASK [nginx : Site configuration] **********************************************
changed: [web-debian-12]

TASK [nginx : Stamp] ***********************************************************
changed: [web-debian-12] => (item=a)
changed: [web-debian-12] => (item=b)

RUNNING HANDLER [nginx : Reload nginx] *****************************************
changed: [web-debian-12]

PLAY RECAP *********************************************************************
web-debian-12              : ok=5    changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   
`

const Ansible = suite('ansible output')

Ansible('reads the recap and the tasks and handlers that changed, once each', () => {
  const run = parseAnsibleOutput(ANSIBLE)
  assert.equal(run.recap, [{host: 'web-debian-12', ok: 5, changed: 3, unreachable: 0, failed: 0}])
  assert.equal(run.changedTasks, ['nginx : Site configuration', 'nginx : Stamp', 'nginx : Reload nginx'])
})

Ansible('a second run passes on changed=0 and fails naming the changed tasks otherwise', () => {
  const unchanged = ANSIBLE.replace(/changed: /g, 'ok: ').replace('changed=3', 'changed=0')
  assert.equal(judgeSecondRun('site.yml', 0, unchanged), {ok: true})
  const verdict = judgeSecondRun('site.yml', 0, ANSIBLE)
  assert.is(verdict.ok, false)
  assert.is(verdict.message, 'the second run of site.yml changed 3 tasks (changed=3): nginx : Site configuration, nginx : Stamp, nginx : Reload nginx')
  assert.match(judgeSecondRun('site.yml', 2, ANSIBLE).message!, /failed \(exit 2\)/)
})

Ansible.run()

const Puppet = suite('puppet output and exit codes')

const PUPPET = `Notice: Compiled catalog for deploy-debian-12 in environment production in 2.21 seconds
Notice: /Stage[main]/Deploy/User[deploy]/ensure: created
Notice: /Stage[main]/Deploy/File[/home/deploy/app.conf]/content: content changed '{sha256}aa' to '{sha256}bb'
Notice: /Stage[main]/Deploy/File[/home/deploy/app.conf]/mode: mode changed '0644' to '0640'
Notice: /Stage[main]/Nginx::Config/Exec[reload]/returns: executed successfully
Notice: Applied catalog in 0.80 seconds
`

Puppet('names each changed resource once, the last Type[title] of its path', () => {
  assert.equal(puppetChanges(PUPPET), ['User[deploy]', 'File[/home/deploy/app.conf]', 'Exec[reload]'])
})

Puppet('detailed exit codes: 0 and 2 converge, only 0 is idempotent, 4 and 6 fail', () => {
  assert.ok(judgePuppet(0).ok && judgePuppet(2).ok)
  assert.match(judgePuppet(4).message!, /exit 4: some resources failed/)
  assert.match(judgePuppet(6).message!, /exit 6/)
  assert.equal(judgePuppetSecondRun('site.pp', 0, ''), {ok: true})
  assert.is(judgePuppetSecondRun('site.pp', 2, PUPPET).message, 'the second puppet apply of site.pp changed 3 resources (exit 2): User[deploy], File[/home/deploy/app.conf], Exec[reload]')
  assert.is(judgePuppetSecondRun('site.pp', 4, PUPPET).ok, false)
})

Puppet.run()

const Itamae = suite('itamae output')

const ITAMAE = ` INFO : Starting Itamae... 
 INFO : Recipe: /tmp/galley/r.rb
 INFO :   package[cron] installed will change from 'false' to 'true'
 INFO :   template[/etc/x.conf] exist will change from 'false' to 'true'
 INFO :   template[/etc/x.conf] modified will change from 'false' to 'true'
 INFO :   diff:
 INFO :   +name=bob will change from nothing
 INFO :   execute[date > /etc/stamp] executed will change from 'false' to 'true'
`

Itamae('names each updated resource once; diff lines are not resources', () => {
  assert.equal(itamaeChanges(ITAMAE), ['package[cron]', 'template[/etc/x.conf]', 'execute[date > /etc/stamp]'])
  assert.equal(judgeItamaeSecondRun('r.rb', 0, ' INFO : Starting Itamae...\n INFO : Recipe: /tmp/galley/r.rb\n'), {ok: true})
  assert.match(judgeItamaeSecondRun('r.rb', 0, ITAMAE).message!, /^the second itamae run of r\.rb updated 3 resources: package\[cron\]/)
  assert.match(judgeItamaeSecondRun('r.rb', 2, '').message!, /failed \(exit 2\)/)
})

Itamae.run()

const Chef = suite('chef files and output')

const CHEF = `Starting Chef Infra Client, version 18.2.7
Recipe: app::default
  * file[/etc/app.conf] action create (up to date)
  * execute[date > /etc/stamp] action run
    - execute date > /etc/stamp
  * service[cron] action start (skipped due to only_if)
Chef Infra Client finished, 1/3 resources updated in 01 seconds
`

Chef('reads the updated count and the resources that did something', () => {
  assert.equal(parseChefOutput(CHEF), {updated: 1, total: 3, resources: ['execute[date > /etc/stamp]']})
  assert.is(judgeChefSecondRun(0, CHEF).message, 'the second chef run updated 1 resource: execute[date > /etc/stamp]')
  assert.is(judgeChefSecondRun(0, `galley: running /opt/cinc/bin/cinc-solo\n${CHEF}`).message, 'the second cinc-solo run updated 1 resource: execute[date > /etc/stamp]', 'the binary that ran is named')
  assert.equal(judgeChefSecondRun(0, CHEF.replace('1/3', '0/3').replace(/  \* execute.*\n.*\n/, '')), {ok: true})
})

Chef('the node JSON holds the attributes and the run list; solo.rb points into the project', () => {
  const spec = fakeSpec('app-bb', [])
  const chef = {runList: ['app', 'app::db', 'role[web]'], attributes: {app: {port: 80}}, cookbooksPath: ['cookbooks', 'vendor/cookbooks']}
  assert.equal(JSON.parse(nodeJson(chef)), {app: {port: 80}, run_list: ['recipe[app]', 'recipe[app::db]', 'role[web]']})
  const layout = {folders: chef.cookbooksPath}
  assert.match(soloRb(spec, layout), /^cookbook_path \["\/tmp\/galley\/cookbooks", "\/tmp\/galley\/vendor\/cookbooks"\]$/m)
  assert.match(soloRb(spec, layout), /^node_name "app-bb"$/m)
  assert.match(soloRb(spec, {folders: [], project: 'app'}), /^cookbook_path \["\/tmp\/galley-chef\/project-cookbook"\]$/m, 'the project as a cookbook, through its link')
  assert.is(runListEntry('recipe[x]'), 'recipe[x]')
})

Chef.run()
