import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {load, places, withProject} from '../kitchen/import-project.js'

const Import = suite('galley import: installing tools and dependencies')

Import('product_name, product_version and chef_omnibus_url become install:, version: and install_url:', () => {
  withProject('cinc', {}, (result, root) => {
    assert.equal(result.config.provisioner, {name: 'chef', cookbooks_path: ['cookbooks', 'site-cookbooks'], install: 'cinc', version: '18', run_list: ['recipe[base]', 'recipe[motd]']})
    assert.equal(places(result.unmapped), ['kitchen.yml:10:3 provisioner.channel'])
    assert.ok(result.notes.some((n) => n.key === 'provisioner.install_strategy' && /once per platform/.test(n.reason)))
    assert.ok(load(result, root).instances.every((i) => (i.provisioner.options as {install?: string}).install === 'cinc'))
  })
  withProject('cinc', {'kitchen.yml': 'provisioner: {name: chef_zero, product_name: chef, product_version: 17, chef_omnibus_url: "https://chef.example/install.sh"}\nplatforms: [{name: debian-12}]\nsuites: [{name: d, run_list: [motd]}]\n'}, (result) => {
    assert.equal(result.config.provisioner, {name: 'chef', install: 'chef', install_url: 'https://chef.example/install.sh', version: '17', run_list: ['motd']})
  })
})

Import('product_name: chef without the script URL, and install_strategy: skip, are reported', () => {
  withProject('cinc', {'kitchen.yml': 'provisioner: {name: chef_zero, product_name: chef, product_version: 17}\nplatforms: [{name: debian-12}]\nsuites: [{name: d, run_list: [motd]}]\n'}, (result) => {
    assert.equal(places(result.unmapped), ['kitchen.yml:1:32 provisioner.product_name', 'kitchen.yml:1:52 provisioner.product_version'])
    assert.match(result.unmapped[0].reason, 'install: chef needs the URL of Chef\'s install script')
  })
  withProject('cinc', {'kitchen.yml': 'provisioner: {name: chef_zero, product_name: cinc, install_strategy: skip}\nplatforms: [{name: debian-12}]\nsuites: [{name: d, run_list: [motd]}]\n'}, (result) => {
    assert.not.ok('install' in (result.config.provisioner as Record<string, unknown>))
    assert.ok(result.notes.some((n) => /install_strategy: skip/.test(n.reason)))
  })
})

Import('a project that is itself a cookbook needs no cookbooks/ note unless it depends on cookbooks it does not have', () => {
  const yml = 'provisioner: {name: chef_zero, product_name: cinc}\nplatforms: [{name: debian-12}]\nsuites: [{name: d, run_list: ["recipe[app]"]}]\n'
  const cookbookNotes = (result: {notes: {reason: string}[]}) => result.notes.filter((n) => /cookbooks_path/.test(n.reason)).map((n) => n.reason)
  withProject(undefined, {'kitchen.yml': yml, 'metadata.rb': "name 'app'\n", 'Policyfile.rb': "cookbook 'app', path: '.'\n"}, (result, root) => {
    assert.equal(cookbookNotes(result), [])
    assert.equal(load(result, root).instances.length, 1)
  })
  withProject(undefined, {'kitchen.yml': yml, 'metadata.rb': "name 'app'\ndepends 'line'\n", 'Berksfile': 'metadata\n'}, (result) => {
    assert.equal(cookbookNotes(result), ['Galley puts this folder, itself a cookbook, on the cookbook path; the cookbooks it needs besides (line) go in cookbooks_path (default cookbooks/, which does not exist): this project resolves them with Berkshelf: run berks vendor cookbooks first'])
  })
  withProject(undefined, {'kitchen.yml': yml.replace('recipe[app]', 'recipe[motd]')}, (result) => {
    assert.equal(cookbookNotes(result), ["Galley's chef provisioner reads cookbooks from cookbooks_path (default cookbooks/), which does not exist: put the cookbooks there"])
  })
})

Import("kitchen-ansible's requirements_path, requirements_collection_path and ansible_version map", () => {
  withProject('ansible', {'collections.yml': 'collections: [community.general]\n'}, (result) => {
    assert.equal((result.config.provisioner as Record<string, unknown>).requirements, 'requirements.yml')
  })
  const yml = 'provisioner: {name: ansible_playbook, playbook: test/integration/default/default.yml, requirements_path: requirements.yml, requirements_collection_path: collections.yml, ansible_version: "2.16"}\nplatforms: [{name: debian-12}]\nsuites: [{name: default}]\n'
  withProject('ansible', {'kitchen.yml': yml, 'collections.yml': 'collections: [community.general]\n'}, (result) => {
    const p = result.config.provisioner as Record<string, unknown>
    assert.equal(p.requirements, ['requirements.yml', 'collections.yml'])
    assert.is(p.ansible_version, '2.16')
    assert.ok(result.notes.some((n) => n.key === 'provisioner.ansible_version' && /needs the network/.test(n.reason)))
  })
})

Import("kitchen-puppet's puppetfile_path maps to puppetfile:, and librarian-puppet is not needed", () => {
  withProject('puppet', {}, (result, root) => {
    assert.equal(result.config.provisioner, {name: 'puppet', manifest: 'manifests/site.pp', puppetfile: 'Puppetfile'})
    assert.equal(places(result.unmapped), ['kitchen.yml:10:3 provisioner.resolve_with_librarian_puppet', 'kitchen.yml:11:3 provisioner.require_puppet_collections'])
    assert.match(result.unmapped[0].reason, "Galley installs the Puppetfile's modules itself")
    assert.equal(load(result, root).instances.length, 1)
  })
})

Import.run()
