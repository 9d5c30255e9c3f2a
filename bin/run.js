#!/usr/bin/env node
// CommonJS on purpose (see bin/package.json): liblxc's start and attach each block a thread of
// libuv's pool while they run, one per running instance (--concurrency is at most 100), and file
// reads need free threads beside them. The pool is sized on its first use, and loading an ES module
// entry point already uses it; a CommonJS entry runs this line first.
process.env.UV_THREADPOOL_SIZE ??= '128'
const path = require('node:path')

import('@oclif/core').then(({execute}) => execute({loadOptions: {root: path.resolve(__dirname, '..')}}))
