#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_phone_number
short_description: Ensure SMS-enabled phone numbers are present or absent in an Invoca network
version_added: 1.0.0
description:
  - Adds phone numbers to, or removes them from, the SMS Messaging service of an Invoca network, through the
    Invoca SMS Messaging API.
  - Reads before it writes and writes only what differs, so a second run changes nothing.
  - A number whose record is soft-deleted (C(deleted_at) set) counts as absent; making it present re-enables it.
  - Takes one number (O(phone_number)) or a list (O(phone_numbers)). The list form reads the current state with
    one paginated listing when the list is long (more than 10 numbers), or one request per number when it is
    short, then sends its writes concurrently (O(concurrency)).
  - With O(exclusive=true), the list is the whole desired set, and every other active number of the network is
    deleted. O(max_deletions) puts a ceiling on how many numbers one run may delete; with O(exclusive=true) and
    without O(max_deletions), a run that would delete more than 10 numbers is refused.
  - If some writes fail, the others still happen; the task fails and its result lists what was created, what
    was deleted and what failed, so nothing done is hidden. Running the task again finishes the job.
  - After an error that every other request would meet too (a rejected token, for example), no further write is
    sent; the numbers left are listed in RV(not_attempted) and the error is given once in C(msg).
author:
  - Invoca Messaging Collection Maintainers (@invoca)
extends_documentation_fragment:
  - invoca.messaging.api
  - invoca.messaging.api.module
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: No write request is sent; the result (C(changed), RV(created), RV(deleted)) is the one a real run
      would give if nothing else changes the network in between.
  diff_mode:
    support: full
    details: For O(phone_numbers), the diff lists, one a line and sorted, only the numbers the run changes (or
      would change) among the active numbers concerned (the listed ones, or with O(exclusive=true) the whole
      network), after a first line counting the others, such as C(# 997 other active numbers, unchanged). So
      one change among thousands of numbers is a one-line diff, and the diff of a run that changes nothing is
      that one line, whatever the number of numbers. For O(phone_number), the diff shows the number's state
      before and after.
options:
  phone_number:
    description:
      - One phone number, in E.164 form such as V(+18885550100).
      - Spaces, dashes, dots and parentheses are ignored, so V(+1 (888\) 555-0100) is accepted.
      - Exactly one of O(phone_number) and O(phone_numbers) is required.
    type: str
  phone_numbers:
    description:
      - A list of phone numbers in E.164 form. Repeats (after normalisation) are handled once.
      - Every member is checked before any request is sent; one invalid member fails the task and nothing is
        written.
      - Quote every number, as in V("+18885550100"). Unquoted, YAML reads C(+18885550100) as the integer
        18885550100, and the task fails saying so.
      - An empty list changes nothing, unless O(exclusive=true), which refuses it.
    type: list
    elements: str
  state:
    description:
      - V(present) makes sure the numbers are active (creating or re-enabling them).
      - V(absent) makes sure they are not (soft-deleting them).
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(phone_numbers) and O(state=present), delete every other active number of the network, so that
        the network holds exactly the listed numbers.
      - An empty O(phone_numbers) is refused, so that an undefined or empty variable cannot delete a whole
        network.
      - A run that would delete more than 10 numbers is refused unless O(max_deletions) allows it, so that a list
        cut short (a file that lost most of its lines) cannot delete most of a network. See O(max_deletions).
    type: bool
    default: false
  max_deletions:
    description:
      - The most numbers this run may delete. If the plan would delete more, the task fails before sending any
        write and lists the numbers in RV(would_delete).
      - Applies to O(state=absent) and to O(exclusive=true).
      - When not set, O(exclusive=true) may delete at most 10 numbers (a refused run lists what it would delete
        and the value to set), and O(state=absent) is unlimited (it deletes only the numbers listed).
      - To let O(exclusive=true) delete more, set it to the largest number of deletions you expect, for example
        the size of the network.
    type: int
  concurrency:
    description:
      - How many requests may be in flight at once, over reused connections, from 1 to 64. V(1) sends them one
        after another.
      - When the API answers HTTP 429, every worker waits for the C(Retry-After) delay, not only the one that
        was told.
    type: int
    default: 8
  return_records:
    description:
      - With O(phone_numbers), also return RV(phone_numbers), the records of every listed number that is active
        after the run.
      - Off by default so that the result stays small whatever the length of the list, which matters where
        results are stored (AWX drops a task result larger than about 700 kB from the job's events). The default
        result holds RV(summary), RV(created), RV(deleted), RV(failures) and RV(not_attempted), which grow only
        with the changes.
      - The single form (O(phone_number)) always returns RV(phone_number).
    type: bool
    default: false
    version_added: 2.0.0
notes:
  - The list form with many numbers is much faster than a loop over the single form, which starts the module and
    reads each number once per item.
  - In check mode, a number that would be created is returned with only its C(phone_number) field.
seealso:
  - module: invoca.messaging.sms_phone_number_info
"""

EXAMPLES = r"""
- name: Make sure one number is SMS-enabled (the token comes from INVOCA_API_TOKEN when api_token is not set)
  invoca.messaging.sms_phone_number:
    phone_number: "+18885550100"

- name: Remove a number from SMS messaging
  invoca.messaging.sms_phone_number:
    phone_number: "+1 (888) 555-0100"
    state: absent

- name: Set the API options once for several tasks (module_defaults works on plays and blocks alike)
  module_defaults:
    group/invoca.messaging.sms:
      # From an Ansible Vault when invoca_api_token is defined, else from INVOCA_API_TOKEN.
      api_token: "{{ invoca_api_token | default(omit) }}"
  block:
    - name: Make sure these numbers are SMS-enabled
      invoca.messaging.sms_phone_number:
        phone_numbers:
          - "+18885550100"
          - "+18885550101"
          - "+18885550102"
      register: sms_run

    - name: Print what the run did
      ansible.builtin.debug:
        msg: "{{ sms_run.msg }}; summary {{ sms_run.summary }}; created {{ sms_run.created | join(', ') }}"

- name: Remove several numbers, leaving the others alone
  invoca.messaging.sms_phone_number:
    phone_numbers:
      - "+18885550101"
      - "+18885550102"
    state: absent

- name: Preview a full reconciliation with a file of numbers, one a line, skipping blank lines and comments
  invoca.messaging.sms_phone_number:
    phone_numbers: "{{ lookup('ansible.builtin.file', 'sms_numbers.txt').splitlines() | map('trim')
                       | reject('match', '^(#|$)') | list }}"
    exclusive: true
    max_deletions: 20
  check_mode: true
  diff: true
  register: sms_plan

- name: Apply a full reconciliation with the same file, refusing to delete more than 20 numbers
  invoca.messaging.sms_phone_number:
    phone_numbers: "{{ lookup('ansible.builtin.file', 'sms_numbers.txt').splitlines() | map('trim')
                       | reject('match', '^(#|$)') | list }}"
    exclusive: true
    max_deletions: 20
    concurrency: 16

- name: Return the records of every listed number as well (a large result for a long list)
  invoca.messaging.sms_phone_number:
    phone_numbers:
      - "+18885550100"
    return_records: true
  register: sms_records
"""

RETURN = r"""
msg:
  description:
    - What the run did, in a few words. For the list form, V(created 2, deleted 1, unchanged 997); for the single
      form, for example V(created +18885550100) or V(+18885550100 already present). In check mode, V(would create)
      and V(would delete).
  returned: success
  type: str
  sample: created 2, deleted 1, unchanged 997
summary:
  description: How many numbers were created, deleted, left as they were, failed, and not attempted (in check mode,
    would be).
  returned: always
  type: dict
  contains:
    created:
      description: Numbers created or re-enabled.
      type: int
    deleted:
      description: Numbers deleted.
      type: int
    unchanged:
      description: Numbers of the list (or the single number) that were already as desired. Counted also when a
        deletion limit refused the run, which changed nothing.
      type: int
    failed:
      description: Writes that were sent and failed (see RV(failures)).
      type: int
    not_attempted:
      description: Writes that were not sent (see RV(not_attempted)).
      type: int
      version_added: 2.0.0
  sample: {"created": 2, "deleted": 1, "unchanged": 997, "failed": 0, "not_attempted": 0}
created:
  description: Numbers that were absent when read and are active after the run (created or re-enabled). In check
    mode, the numbers that would be.
  returned: always
  type: list
  elements: str
  sample: ["+18885550100"]
deleted:
  description: Numbers that were active when read and are soft-deleted after the run. In check mode, the numbers
    that would be.
  returned: always
  type: list
  elements: str
  sample: []
failures:
  description:
    - The writes that were sent and failed, one entry per number, with the reason. Empty when all went well.
    - Writes that were not sent are not listed here but in RV(not_attempted).
  returned: always
  type: list
  elements: dict
  contains:
    phone_number:
      description: The number.
      type: str
    action:
      description: V(create) or V(delete).
      type: str
    status:
      description: The HTTP status of the last answer, or V(null) when there was none.
      type: int
    message:
      description: What went wrong.
      type: str
  sample: [{"phone_number": "+18885550101", "action": "create", "status": 500, "message": "POST ... answered HTTP 500"}]
not_attempted:
  description:
    - The numbers whose write was never sent, because an earlier request failed in a way that every other one
      would too (a rejected token, an API version the server does not offer, a server that stopped answering,
      the retry budget spent). The task's C(msg) gives that error once. Running the task again, once the cause
      is fixed, sends them.
    - Empty lists when every planned write was sent.
  returned: always
  type: dict
  version_added: 2.0.0
  contains:
    create:
      description: Numbers that were to be created (or re-enabled).
      type: list
      elements: str
    delete:
      description: Numbers that were to be deleted.
      type: list
      elements: str
  sample: {"create": ["+18885550102", "+18885550103"], "delete": []}
would_delete:
  description: The numbers the run would have deleted, when O(max_deletions) (or, with O(exclusive=true), the
    default limit of 10) refused it.
  returned: when O(max_deletions) or the default limit of O(exclusive=true) refused the run
  type: list
  elements: str
  sample: ["+18885550199"]
phone_number:
  description:
    - The record of O(phone_number) after the run, as the API returned it; V(null) when the number is absent.
  returned: when O(phone_number) is given
  type: dict
  sample:
    phone_number: "+18885550100"
    virtual_line_id: 197
    network_id: 12345
    created_at: "2022-03-14T20:30:12.000Z"
    enabled_at: "2022-03-14T20:30:12.000Z"
    deleted_at: null
    carrier_interface: bandwidth
phone_numbers:
  description:
    - The records of the numbers of O(phone_numbers) that are active after the run, in the order given.
    - Records read from the paginated listing may carry fewer fields than those of a single number.
  returned: when O(phone_numbers) is given and O(return_records=true)
  type: list
  elements: dict
  sample: [{"phone_number": "+18885550100", "created_at": "2022-03-14T20:30:12.000Z", "deleted_at": null}]
"""

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import (
    InvalidPhoneNumber,
    normalize_phone_numbers,
)
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.plan import (
    number_diff,
    numbers_diff,
    plan_changes,
)
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.reconcile import (
    apply_plan,
    predicted_outcome,
    read_active,
)
from ansible_collections.invoca.messaging.plugins.module_utils._sms_module import SmsApiModule, describe_api_error
from ansible_collections.invoca.messaging.plugins.module_utils._workers import PHONE_NUMBER_CONCURRENCY, WorkerPool

# Without max_deletions, exclusive=true deletes at most this many numbers.
EXCLUSIVE_DELETIONS_LIMIT = 10
NOTHING_DONE = dict(changed=False, created=[], deleted=[], failures=[], not_attempted=dict(create=[], delete=[]),
                    summary=dict(created=0, deleted=0, unchanged=0, failed=0, not_attempted=0))


def check_options(module):
    """Everything about the options that can be wrong, found before any request is sent."""
    params = module.params
    if params['exclusive']:
        if params['phone_numbers'] is None or params['state'] != 'present':
            module.fail_json(msg='exclusive=true needs phone_numbers (a list) and state=present')
        if not params['phone_numbers']:
            module.fail_json(msg='Refusing exclusive=true with an empty phone_numbers list: that would delete every '
                                 'SMS number of the network. If that is really what you want, list the numbers with '
                                 'invoca.messaging.sms_phone_number_info and delete them with state=absent.')
    if params['max_deletions'] is not None and params['max_deletions'] < 0:
        module.fail_json(msg='max_deletions must be 0 or more, got %d' % params['max_deletions'])
    if params['phone_number'] is None and params['phone_numbers'] is None:
        # Given but null (e.g. an undefined variable templated to null): required_one_of counts it as given.
        module.fail_json(msg='phone_number is null: give a number such as +18885550100, or a list in phone_numbers')
    single = params['phone_number'] is not None
    try:
        return normalize_phone_numbers([module.as_given('phone_number', params['phone_number'])] if single else
                                       module.members_as_given('phone_numbers', params['phone_numbers']))
    except InvalidPhoneNumber as exc:
        module.fail_json(msg=str(exc))


def refuse_too_many_deletions(module, plan):
    """The deletion guard: before any write, refuse a plan that deletes more than max_deletions (or, with exclusive
    and without max_deletions, more than EXCLUSIVE_DELETIONS_LIMIT), and say what it would delete and how to allow
    it."""
    limit = module.params['max_deletions']
    default = limit is None and module.params['exclusive']
    if default:
        limit = EXCLUSIVE_DELETIONS_LIMIT
    if limit is None or len(plan.delete) <= limit:
        return
    shown = ', '.join(plan.delete[:20]) + (' and %d more' % (len(plan.delete) - 20) if len(plan.delete) > 20 else '')
    if default:
        why = ('exclusive=true deletes at most %d numbers unless max_deletions says otherwise. If these deletions are '
               'intended, set max_deletions: %d (or more) and run again' % (limit, len(plan.delete)))
    else:
        why = ('max_deletions is %d. If these deletions are intended, raise max_deletions to %d and run again'
               % (limit, len(plan.delete)))
    result = dict(NOTHING_DONE, summary=dict(NOTHING_DONE['summary'], unchanged=len(plan.unchanged)))
    module.fail_json(msg='Refusing to delete %d numbers: %s. Nothing was changed (%d listed number%s already as '
                         'wanted). Would have deleted (all listed in would_delete): %s'
                         % (len(plan.delete), why, len(plan.unchanged), '' if len(plan.unchanged) == 1 else 's',
                            shown),
                     would_delete=plan.delete, **result)


def summary_message(module, numbers, plan, outcome):
    """The msg of a successful run: what it did (or would do) in a few words."""
    created, deleted = outcome.created, outcome.deleted
    if module.params['phone_number'] is not None:
        number = numbers[0]
        if created:
            return '%s %s' % ('would create' if module.check_mode else 'created', number)
        if deleted:
            return '%s %s' % ('would delete' if module.check_mode else 'deleted', number)
        return '%s already %s' % (number, module.params['state'])
    if module.check_mode:
        return 'would create %d, would delete %d, unchanged %d' % (len(created), len(deleted), len(plan.unchanged))
    return 'created %d, deleted %d, unchanged %d' % (len(created), len(deleted), len(plan.unchanged))


def task_result(module, numbers, active, plan, outcome):
    """The module's result for what was done (or, in check mode, would be): counts, lists, records, diff.

    Only what grows with the changes is returned by default: records of unchanged numbers only on request.
    """
    created, deleted, records, failures, not_attempted = outcome
    after = dict((n, r) for n, r in active.items() if n not in deleted)
    after.update(records)
    result = dict(changed=bool(created or deleted), created=created, deleted=deleted, failures=failures,
                  not_attempted=not_attempted,
                  summary=dict(created=len(created), deleted=len(deleted), unchanged=len(plan.unchanged),
                               failed=len(failures), not_attempted=not_attempted_count(outcome)))
    if module.params['phone_number'] is not None:
        number = numbers[0]
        result['phone_number'] = after.get(number)
        diff = number_diff(number, number in active, number in after)
    else:
        if module.params['return_records']:
            result['phone_numbers'] = [after[n] for n in numbers if n in after]
        diff = numbers_diff(active if module.params['exclusive'] else [n for n in numbers if n in active],
                            created, deleted)
    if module._diff:
        result['diff'] = diff
    return result


def not_attempted_count(outcome):
    return len(outcome.not_attempted['create']) + len(outcome.not_attempted['delete'])


def failure_message(module, plan, outcome, stopped_by):
    """The msg of a run with failed or unsent writes: counts, and each cause once (never once per number)."""
    skipped = not_attempted_count(outcome)
    msg = '%d of %d changes failed' % (len(outcome.failures), len(plan.create) + len(plan.delete))
    if skipped:
        msg += ' and %d were not attempted' % skipped
    msg += ' (created %d, deleted %d); see failures%s.' % (len(outcome.created), len(outcome.deleted),
                                                           ' and not_attempted' if skipped else '')
    if skipped and stopped_by is not None:
        msg += (' The task stopped sending after an error that every other request would meet too: %s'
                % describe_api_error(stopped_by, module.params))
    elif outcome.failures:
        msg += ' First failure: %s' % outcome.failures[0]['message']
    return msg + ' Run the task again to finish: it only sends what is still needed.'


def main():
    module = SmsApiModule(
        argument_spec=dict(
            phone_number=dict(type='str'),
            phone_numbers=dict(type='list', elements='str'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            exclusive=dict(type='bool', default=False),
            max_deletions=dict(type='int'),
            concurrency=dict(type='int', default=PHONE_NUMBER_CONCURRENCY),
            return_records=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('phone_number', 'phone_numbers')],
        required_one_of=[('phone_number', 'phone_numbers')],
        supports_check_mode=True,
    )
    params = module.params
    numbers = check_options(module)

    client = module.phone_number_client(pool_size=params['concurrency'])
    pool = WorkerPool(params['concurrency'])
    try:
        active = read_active(client, numbers, pool, whole_network=params['exclusive'])
    except ApiError as exc:
        module.fail_api(exc, **NOTHING_DONE)
    plan = plan_changes(numbers, active, params['state'], params['exclusive'])
    refuse_too_many_deletions(module, plan)
    outcome = predicted_outcome(plan) if module.check_mode else apply_plan(client, plan, pool)
    client.close()

    result = task_result(module, numbers, active, plan, outcome)
    if outcome.failures or not_attempted_count(outcome):
        module.fail_json(msg=failure_message(module, plan, outcome, pool.stopped_by), **result)
    module.exit_json(msg=summary_message(module, numbers, plan, outcome), **result)


if __name__ == '__main__':
    main()
