# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: record_results
type: aggregate
short_description: Write every task result to a JSON-lines file, for the integration tests
description:
  - Test-only. Appends one line per task result (task name, status, result) to the file named by the
    E(INVOCA_TEST_RESULTS) environment variable, so that pytest can assert on results without parsing output.
requirements:
  - enabled with E(ANSIBLE_CALLBACKS_ENABLED=record_results)
"""

import json
import os

from ansible.plugins.callback import CallbackBase


def _result_dict(result):
    # ansible-core 2.19 added CallbackTaskResult.result and deprecates _result; 2.16 only has _result.
    data = result.result if hasattr(type(result), 'result') else result._result  # pylint: disable=protected-access
    return json.loads(json.dumps(data, default=str))


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'record_results'
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, status, result):
        path = os.environ.get('INVOCA_TEST_RESULTS')
        if not path:
            return
        line = {'task': result.task_name, 'status': status, 'result': _result_dict(result)}
        with open(path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(line) + '\n')

    def v2_runner_on_ok(self, result):
        self._record('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record('failed', result)

    def v2_runner_on_skipped(self, result):
        self._record('skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._record('unreachable', result)
