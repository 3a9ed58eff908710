# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The default deletion guard of exclusive=true (at most 10 without max_deletions), and the summary of a refused run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.invoca.messaging.plugins.modules import sms_phone_number
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import run

LISTED = ['+1888555%04d' % n for n in range(50)]


def extra(count):
    return ['+1877555%04d' % n for n in range(count)]


def seed(fake, numbers):
    for number in numbers:
        fake.records[number] = {'phone_number': number, 'deleted_at': None, 'virtual_line_id': 100}


def reconcile(base_args, check_mode=False, **options):
    return run(sms_phone_number.main, dict(base_args, phone_numbers=LISTED[:1], exclusive=True, **options),
               check_mode=check_mode)


@pytest.mark.parametrize('check_mode', [False, True])
def test_a_list_cut_to_one_line_does_not_delete_49_numbers(fake_client, base_args, check_mode):
    seed(fake_client, LISTED)
    result = reconcile(base_args, check_mode=check_mode)
    assert result.failed
    assert fake_client.writes == []
    assert result['would_delete'] == sorted(LISTED[1:])
    msg = result['msg']
    assert msg.startswith('Refusing to delete 49 numbers: exclusive=true deletes at most 10 numbers unless '
                          'max_deletions says otherwise'), msg
    assert 'set max_deletions: 49 (or more) and run again' in msg, msg
    assert 'Nothing was changed (1 listed number already as wanted)' in msg, msg
    assert LISTED[1] in msg and 'and 29 more' in msg, msg
    assert result['changed'] is False and result['created'] == [] and result['deleted'] == []
    assert result['summary'] == {'created': 0, 'deleted': 0, 'unchanged': 1, 'failed': 0, 'not_attempted': 0}


def test_ten_deletions_pass_without_max_deletions(fake_client, base_args):
    seed(fake_client, LISTED[:1] + extra(10))
    result = reconcile(base_args)
    assert not result.failed, result['msg']
    assert sorted(result['deleted']) == extra(10)


def test_eleven_deletions_are_refused_without_max_deletions(fake_client, base_args):
    seed(fake_client, LISTED[:1] + extra(11))
    result = reconcile(base_args)
    assert result.failed and fake_client.writes == []
    assert result['would_delete'] == extra(11)
    assert 'set max_deletions: 11 (or more)' in result['msg']


def test_max_deletions_lifts_the_default(fake_client, base_args):
    seed(fake_client, LISTED)
    result = reconcile(base_args, max_deletions=49)
    assert not result.failed, result['msg']
    assert len(result['deleted']) == 49


def test_a_lower_max_deletions_still_wins(fake_client, base_args):
    seed(fake_client, LISTED[:1] + extra(5))
    result = reconcile(base_args, max_deletions=4)
    assert result.failed
    assert 'max_deletions is 4. If these deletions are intended, raise max_deletions to 5' in result['msg']


def test_state_absent_keeps_no_default_limit(fake_client, base_args):
    seed(fake_client, LISTED)
    result = run(sms_phone_number.main, dict(base_args, phone_numbers=LISTED, state='absent'))
    assert not result.failed, result['msg']
    assert len(result['deleted']) == 50


def test_an_explicit_limit_counts_the_unchanged_numbers_of_a_refused_run(fake_client, base_args):
    """summary.unchanged was 0 when max_deletions refused a run over 50 numbers that were all as listed."""
    seed(fake_client, LISTED + extra(3))
    result = run(sms_phone_number.main, dict(base_args, phone_numbers=LISTED, exclusive=True, max_deletions=2))
    assert result.failed
    assert result['summary'] == {'created': 0, 'deleted': 0, 'unchanged': 50, 'failed': 0, 'not_attempted': 0}
    assert 'Nothing was changed (50 listed numbers already as wanted)' in result['msg']
