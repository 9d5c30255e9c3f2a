import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {imageForPlatformName} from '../../src/kitchen/drivers.js'
import {withProject} from './import-project.js'

const Images = suite('import: platform names to images')

Images('platform names give the official image references', () => {
  assert.equal(
    ['ubuntu-22.04', 'debian-12', 'centos-7', 'rockylinux-9', 'amazonlinux-2', 'opensuse-leap-15.5', 'debian', 'mything-3-x'].map((n) => imageForPlatformName(n).ref),
    ['ubuntu:22.04', 'debian:12', 'centos:7', 'rockylinux:9', 'amazonlinux:2', 'opensuse/leap:15.5', 'debian', 'mything:3'],
  )
  assert.is(imageForPlatformName('mything-3').known, false)
})

Images('--bootstrap: debian-10 becomes debootstrap buster, with a note naming the archive as its mirror; debian-12 has none', () => {
  const kitchen = 'driver: {name: docker}\nprovisioner: {name: shell, command: "true"}\nplatforms: [{name: debian-10}, {name: debian-12}]\nsuites: [{name: default}]\n'
  withProject(
    undefined,
    {'kitchen.yml': kitchen},
    (result) => {
      assert.equal(result.config.platforms, [
        {name: 'debian-10', image: {bootstrap: 'debootstrap', release: 'buster'}},
        {name: 'debian-12', image: {bootstrap: 'debootstrap', release: 'bookworm'}},
      ])
      const archived = result.notes.filter((n) => n.reason.includes('archive'))
      assert.equal(archived.map((n) => n.key), ['platforms[debian-10]'])
      assert.match(archived[0].reason, 'add `mirror: http://archive.debian.org/debian`')
    },
    true,
  )
})

Images.run()
