import {rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/load.js'
import type {InstanceSpec} from '../../src/config/types.js'
import {stepKeys} from '../../src/lifecycle/cache.js'
import {CINC_INSTALL_SCRIPT, judgeChefInstall} from '../../src/provisioners/chef-install.js'
import {missingCookbooks} from '../../src/provisioners/chef-cookbooks.js'
import {provisionSteps} from '../../src/provisioners/index.js'
import {fakeSpec, withProject} from '../fakes/project.js'

function chefSpec(settings: Record<string, unknown>): InstanceSpec {
  const spec = fakeSpec('s-p', [])
  return {...spec, provisioner: {...spec.provisioner, name: 'chef', options: {runList: ['base', 'motd'], cookbooksPath: ['cookbooks', 'site-cookbooks'], ...settings}}}
}

const withFixture = <T>(files: Record<string, string>, fn: (root: string) => T): T => withProject(files, fn, 'chef-cinc')

/** Config errors of a galley.yml in the project, as one text. */
function loadErrors(root: string, galley: string): string {
  writeFileSync(path.join(root, 'galley.yml'), galley)
  try {
    loadConfig({cwd: root, driver: 'dummy'})
    return ''
  } catch (e) {
    return (e as Error).message + '\n' + ((e as {hint?: string}).hint ?? '')
  }
}

const Install = suite('installing Cinc or Chef')

Install("install: cinc runs Cinc's install script before the chef run; its key is shared by every suite and names product, version and URL", () => {
  withFixture({}, (root) => {
    const spec = chefSpec({install: 'cinc', version: '18'})
    const steps = provisionSteps(spec, root)
    assert.equal(steps.map((s) => s.name), ['install cinc 18', 'chef run_list recipe[base],recipe[motd]'])
    assert.is(steps[1].command, 'cinc-solo -c solo.rb -j node.json')
    assert.equal(steps[0].argv.slice(-3), ['cinc', '18', CINC_INSTALL_SCRIPT])
    assert.equal(steps[0].cache.settings, {install: 'cinc', version: '18', url: CINC_INSTALL_SCRIPT})
    assert.match(steps[0].argv[2], 'command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 || need=curl')
    assert.match(steps[0].argv[2], 'if bin=$(command -v cinc-solo || command -v chef-solo); then')
    const other = {...chefSpec({install: 'cinc', version: '18'}), name: 'other-p', suite: 'other'}
    assert.is(stepKeys(spec, steps, 'base', root)[0], stepKeys(other, provisionSteps(other, root), 'base', root)[0])
    const url = chefSpec({install: 'cinc', version: '18', installUrl: 'http://10.0.3.1:8000/install.sh'})
    assert.is.not(stepKeys(url, provisionSteps(url, root), 'base', root)[0], stepKeys(spec, steps, 'base', root)[0])
    const own = provisionSteps(chefSpec({}), root)
    assert.equal(own.map((s) => s.name), ['chef run_list recipe[base],recipe[motd]'], 'no install: the image brings it')
    assert.is(own[0].command, 'cinc-solo (or chef-solo) -c solo.rb -j node.json')
  })
})

Install('failures say what to do', () => {
  const spec = chefSpec({})
  const url = 'https://install.example/install.sh'
  assert.match(judgeChefInstall(spec, 'cinc', url, 41).message!, `could not download cinc's install script from ${url}: installing cinc needs the network`)
  assert.match(judgeChefInstall(spec, 'cinc', url, 100).message!, 'has neither curl nor wget')
  assert.match(judgeChefInstall(spec, 'chef', url, 43).message!, 'ran, but there is no chef-solo afterwards')
})

Install('install: chef needs install_url; version without install is a mistake', () => {
  withFixture({}, (root) => {
    const base = 'platforms: [{name: d, image: {bootstrap: debootstrap, release: bookworm}}]\nsuites:\n  - name: s\n    provisioner: {name: chef, run_list: [base, motd], cookbooks_path: [cookbooks, site-cookbooks], '
    assert.match(loadErrors(root, base + 'install: chef}\n'), '`install: chef` needs `install_url:`')
    assert.match(loadErrors(root, base + 'version: 18}\n'), '`version:` says how to install Chef, but there is no `install:`')
    assert.is(loadErrors(root, base + 'install: cinc, version: 18.4}\n'), '')
  })
})

Install.run()

const Cookbooks = suite('cookbooks a run list needs')

Cookbooks('a recipe\'s cookbook and its metadata.rb dependencies are looked for in every cookbooks_path folder', () => {
  withFixture({}, (root) => {
    assert.equal(missingCookbooks(root, ['cookbooks', 'site-cookbooks'], ['recipe[motd]', 'role[web]']), [])
    assert.equal(missingCookbooks(root, ['cookbooks'], ['motd::default']), [{name: 'base', by: 'cookbooks/motd/metadata.rb:8'}])
  })
})

Cookbooks('a missing cookbook says where to put it, and how a workstation vendors it: berks vendor, or chef export for a Policyfile', () => {
  withFixture({}, (root) => {
    const galley = 'platforms: [{name: d, image: {bootstrap: busybox}}]\nsuites:\n  - name: s\n    provisioner: {name: chef, run_list: [motd], cookbooks_path: cookbooks}\n'
    const berks = loadErrors(root, galley)
    assert.match(berks, 'cookbook `base` (needed by cookbooks/motd/metadata.rb:8) is in no cookbooks_path folder (cookbooks)')
    assert.match(berks, 'Put it in cookbooks/base/ (a copy or a link). On a workstation, `berks vendor cookbooks` makes that folder from the Berksfile.')
    rmSync(path.join(root, 'Berksfile'))
    writeFileSync(path.join(root, 'Policyfile.rb'), "name 'app'\nrun_list 'motd'\n")
    assert.match(loadErrors(root, galley), 'Put it in cookbooks/base/ (a copy or a link). On a workstation, `chef install` and `chef export Policyfile.rb <folder>` give the cookbooks to copy there.')
    const elsewhere = loadErrors(root, galley.replace('cookbooks_path: cookbooks', 'cookbooks_path: site-cookbooks').replace('run_list: [motd]', 'run_list: [base, nowhere]'))
    assert.match(elsewhere, 'Put it in cookbooks/nowhere/ (a copy or a link) and add cookbooks to cookbooks_path.')
  })
})

Cookbooks.run()
