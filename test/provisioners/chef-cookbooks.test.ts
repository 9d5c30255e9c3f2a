import {appendFileSync, mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/load.js'
import type {InstanceSpec} from '../../src/config/types.js'
import {stepKeys} from '../../src/lifecycle/cache.js'
import {missingCookbooks} from '../../src/provisioners/chef-cookbooks.js'
import {provisionSteps} from '../../src/provisioners/index.js'
import {fakeSpec, withProject} from '../fakes/project.js'

function chefSpec(settings: Record<string, unknown>): InstanceSpec {
  const spec = fakeSpec('s-p', [])
  return {...spec, provisioner: {...spec.provisioner, name: 'chef', options: {runList: ['recipe[test::default]'], ...settings}}}
}

/** A cookbook as sous-chefs keep one: itself at the root, a test cookbook that depends on it under test/cookbooks. */
const SOUS_CHEFS = {
  'metadata.rb': "name 'ntp'\nversion '6.0.0'\n",
  'recipes/default.rb': "package 'ntpsec'\n",
  'resources/ntp_service.rb': 'unified_mode true\n',
  'templates/ntp.conf.erb': '<%= @servers %>\n',
  'libraries/helpers.rb': 'module Ntp; end\n',
  'attributes/default.rb': "default['ntp']['servers'] = []\n",
  'Policyfile.rb': "cookbook 'ntp', path: '.'\ncookbook 'test', path: './test/cookbooks/test'\n",
  'test/cookbooks/test/metadata.rb': "name 'test'\ndepends 'ntp'\n",
  'test/cookbooks/test/recipes/default.rb': "ntp_service 'default'\n",
  'test/integration/default/controls/default_spec.rb': "describe service('ntpsec') do\nend\n",
  'spec/spec_helper.rb': "require 'chefspec'\n",
}

function loadErrors(root: string, provisioner: string): string {
  writeFileSync(path.join(root, 'galley.yml'), `platforms: [{name: d, image: {bootstrap: busybox}}]\nsuites:\n  - name: s\n    provisioner: ${provisioner}\n`)
  try {
    loadConfig({cwd: root, driver: 'dummy'})
    return ''
  } catch (e) {
    return (e as Error).message + '\n' + ((e as {hint?: string}).hint ?? '')
  }
}

const Project = suite('the project as the cookbook under test')

Project('a project with metadata.rb at its root is on the cookbook path under its name, with no copy and no cookbooks/', () => {
  withProject(SOUS_CHEFS, (root) => {
    assert.equal(missingCookbooks(root, ['test/cookbooks'], ['recipe[test::default]', 'recipe[ntp]']), [])
    assert.is(loadErrors(root, '{name: chef, run_list: ["recipe[test::default]"], cookbooks_path: test/cookbooks}'), '')
    assert.is(loadErrors(root, '{name: chef, run_list: ["recipe[ntp]"]}'), '', 'no cookbooks/ is needed when the project is the only cookbook')
    const [step] = provisionSteps(chefSpec({cookbooksPath: ['test/cookbooks']}), root)
    assert.match(step.argv[2], 'rm -rf /tmp/galley-chef/project-cookbook && mkdir -p /tmp/galley-chef/project-cookbook && ln -s /tmp/galley "/tmp/galley-chef/project-cookbook/$3"')
    assert.match(step.argv[4], /^cookbook_path \["\/tmp\/galley\/test\/cookbooks", "\/tmp\/galley-chef\/project-cookbook"\]$/m)
    assert.is(step.argv.at(-1), 'ntp')
    assert.equal(step.cache.paths, ['test/cookbooks', '.'])
  })
})

Project("editing the project cookbook's files reruns the chef step; its specs and InSpec tests do not", () => {
  withProject(SOUS_CHEFS, (root) => {
    const spec = chefSpec({cookbooksPath: ['test/cookbooks']})
    const key = () => stepKeys(spec, provisionSteps(spec, root), 'base', root)[0]
    let before = key()
    for (const file of ['metadata.rb', 'recipes/default.rb', 'resources/ntp_service.rb', 'templates/ntp.conf.erb', 'libraries/helpers.rb', 'attributes/default.rb', 'test/cookbooks/test/recipes/default.rb']) {
      appendFileSync(path.join(root, file), '# edited\n')
      assert.is.not(key(), before, `editing ${file} must rerun the chef step`)
      before = key()
    }
    for (const file of ['spec/spec_helper.rb', 'test/integration/default/controls/default_spec.rb']) {
      appendFileSync(path.join(root, file), '# edited\n')
      assert.is(key(), before, `editing ${file} must not rerun the chef step`)
    }
  })
})

Project('a cookbooks_path folder that has the project cookbook (a copy, or a link back up) is used as it is: no second link', () => {
  withProject(SOUS_CHEFS, (root) => {
    mkdirSync(path.join(root, 'cookbooks'))
    symlinkSync('..', path.join(root, 'cookbooks', 'ntp'))
    assert.equal(missingCookbooks(root, ['cookbooks', 'test/cookbooks'], ['recipe[test::default]']), [], 'a linked cookbook is seen')
    const [step] = provisionSteps(chefSpec({cookbooksPath: ['cookbooks', 'test/cookbooks']}), root)
    assert.not.match(step.argv[2], 'project-cookbook')
    assert.equal(step.cache.paths, ['cookbooks', 'test/cookbooks'])
    assert.equal(step.cache.settings, {runList: ['recipe[test::default]'], attributes: null}, "the key's inputs are those of a project that is no cookbook")
    const spec = chefSpec({cookbooksPath: ['cookbooks', 'test/cookbooks']})
    const key = () => stepKeys(spec, provisionSteps(spec, root), 'base', root)[0]
    const before = key()
    appendFileSync(path.join(root, 'templates/ntp.conf.erb'), '# edited\n')
    assert.is.not(key(), before, 'the project, reached through cookbooks/ntp, is in the key')
  })
})

Project('a link that loops (cookbooks/x -> x) or leads nowhere is no cookbook, and neither the check nor the key trips on it', () => {
  withProject({'metadata.rb': "name 'app'\n", 'recipes/default.rb': "file '/etc/app'\n"}, (root) => {
    mkdirSync(path.join(root, 'cookbooks'))
    symlinkSync('x', path.join(root, 'cookbooks', 'x'))
    symlinkSync('../gone', path.join(root, 'cookbooks', 'gone'))
    symlinkSync('..', path.join(root, 'cookbooks', 'app'))
    assert.equal(missingCookbooks(root, ['cookbooks'], ['recipe[app]', 'x']), [{name: 'x', by: 'the run list'}])
    const spec = chefSpec({runList: ['recipe[app]']})
    const key = () => stepKeys(spec, provisionSteps(spec, root), 'base', root)[0]
    const before = key()
    appendFileSync(path.join(root, 'recipes/default.rb'), '# edited\n')
    assert.is.not(key(), before)
  })
})

Project('a metadata name that is no plain folder name does not put the project on the cookbook path', () => {
  withProject({'metadata.rb': "name '../etc'\n", 'cookbooks/base/metadata.rb': "name 'base'\n"}, (root) => {
    const [step] = provisionSteps(chefSpec({runList: ['base']}), root)
    assert.not.match(step.argv[2], 'project-cookbook')
    assert.equal(step.cache.paths, ['cookbooks'])
  })
})

Project("the deps fixture chef-cookbook (the cookbook at the root, a test cookbook in test/cookbooks) loads, and its key follows its recipe, not its spec", () => {
  withProject(
    {},
    (root) => {
      assert.is(loadErrors(root, "{name: chef, run_list: ['recipe[test::default]', galley_motd], cookbooks_path: test/cookbooks}"), '')
      const spec = chefSpec({runList: ['recipe[test::default]', 'galley_motd'], cookbooksPath: ['test/cookbooks']})
      const [step] = provisionSteps(spec, root)
      assert.is(step.argv.at(-1), 'galley_motd')
      const key = () => stepKeys(spec, provisionSteps(spec, root), 'base', root)[0]
      const before = key()
      appendFileSync(path.join(root, 'spec/default_spec.rb'), '# edited\n')
      assert.is(key(), before, 'a ChefSpec is not read by chef-solo')
      appendFileSync(path.join(root, 'recipes/default.rb'), "\ndirectory '/srv/edited'\n")
      assert.is.not(key(), before)
    },
    'chef-cookbook',
  )
})

Project('a linked cookbook in a cookbooks_path folder is followed (Test Kitchen users link the project into cookbooks/)', () => {
  withProject({'metadata.rb': "name 'app'\n", 'recipes/default.rb': "file '/etc/app'\n", 'site/base/metadata.rb': "name 'base'\n"}, (root) => {
    mkdirSync(path.join(root, 'cookbooks'))
    symlinkSync('..', path.join(root, 'cookbooks', 'app'))
    symlinkSync('../site/base', path.join(root, 'cookbooks', 'base'))
    assert.is(loadErrors(root, '{name: chef, run_list: ["recipe[app]", base]}'), '')
    assert.equal(missingCookbooks(root, ['cookbooks'], ['recipe[app]', 'base']), [])
  })
})

Project("a dependency of the project cookbook that nothing has says what to put where, not only which workstation tool to run", () => {
  withProject({...SOUS_CHEFS, 'metadata.rb': "name 'ntp'\ndepends 'line'\n"}, (root) => {
    const errors = loadErrors(root, '{name: chef, run_list: ["recipe[test::default]"], cookbooks_path: test/cookbooks}')
    assert.match(errors, 'cookbook `line` (needed by metadata.rb:2) is in no cookbooks_path folder (test/cookbooks, the project (ntp))')
    assert.match(errors, 'Put it in cookbooks/line/ (a copy or a link) and add cookbooks to cookbooks_path. On a workstation, `chef install` and `chef export Policyfile.rb <folder>` give the cookbooks to copy there.')
  })
})

Project('a project that is no cookbook still needs cookbooks/ or cookbooks_path, and is told what to put there', () => {
  withProject({'recipes/default.rb': "file '/etc/app'\n"}, (root) => {
    const errors = loadErrors(root, '{name: chef, run_list: [app]}')
    assert.match(errors, 'suite `s` uses chef without `cookbooks_path:`, and the default `cookbooks` not found')
    assert.match(errors, 'Put the cookbooks the run list needs in cookbooks/ (one folder each, a copy or a link), or set cookbooks_path: to the folders holding them. On a workstation, `berks vendor cookbooks` makes that folder from a Berksfile.')
  })
})

Project.run()
