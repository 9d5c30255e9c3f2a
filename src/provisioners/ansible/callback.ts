/**
 * Galley's Ansible callback plugin, written into the instance for the ansible verifier: one JSON
 * line per task result (task, action, host, status, message, the task's file:line, the failing
 * assertion), read back as test cases. It is a notification callback that needs no enabling, so a
 * folder on ANSIBLE_CALLBACK_PLUGINS is enough on ansible-base 2.10 through ansible-core 2.19, with
 * no collection; the usual output still prints.
 */
export const CALLBACK_PLUGIN = String.raw`# -*- coding: utf-8 -*-
# Galley result callback: one JSON object per line for each task result, appended to the file named
# by GALLEY_RESULTS_FILE (default ./galley-results.jsonl).
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = '''
    name: galley
    type: notification
    short_description: one JSON line per task result, for Galley
    description:
      - Writes JSON lines (task results and the recap) to GALLEY_RESULTS_FILE.
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase

_KEEP = ('msg', 'rc', 'stdout', 'stderr', 'cmd', 'assertion', 'evaluated_to', 'skip_reason',
         'false_condition', 'module_stderr', 'exception', 'item')
_TRIM = 4000


def _trim(value):
    if isinstance(value, str) and len(value) > _TRIM:
        return value[:_TRIM] + '...'
    return value


def _rescued(task):
    # A failure inside a block that has a rescue section is handled by it: not the task's verdict.
    try:
        node, parent = task, getattr(task, '_parent', None)
        while parent is not None:
            if getattr(parent, 'rescue', None) and any(getattr(t, '_uuid', None) == node._uuid for t in (getattr(parent, 'block', None) or [])):
                return True
            node, parent = parent, getattr(parent, '_parent', None)
    except Exception:
        pass
    return False


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'galley'
    CALLBACK_NEEDS_WHITELIST = False
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._out = open(os.environ.get('GALLEY_RESULTS_FILE', 'galley-results.jsonl'), 'a', buffering=1)
        self._started = {}

    def _emit(self, record):
        self._out.write(json.dumps(record, default=str, sort_keys=True) + '\n')

    def _record(self, status, result, **extra):
        task = result._task
        host = result._host.get_name()
        data = getattr(result, 'result', None)
        if not isinstance(data, dict):
            data = result._result
        rec = {'event': 'result', 'status': status, 'host': host, 'task': task.get_name(), 'action': task.action,
               'path': task.get_path(), 'uuid': task._uuid}
        for key in _KEEP:
            if key in data:
                rec[key] = _trim(data[key])
        if status == 'ok' and data.get('changed'):
            rec['status'] = 'changed'
        if data.get('_ansible_no_log'):
            rec['censored'] = True
            for key in ('msg', 'stdout', 'stderr', 'cmd', 'item', 'assertion'):
                rec.pop(key, None)
        start = self._started.pop((task._uuid, host), None)
        if start:
            rec['duration'] = round(time.time() - start, 3)
        rec.update(extra)
        self._emit(rec)

    def v2_runner_on_start(self, host, task):
        self._started[(task._uuid, host.get_name())] = time.time()

    def v2_runner_on_ok(self, result):
        self._record('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record('failed', result, ignored=bool(ignore_errors), rescued=_rescued(result._task))

    def v2_runner_on_skipped(self, result):
        self._record('skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._record('unreachable', result)

    def v2_runner_item_on_failed(self, result):
        self._record('failed', result, loop_item=True)

    def v2_playbook_on_stats(self, stats):
        self._emit({'event': 'stats', 'hosts': dict((h, stats.summarize(h)) for h in sorted(stats.processed.keys()))})
        self._out.flush()
`
