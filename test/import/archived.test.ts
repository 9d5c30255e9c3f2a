/** Releases the default mirrors no longer serve: the one list, and the hint a failed debootstrap gives. */
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {failureHint} from '../../src/images/build.js'
import {archiveOf} from '../../src/images/archived.js'

const Archived = suite('archived releases')

Archived("Debian's archived releases go to archive.debian.org, Ubuntu's to old-releases; supported ones to neither", () => {
  assert.equal(archiveOf('buster'), {distro: 'Debian', mirror: 'http://archive.debian.org/debian'})
  assert.equal(archiveOf('stretch')?.mirror, 'http://archive.debian.org/debian')
  assert.equal(archiveOf('lunar'), {distro: 'Ubuntu', mirror: 'http://old-releases.ubuntu.com/ubuntu'})
  for (const supported of ['bullseye', 'bookworm', 'trixie', 'jammy', 'noble']) assert.is(archiveOf(supported), undefined, supported)
})

Archived('a failed debootstrap of an archived release names the archive, unless a mirror is already set', () => {
  assert.is(failureHint({release: 'buster'}), "Debian buster is archived and debootstrap's default mirror no longer has it: set `mirror: http://archive.debian.org/debian` in the platform's image.")
  assert.is(failureHint({release: 'buster', mirror: 'http://archive.debian.org/debian'}), "Check the release name, the package names and that Debian's mirror is reachable.")
  assert.is(failureHint({release: 'bookworm'}), "Check the release name, the package names and that Debian's mirror is reachable.")
})

Archived.run()
