import {LxcDriver} from '../../drivers/lxc/driver.js'
import {conformance} from './conformance.js'

conformance('lxc', async () => new LxcDriver())
