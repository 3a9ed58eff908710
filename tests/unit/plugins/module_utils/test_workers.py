# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_workers.py: the WorkerPool runs up to concurrency calls at once, returns each
item's value or error in order, and stops at a fatal error."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._workers import WorkerPool
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, N3, N4, api_error


TIMEOUT = 5


# -- WorkerPool -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('concurrency', [1, 3, 8])
def test_map_returns_item_value_error_in_the_order_of_the_items(concurrency):
    items = list(range(8))
    done = dict((i, threading.Event()) for i in items)

    def later_items_finish_first(item):
        # With enough workers, item i waits for item i+1: completion order is the reverse of the input order.
        if concurrency >= len(items) and item + 1 in done:
            assert done[item + 1].wait(TIMEOUT)
        done[item].set()
        return item * 10

    results = WorkerPool(concurrency).map(later_items_finish_first, items)
    assert results == [(i, i * 10, None) for i in items]


def test_map_runs_up_to_concurrency_calls_at_once():
    barrier = threading.Barrier(4, timeout=TIMEOUT)
    threads = set()
    lock = threading.Lock()

    def call(item):
        with lock:
            threads.add(threading.current_thread().name)
        barrier.wait()  # raises BrokenBarrierError unless 4 calls run at the same time
        return item

    results = WorkerPool(4).map(call, [N1, N2, N3, N4])
    assert [r[1] for r in results] == [N1, N2, N3, N4]
    assert len(threads) == 4


def test_map_never_runs_more_than_concurrency_calls_at_once():
    lock = threading.Lock()
    state = {'running': 0, 'peak': 0}
    pair = threading.Barrier(2, timeout=TIMEOUT)

    def call(item):
        with lock:
            state['running'] += 1
            state['peak'] = max(state['peak'], state['running'])
        pair.wait()
        with lock:
            state['running'] -= 1
        return item

    WorkerPool(2).map(call, list(range(10)))
    assert state['peak'] == 2


def test_map_with_concurrency_one_runs_in_the_calling_thread():
    seen = []
    WorkerPool(1).map(lambda item: seen.append(threading.current_thread()), [1, 2, 3])
    assert seen == [threading.current_thread()] * 3


def test_concurrency_below_one_is_one():
    assert WorkerPool(0).concurrency == 1


def test_map_of_nothing_is_nothing():
    assert WorkerPool(4).map(lambda item: item, []) == []


def test_api_errors_are_returned_not_raised():
    error = api_error(500, 'divided by 0')

    def call(item):
        if item == N2:
            raise error
        return item

    assert WorkerPool(2).map(call, [N1, N2, N3]) == [(N1, N1, None), (N2, None, error), (N3, N3, None)]


@pytest.mark.parametrize('fatal', [
    api_error(401, 'Unauthorized'),
    api_error(403, 'Forbidden'),
    api_error(404, 'did not include a valid version', kind='version'),
])
def test_fatal_error_stops_later_items_which_are_reported_not_attempted(fatal):
    called = []

    def call(item):
        called.append(item)
        if item == N1:
            raise fatal
        return item

    pool = WorkerPool(1)
    results = pool.map(call, [N1, N2, N3])
    assert called == [N1]
    assert results[0] == (N1, None, fatal)
    for dummy, value, error in results[1:]:
        assert value is None
        assert 'not attempted' in str(error)
        assert fatal.detail in str(error)
        # No answer was had for this item: no status, and nothing that passes for its own request's path.
        assert (error.status, error.kind, error.path) == (None, 'not_attempted', '(not sent)')
    assert pool.stopped_by is fatal
    # ... and in every later batch too.
    later = pool.map(call, [N4])
    assert called == [N1]
    assert 'not attempted' in str(later[0][2])


def test_non_fatal_errors_do_not_stop_other_items():
    called = []

    def call(item):
        called.append(item)
        raise api_error(500)

    WorkerPool(1).map(call, [N1, N2, N3])
    assert called == [N1, N2, N3]


@pytest.mark.parametrize('concurrency', [1, 4])
def test_any_exception_becomes_a_failure_of_its_item_and_the_others_still_run(concurrency):
    # Whatever a hostile answer makes a call raise, the results of the other items must reach the task's result.
    def call(item):
        if item == N2:
            raise RuntimeError('bug')
        return item

    results = WorkerPool(concurrency).map(call, [N1, N2, N3])
    assert [(item, value) for item, value, dummy in results] == [(N1, N1), (N2, None), (N3, N3)]
    error = results[1][2]
    assert isinstance(error, ApiError)
    assert error.kind == 'unexpected'
    assert 'RuntimeError: bug' in str(error)
    assert error.may_have_applied is False  # not a write: nothing can have been applied
    assert results[0][2] is None and results[2][2] is None


@pytest.mark.parametrize('concurrency', [1, 4])
def test_an_unexpected_exception_from_a_write_may_have_applied_it(concurrency):
    # The exception may come after the request reached the server (while its answer was read, say).
    def write(item):
        raise ValueError('bad Location header')

    results = WorkerPool(concurrency).map(write, [N1, N2], write=True)
    for dummy, value, error in results:
        assert (value, error.kind, error.may_have_applied) == (None, 'unexpected', True)


def test_an_api_error_from_a_write_keeps_its_own_may_have_applied():
    refused = api_error(422, 'Unprocessable Entity')

    def write(item):
        raise refused

    assert WorkerPool(1).map(write, [N1], write=True) == [(N1, None, refused)]
    assert refused.may_have_applied is False
