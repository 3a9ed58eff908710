# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible's share of a task, for the benchmark: a module that is given what the measured module is given and
returns a result of the size it returns, and sends no request.

Its playbook run is what Ansible spends on any module with that interface: ansible-playbook's start-up,
templating and passing the arguments, starting the module, validating the arguments, scrubbing the no_log token
from the result and carrying the result back. Measured next to the module's run, the difference is the module's
own work (its imports, the requests, its checks), which is what a bare ``requests`` client is compared with.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: bench_stand_in
short_description: Ansible's share of a benchmark task, without any request
description:
  - Returns the records of O(records_file) (a JSON list), or nothing but a message. Benchmark use only.
options:
  api_token:
    description: The token, only so that the result is scrubbed of it as the measured module's is.
    type: str
  phone_numbers:
    description: The list the list form is given; validated, not used.
    type: list
    elements: str
  records_file:
    description: A JSON list returned as RV(phone_numbers), with RV(count).
    type: path
author: invoca.messaging contributors
"""

import json

from ansible.module_utils.basic import AnsibleModule, env_fallback


def main():
    module = AnsibleModule(argument_spec=dict(
        api_token=dict(type='str', no_log=True, fallback=(env_fallback, ['INVOCA_API_TOKEN'])),
        phone_numbers=dict(type='list', elements='str'),
        records_file=dict(type='path'),
    ), supports_check_mode=True)
    result = dict(changed=False, msg='nothing done: a stand-in')
    if module.params['records_file']:
        with open(module.params['records_file'], encoding='utf-8') as handle:
            records = json.load(handle)
        result.update(phone_numbers=records, count=len(records))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
