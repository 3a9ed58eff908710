# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Data the server sends is checked before it drives a write, against the hostile server.

A number the listing gives in another spelling is the desired number, not a stranger to delete; a record whose
number cannot be a number fails the task before any write (and no path is ever built from it); a number with
a soft-deleted and an active record is active.
"""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure
from hostile_fixtures import assert_no_crash, assert_paths_valid
from hostile_server import record

KEPT = '+18885550100'


@pytest.mark.parametrize('listed', ['+1 888-555-0100', '18885550100', '+18885550100 '],
                         ids=['spaced', 'no-plus', 'trailing-space'])
def test_exclusive_never_deletes_a_desired_number_listed_in_another_form(hostile, hostile_ansible, listed):
    hostile.seed(record(listed))
    run = hostile_ansible.module('sms_phone_number', {'phone_numbers': [KEPT], 'exclusive': True})
    assert_no_crash(run)
    assert not hostile.requests('DELETE'), 'the desired number, listed as %r, was deleted: %s' % (
        listed, hostile.requests('DELETE'))
    assert_paths_valid(hostile)
    if run.failed:
        # Refusing a spelling it cannot normalise is allowed, as long as nothing was written and it says why.
        assert_clean_failure(run.result)
        assert not hostile.writes(), hostile.writes()
    else:
        # Kept means kept: it is active already, so nothing to create either.
        assert not hostile.writes(), 'the desired number, listed as %r, was rewritten: %s' % (listed, hostile.writes())
        assert run.result['changed'] is False


BAD_RECORDS = {
    'dot-dot': (record('../x'), ['../x']),
    'empty': (record(''), ['""', "''"]),
    'count': (record('count'), ['"count"', "'count'"]),
    'slash': (record('+1888/555'), ['+1888/555']),
    'not-an-object': ('not-a-record-5e1f', ['not-a-record-5e1f']),
    'no-number': ({'virtual_line_id': 424242, 'deleted_at': None}, ['424242']),
    'number-not-a-string': (record(18885550177), ['18885550177']),
}


@pytest.mark.parametrize('case', sorted(BAD_RECORDS))
def test_unusable_listing_record_fails_the_task_before_any_write(hostile, hostile_ansible, case):
    bad, names = BAD_RECORDS[case]
    hostile.seed(KEPT, '+18885550111')
    hostile.seed_raw(bad)
    hostile.seed('+18885550122')
    run = hostile_ansible.module('sms_phone_number', {'phone_numbers': [KEPT], 'exclusive': True})
    assert run.failed, 'a listing holding %r was trusted: %s' % (bad, run.result)
    assert_clean_failure(run.result)
    assert not hostile.writes(), 'writes were sent although the listing held %r: %s' % (bad, hostile.writes())
    assert_paths_valid(hostile)
    assert any(name in run.result['msg'] for name in names), 'the message does not name the record %r: %s' % (
        bad, run.result['msg'])
    assert run.result['created'] == [] and run.result['deleted'] == []


def test_info_listing_with_an_unusable_record_fails_and_names_it(hostile, hostile_ansible):
    hostile.seed(KEPT, record('../x'))
    run = hostile_ansible.module('sms_phone_number_info', {'timeout': 10})
    assert run.failed, 'sms_phone_number_info returned a record whose number is "../x": %s' % run.result
    assert_clean_failure(run.result)
    assert '../x' in run.result['msg']


def test_number_with_a_soft_deleted_and_an_active_record_is_not_created_again(hostile, hostile_ansible):
    # The old soft-deleted record comes first, as in a listing sorted by created_at.
    hostile.seed(KEPT, deleted=True)
    hostile.seed(KEPT, '+18885550111')
    run = hostile_ansible.module('sms_phone_number', {'phone_numbers': [KEPT, '+18885550111'], 'exclusive': True})
    assert not run.failed, run.result
    assert not hostile.requests('POST'), 'an active number was created again: %s' % hostile.requests('POST')
    assert run.result['created'] == [] and run.result['changed'] is False


def test_number_with_a_soft_deleted_and_an_active_record_is_deleted_by_state_absent(hostile, hostile_ansible):
    # Enough numbers for the module to read them with the listing rather than one GET each.
    numbers = ['+188855502%02d' % i for i in range(30)]
    hostile.seed(KEPT, deleted=True)
    hostile.seed(KEPT)
    run = hostile_ansible.module('sms_phone_number', {'phone_numbers': [KEPT] + numbers, 'state': 'absent'})
    assert not run.failed, run.result
    assert hostile.requests('DELETE', r'/\+18885550100$'), 'the active number was not deleted: %s' % hostile.log
    assert run.result['deleted'] == [KEPT]
    assert KEPT not in hostile.active()


@pytest.mark.parametrize('bad', ['../x', '', '+1888/555'], ids=['dot-dot', 'empty', 'slash'])
def test_record_read_by_get_with_an_unusable_number_fails_before_any_write(hostile, hostile_ansible, bad):
    hostile.on('GET', r'/phone_numbers/\+18885550100$', status=200, body={'phone_number': record(bad)})
    run = hostile_ansible.module('sms_phone_number', {'phone_number': KEPT, 'state': 'absent'})
    assert run.failed, 'a record whose number is %r was trusted: %s' % (bad, run.result)
    assert_clean_failure(run.result)
    assert not hostile.writes(), hostile.writes()
    assert_paths_valid(hostile)
    names = [bad] if bad else ['""', "''"]
    assert any(name in run.result['msg'] for name in names), run.result['msg']
