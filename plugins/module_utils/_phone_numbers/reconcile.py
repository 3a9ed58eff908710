# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading a network's current numbers and applying a Plan, with as few requests and as much overlap as is safe.

Internal use only: not a public API of the collection, and it may change in any release. No Ansible here: the
module decides what to do with the results.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import is_active

# Past this many numbers, one listing at 500 a page is cheaper than one GET per number; below it, GETs win when
# the network holds many numbers that are not in the list. Measured by tests/benchmark (networks of 100 to 5,000,
# 0 and 50 ms): 10 is the value whose wrong guesses cost least, at most 2.5 times the better path.
LISTING_THRESHOLD = 10

Outcome = namedtuple('Outcome', ['created', 'deleted', 'records', 'failures', 'not_attempted'])
Outcome.__doc__ = """What apply_plan did: numbers created and deleted, records after the run, the failures of the
writes that were sent, and the numbers of those that were not (``{'create': [...], 'delete': [...]}``)."""


def read_active(client, numbers, pool, whole_network=False):
    """Active records by E.164 number: of the whole network, or at least of ``numbers``.

    A long list (or the whole network) is read with the paginated listing; a short one with one GET per number,
    which costs less when the network is much larger than the list. Soft-deleted records are not active.
    Raises the first ApiError met: nothing has been written yet, so failing here loses nothing.
    """
    if whole_network or len(numbers) > LISTING_THRESHOLD:
        # No deleted_at[empty] filter: soft-deleted records stay in the listing, so a number deleted by someone
        # else while we page does not shift the pages under us and hide an active number. A number may then be
        # listed twice (an old soft-deleted record and an active one): it is active if any record is.
        wanted = None if whole_network else set(numbers)
        active = {}
        for record in client.iter_phone_numbers():
            if is_active(record) and (wanted is None or record['phone_number'] in wanted):
                active.setdefault(record['phone_number'], record)
        return active
    active = {}
    for number, record, error in pool.map(client.get, numbers):
        if error is not None:
            # The error that stopped the pool says what is wrong; a "not attempted" one would only point at it.
            raise pool.stopped_by or error
        if record is not None and is_active(record):
            active[number] = record
    return active


def _contradiction(method, number, detail):
    return ApiError(method, '(%s)' % number, 'the server contradicted itself about %s: %s' % (number, detail),
                    kind='contradiction')


def apply_plan(client, plan, pool):
    """Create, then delete, what the plan says; never raises, every failure is in the Outcome.

    Creates go first so that a run cut short leaves a number too many rather than one too few. A 409 on create
    (someone else created it since it was read, or our own resend after a lost answer) and a 404 on delete
    count as done once a GET confirms the number ended as desired; if the GET says otherwise, the server
    contradicted itself and the number is a failure, not a silent success.

    A write that was never sent (the pool stopped after a fatal error) is not a failure: its number goes to
    ``not_attempted``, once, without the error that stopped the pool (``pool.stopped_by``), so that the result
    of a run stopped early stays small however many writes it had left.
    """
    created, deleted, records, failures = [], [], {}, []
    not_attempted = {'create': [], 'delete': []}

    def create(number):
        record, was_created = client.create(number)
        if was_created:
            return record or {'phone_number': number}
        record = client.get(number)
        if record is None or not is_active(record):
            raise _contradiction('POST', number, 'it answered 409 (already exists) to the create, but a GET then '
                                 'says the number is %s' % ('not in the system' if record is None else 'soft-deleted'))
        return record

    def delete(number):
        dummy, was_deleted = client.delete(number)
        if not was_deleted:
            record = client.get(number)
            if record is not None and is_active(record):
                raise _contradiction('DELETE', number, 'it answered 404 (not in the system) to the delete of a '
                                     'number its listing showed active, and a GET still shows it active')
        return number

    for number, record, error in pool.map(create, plan.create, write=True):
        if error is None:
            created.append(number)
            records[number] = record
        elif error.kind == 'not_attempted':
            not_attempted['create'].append(number)
        else:
            failures.append(failure(number, 'create', error))
    for number, dummy, error in pool.map(delete, plan.delete, write=True):
        if error is None:
            deleted.append(number)
        elif error.kind == 'not_attempted':
            not_attempted['delete'].append(number)
        else:
            failures.append(failure(number, 'delete', error))
    return Outcome(created, deleted, records, failures, not_attempted)


def predicted_outcome(plan):
    """What apply_plan would report if every write succeeded: check mode's result, from the same plan.

    A number to be created has no record yet, so it is shown with its phone_number only.
    """
    return Outcome(list(plan.create), list(plan.delete), dict((n, {'phone_number': n}) for n in plan.create), [],
                   {'create': [], 'delete': []})


def failure(number, action, error):
    return {'phone_number': number, 'action': action, 'status': error.status, 'message': str(error)}
