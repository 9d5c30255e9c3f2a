import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {imageForPlatformName} from '../../src/kitchen/drivers.js'

const Images = suite('import: platform names to images')

Images('platform names give the official image references', () => {
  assert.equal(
    ['ubuntu-22.04', 'debian-12', 'centos-7', 'rockylinux-9', 'amazonlinux-2', 'opensuse-leap-15.5', 'debian', 'mything-3-x'].map((n) => imageForPlatformName(n).ref),
    ['ubuntu:22.04', 'debian:12', 'centos:7', 'rockylinux:9', 'amazonlinux:2', 'opensuse/leap:15.5', 'debian', 'mything:3'],
  )
  assert.is(imageForPlatformName('mything-3').known, false)
})

Images.run()
