# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_phone_numbers/reconcile.py: reading the current numbers (one GET each, or one
listing) and applying a Plan (creates before deletes, 404 and 409 confirmed, failures collected)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.plan import Plan
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.reconcile import (
    LISTING_THRESHOLD,
    apply_plan,
    predicted_outcome,
    read_active,
)
from ansible_collections.invoca.messaging.plugins.module_utils._workers import WorkerPool
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, N3, N4, FakeClient, api_error


def number(i):
    return '+1888555%04d' % i


def active_record(n):
    return {'phone_number': n, 'deleted_at': None}


def deleted_record(n):
    return {'phone_number': n, 'deleted_at': '2022-04-14T20:30:12.000Z'}


# -- read_active ------------------------------------------------------------------------------------------------

def test_short_list_is_read_with_one_get_per_number():
    numbers = [number(i) for i in range(LISTING_THRESHOLD)]
    client = FakeClient([active_record(n) for n in numbers[:3]])
    active = read_active(client, numbers, WorkerPool(4))
    assert sorted(active) == sorted(numbers[:3])
    assert sorted(c[1] for c in client.calls if c[0] == 'get') == sorted(numbers)
    assert [c for c in client.calls if c[0] == 'list'] == []


def test_list_longer_than_the_threshold_is_read_with_one_listing():
    numbers = [number(i) for i in range(LISTING_THRESHOLD + 1)]
    others = [number(9000 + i) for i in range(5)]
    client = FakeClient([active_record(n) for n in numbers[:4] + others])
    active = read_active(client, numbers, WorkerPool(4))
    assert sorted(active) == sorted(numbers[:4])
    assert [c[0] for c in client.calls] == ['list']


def test_whole_network_is_read_with_one_listing_even_for_one_number():
    client = FakeClient([active_record(N1), active_record(N2), deleted_record(N3)])
    active = read_active(client, [N1], WorkerPool(4), whole_network=True)
    assert sorted(active) == [N1, N2]
    assert [c[0] for c in client.calls] == ['list']


def test_read_active_maps_numbers_to_their_records():
    client = FakeClient([{'phone_number': N1, 'deleted_at': None, 'virtual_line_id': 197}])
    assert read_active(client, [N1, N2], WorkerPool(1)) == {N1: {'phone_number': N1, 'deleted_at': None,
                                                                 'virtual_line_id': 197}}


@pytest.mark.parametrize('count', [2, LISTING_THRESHOLD + 2])
def test_soft_deleted_records_are_not_active(count):
    numbers = [number(i) for i in range(count)]
    client = FakeClient([deleted_record(numbers[0]), active_record(numbers[1])])
    assert list(read_active(client, numbers, WorkerPool(2))) == [numbers[1]]


def test_read_error_is_raised():
    error = api_error(500)
    client = FakeClient([], errors={('get', N2): error})
    with pytest.raises(ApiError) as caught:
        read_active(client, [N1, N2, N3], WorkerPool(1))
    assert caught.value is error


def test_listing_error_is_raised():
    client = FakeClient([], list_error=api_error(403, 'Forbidden'))
    with pytest.raises(ApiError):
        read_active(client, [N1], WorkerPool(1), whole_network=True)


# -- apply_plan -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('concurrency', [1, 4])
def test_creates_all_happen_before_any_delete(concurrency):
    client = FakeClient([active_record(N3), active_record(N4)])
    outcome = apply_plan(client, Plan(create=[N1, N2], delete=[N3, N4], unchanged=[]), WorkerPool(concurrency))
    actions = [c[0] for c in client.calls]
    assert actions == ['create', 'create', 'delete', 'delete']
    assert outcome.created == [N1, N2]
    assert outcome.deleted == [N3, N4]
    assert outcome.failures == []
    assert sorted(outcome.records) == [N1, N2]
    assert client.active_numbers() == [N1, N2]


def test_409_counts_as_created_and_the_record_is_fetched():
    client = FakeClient([{'phone_number': N1, 'deleted_at': None, 'virtual_line_id': 197}])
    outcome = apply_plan(client, Plan(create=[N1], delete=[], unchanged=[]), WorkerPool(1))
    assert outcome.created == [N1]
    assert outcome.records[N1]['virtual_line_id'] == 197
    assert client.calls == [('create', N1), ('get', N1)]


def test_409_whose_record_cannot_be_fetched_is_a_failure_not_a_silent_created():
    # A 409 counts as created only once a GET confirms the number is active; an unconfirmed one is reported.
    client = FakeClient([active_record(N1)], errors={('get', N1): api_error(500, method='GET')})
    outcome = apply_plan(client, Plan(create=[N1], delete=[], unchanged=[]), WorkerPool(1))
    assert outcome.created == []
    assert N1 not in outcome.records
    assert [(f['phone_number'], f['action'], f['status']) for f in outcome.failures] == [(N1, 'create', 500)]


class ContradictingClient(FakeClient):
    """Answers 409 to every create and 404 to every delete, whatever its records say."""

    def create(self, number):
        self._enter('create', number)
        return None, False

    def delete(self, number):
        self._enter('delete', number)
        return None, False


@pytest.mark.parametrize('records, state', [([], 'not in the system'),
                                            ([{'phone_number': N1, 'deleted_at': '2026-01-02T00:00:00.000Z'}],
                                             'soft-deleted')])
def test_409_then_a_get_saying_absent_is_a_contradiction_failure(records, state):
    client = ContradictingClient(records)
    outcome = apply_plan(client, Plan(create=[N1], delete=[], unchanged=[]), WorkerPool(1))
    assert outcome.created == []
    assert len(outcome.failures) == 1
    failure = outcome.failures[0]
    assert (failure['phone_number'], failure['action']) == (N1, 'create')
    assert 'contradicted' in failure['message'] and '409' in failure['message'] and state in failure['message']
    assert client.calls == [('create', N1), ('get', N1)]


def test_404_on_delete_then_a_get_still_showing_it_active_is_a_contradiction_failure():
    client = ContradictingClient([active_record(N1)])
    outcome = apply_plan(client, Plan(create=[], delete=[N1], unchanged=[]), WorkerPool(1))
    assert outcome.deleted == []
    assert len(outcome.failures) == 1
    assert (outcome.failures[0]['phone_number'], outcome.failures[0]['action']) == (N1, 'delete')
    assert 'contradicted' in outcome.failures[0]['message'] and 'still shows it active' in outcome.failures[0]['message']


def test_404_on_delete_confirmed_absent_by_a_get_counts_as_deleted():
    client = ContradictingClient([])
    outcome = apply_plan(client, Plan(create=[], delete=[N1], unchanged=[]), WorkerPool(1))
    assert (outcome.deleted, outcome.failures) == ([N1], [])
    assert client.calls == [('delete', N1), ('get', N1)]


def test_an_exception_in_one_write_keeps_every_number_already_written_in_the_outcome():
    client = FakeClient([active_record(N3)], errors={('create', N2): ValueError('bad Location header')})
    outcome = apply_plan(client, Plan(create=[N1, N2], delete=[N3], unchanged=[]), WorkerPool(1))
    assert outcome.created == [N1]
    assert outcome.deleted == [N3]
    assert [(f['phone_number'], f['action']) for f in outcome.failures] == [(N2, 'create')]
    assert 'bad Location header' in outcome.failures[0]['message']
    assert outcome.not_attempted == {'create': [], 'delete': []}


def test_apply_plan_marks_its_writes_as_writes():
    seen = []

    class RecordingPool(WorkerPool):
        def map(self, func, items, write=False):
            seen.append(write)
            return WorkerPool.map(self, func, items, write=write)

    apply_plan(FakeClient([active_record(N2)]), Plan(create=[N1], delete=[N2], unchanged=[]), RecordingPool(1))
    assert seen == [True, True]


def test_create_without_a_record_in_the_answer_gives_a_minimal_record():
    class NoRecordClient(FakeClient):
        def create(self, number):
            FakeClient.create(self, number)
            return None, True

    client = NoRecordClient()
    outcome = apply_plan(client, Plan(create=[N1], delete=[], unchanged=[]), WorkerPool(1))
    assert outcome.records == {N1: {'phone_number': N1}}
    assert client.calls == [('create', N1)]


def test_404_on_delete_counts_as_deleted():
    client = FakeClient([])  # already gone
    outcome = apply_plan(client, Plan(create=[], delete=[N1], unchanged=[]), WorkerPool(1))
    assert outcome.deleted == [N1]
    assert outcome.failures == []


def test_failures_are_collected_while_the_other_writes_happen():
    client = FakeClient([active_record(N3), active_record(N4)], errors={
        ('create', N2): api_error(500, 'divided by 0'),
        ('delete', N3): api_error(422, 'Unprocessable Entity', method='DELETE'),
    })
    outcome = apply_plan(client, Plan(create=[N1, N2], delete=[N3, N4], unchanged=[]), WorkerPool(2))
    assert outcome.created == [N1]
    assert outcome.deleted == [N4]
    assert [(f['phone_number'], f['action'], f['status']) for f in outcome.failures] == [
        (N2, 'create', 500), (N3, 'delete', 422)]
    assert 'divided by 0' in outcome.failures[0]['message']
    assert set(outcome.failures[0]) == {'phone_number', 'action', 'status', 'message'}
    assert sorted(c for c in client.calls if c[0] in ('create', 'delete')) == [
        ('create', N1), ('create', N2), ('delete', N3), ('delete', N4)]


def test_fatal_error_on_create_leaves_the_rest_not_attempted_and_listed():
    refused = api_error(401, 'Unauthorized')
    client = FakeClient([active_record(N4)], errors={('create', N1): refused})
    pool = WorkerPool(1)
    outcome = apply_plan(client, Plan(create=[N1, N2, N3], delete=[N4], unchanged=[]), pool)
    assert client.calls == [('create', N1)]
    assert outcome.created == [] and outcome.deleted == []
    # Only the write that was sent is a failure; the others are listed by number, the reason once (stopped_by).
    assert [(f['phone_number'], f['action'], f['status']) for f in outcome.failures] == [(N1, 'create', 401)]
    assert outcome.not_attempted == {'create': [N2, N3], 'delete': [N4]}
    assert pool.stopped_by is refused


@pytest.mark.parametrize('concurrency', [1, 8])
def test_a_401_after_a_few_creates_leaves_10000_numbers_not_attempted_in_a_small_outcome(concurrency):
    numbers = [number(i) for i in range(10004)]
    client = FakeClient(errors={('create', numbers[3]): api_error(401, 'Unauthorized ' + 'x' * 200)})
    pool = WorkerPool(concurrency)
    outcome = apply_plan(client, Plan(create=numbers, delete=[], unchanged=[]), pool)
    attempted = set(n for action, n in client.calls if action == 'create')
    # With 8 workers, a few calls were already under way when the 401 came: each is done or a failure.
    assert len(attempted) < 4 + 2 * concurrency
    assert sorted(outcome.created + [f['phone_number'] for f in outcome.failures]) == sorted(attempted)
    assert sorted(outcome.not_attempted['create']) == sorted(set(numbers) - attempted)
    assert len(outcome.not_attempted['create']) >= 10000 - 2 * concurrency
    assert outcome.not_attempted['delete'] == []
    # The 401's text (and any other) is in the outcome once per write that was sent, not once per number.
    assert len(json.dumps(outcome.failures)) < 400 * (4 + 2 * concurrency)


def test_empty_plan_sends_nothing():
    client = FakeClient([active_record(N1)])
    outcome = apply_plan(client, Plan(create=[], delete=[], unchanged=[N1]), WorkerPool(4))
    assert client.calls == []
    assert outcome == ([], [], {}, [], {'create': [], 'delete': []})


def test_predicted_outcome_is_what_apply_plan_reports_when_every_write_succeeds():
    plan = Plan(create=[N1, N2], delete=[N3], unchanged=[N4])
    client = FakeClient([active_record(N3), active_record(N4)])
    predicted, applied = predicted_outcome(plan), apply_plan(client, plan, WorkerPool(1))
    assert (predicted.created, predicted.deleted, predicted.failures) == (applied.created, applied.deleted, applied.failures)
    assert predicted.not_attempted == applied.not_attempted == {'create': [], 'delete': []}
    assert predicted.records == {N1: {'phone_number': N1}, N2: {'phone_number': N2}}


def test_read_active_raises_the_error_that_stopped_the_pool_not_a_not_attempted_one():
    fatal = api_error(403, 'Forbidden', method='GET')
    pool = WorkerPool(1)
    pool.stopped_by = fatal  # as if a concurrent GET had just been refused
    with pytest.raises(ApiError) as caught:
        read_active(FakeClient(), [N1, N2], pool)
    assert caught.value is fatal


@pytest.mark.parametrize('order', ['deleted first', 'active first'])
def test_a_number_listed_twice_is_active_if_any_of_its_records_is(order):
    # An old soft-deleted record beside an active one: dropping the active one would make a run recreate it,
    # or (exclusive) miss it.
    deleted = {'phone_number': N1, 'deleted_at': '2026-01-02T00:00:00.000Z', 'virtual_line_id': 1}
    active = {'phone_number': N1, 'deleted_at': None, 'virtual_line_id': 2}
    listed = [deleted, active] if order == 'deleted first' else [active, deleted]

    class TwiceListed(FakeClient):
        def iter_phone_numbers(self, query=(), limit=500):
            return iter([dict(r) for r in listed])

    result = read_active(TwiceListed(), [N1], WorkerPool(1), whole_network=True)
    assert result == {N1: active}
