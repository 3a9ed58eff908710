# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import json

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.plan import (
    Plan,
    number_diff,
    numbers_diff,
    plan_changes,
)

A, B, C, D, E = '+18885550100', '+18885550101', '+18885550102', '+18885550103', '+18885550104'


def test_present_creates_the_missing_numbers_in_the_given_order():
    plan = plan_changes([C, A, B], {A: {}}, 'present')
    assert plan == Plan(create=[C, B], delete=[], unchanged=[A])


def test_present_when_everything_is_there_changes_nothing():
    assert plan_changes([A, B], {A: {}, B: {}, C: {}}) == Plan(create=[], delete=[], unchanged=[A, B])


def test_present_never_deletes_without_exclusive():
    assert plan_changes([A], {B: {}, C: {}}).delete == []


def test_absent_deletes_only_the_active_listed_numbers_in_order():
    plan = plan_changes([C, A, B], {A: {}, C: {}, D: {}}, 'absent')
    assert plan == Plan(create=[], delete=[C, A], unchanged=[B])


def test_exclusive_deletes_every_active_number_not_desired_sorted():
    plan = plan_changes([B, A], {E: {}, A: {}, D: {}, C: {}}, 'present', exclusive=True)
    assert plan == Plan(create=[B], delete=[C, D, E], unchanged=[A])


def test_exclusive_with_exactly_the_desired_set_changes_nothing():
    assert plan_changes([A, B], {B: {}, A: {}}, exclusive=True) == Plan(create=[], delete=[], unchanged=[A, B])


def test_active_may_be_a_set_or_a_dict():
    assert plan_changes([A, B], {A}, exclusive=True) == plan_changes([A, B], {A: {'phone_number': A}}, exclusive=True)


def test_empty_desired_with_absent_changes_nothing():
    assert plan_changes([], {A: {}}, 'absent') == Plan(create=[], delete=[], unchanged=[])


@pytest.mark.parametrize('state', ['gone', 'Present', None, ''])
def test_invalid_state_is_refused(state):
    with pytest.raises(ValueError) as caught:
        plan_changes([A], {}, state)
    assert repr(state) in str(caught.value)


def test_exclusive_with_absent_is_refused():
    with pytest.raises(ValueError) as caught:
        plan_changes([A], {A: {}}, 'absent', exclusive=True)
    assert 'exclusive' in str(caught.value)


def test_numbers_diff_lists_the_changed_numbers_one_a_line_sorted_after_a_count_of_the_others():
    diff = numbers_diff([C, A, B], created=[E, D], deleted=[B])
    assert diff['before'] == '# 2 other active numbers, unchanged\n%s\n' % B
    assert diff['after'] == '# 2 other active numbers, unchanged\n%s\n%s\n' % (D, E)
    assert diff['before_header'] == 'active SMS numbers before'
    assert diff['after_header'] == 'active SMS numbers after'


def test_numbers_diff_of_one_change_among_many_differs_by_one_line():
    many = ['+1555000%04d' % i for i in range(1000)]
    diff = numbers_diff(many, created=['+15559999999'], deleted=[])
    changed = [line for line in difflib.unified_diff(diff['before'].splitlines(), diff['after'].splitlines(),
                                                     lineterm='', n=0)
               if line[:1] in '+-' and not line.startswith(('+++', '---'))]
    assert changed == ['++15559999999']
    assert diff['before'] == '# 1000 other active numbers, unchanged\n'


def test_numbers_diff_of_a_no_op_over_10000_numbers_is_one_line():
    many = ['+1555%07d' % i for i in range(10000)]
    diff = numbers_diff(many, created=[], deleted=[])
    assert diff['before'] == diff['after'] == '# 10000 other active numbers, unchanged\n'
    assert len(json.dumps(diff)) < 200


def test_numbers_diff_grows_with_the_changes_not_with_the_numbers():
    many = ['+1555%07d' % i for i in range(10000)]
    diff = numbers_diff(many, created=['+15559999999'], deleted=many[:2])
    assert diff['before'] == '# 9998 other active numbers, unchanged\n%s\n%s\n' % (many[0], many[1])
    assert diff['after'] == '# 9998 other active numbers, unchanged\n+15559999999\n'


def test_numbers_diff_accepts_a_dict_of_records_as_before():
    diff = numbers_diff({B: {}, A: {}}, created=[], deleted=[A])
    assert (diff['before'], diff['after']) == ('# 1 other active number, unchanged\n%s\n' % A,
                                               '# 1 other active number, unchanged\n')


def test_numbers_diff_without_unchanged_numbers_has_no_count_line():
    assert numbers_diff([], created=[], deleted=[])['before'] == ''
    diff = numbers_diff([A], created=[B], deleted=[A])
    assert (diff['before'], diff['after']) == (A + '\n', B + '\n')


def test_number_diff_shows_state_before_and_after():
    assert number_diff(A, False, True) == {
        'before': {'phone_number': A, 'state': 'absent'},
        'after': {'phone_number': A, 'state': 'present'},
    }
    assert number_diff(A, True, False) == {
        'before': {'phone_number': A, 'state': 'present'},
        'after': {'phone_number': A, 'state': 'absent'},
    }
