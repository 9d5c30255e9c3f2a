#!/usr/bin/env node
// liblxc's start and attach each block a thread of libuv's pool while they run; the pool is sized
// on its first use, so the size is set before anything else loads.
process.env.UV_THREADPOOL_SIZE ??= '64'
const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
