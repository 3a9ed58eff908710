# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""max_retries bounds every request's attempts, a 429 included.

A server that answers 429 to everything with an unreadable Retry-After used to hold a task with max_retries: 2 for
7 requests, until killed. The transport runs on a fake clock and sleep: nothing here really waits.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.retry import NOT_SAFE_TO_RESEND, RETRY_BUDGET
from ansible_collections.invoca.messaging.plugins.module_utils._workers import WorkerPool
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, N3, N4, Harness, response

PATH = '/sms/2022-08-01/phone_numbers'


def always(status, retry_after='soon'):
    headers = {'Retry-After': retry_after} if retry_after is not None else {}

    def handler(sent):
        return response(status, {'message': 'Too Many Requests' if status == 429 else 'Unavailable'}, headers=headers)
    return handler


@pytest.mark.parametrize('max_retries', [0, 1, 2, 5, 8])
def test_429_to_everything_with_an_unreadable_retry_after_makes_max_retries_plus_one_requests(max_retries):
    harness = Harness(handler=always(429), max_retries=max_retries)
    answer = harness.transport.request('GET', PATH)
    assert answer.status == 429
    assert answer.attempts == max_retries + 1
    assert len(harness.sent) == max_retries + 1
    # It waited between attempts (backed off, the server gave no readable delay), within the task's budget.
    assert len(harness.sleep.calls) == max_retries
    assert harness.sleep.total <= RETRY_BUDGET


def test_at_the_highest_max_retries_the_retry_budget_may_end_it_sooner_never_later():
    harness = Harness(handler=always(429), max_retries=20)
    with pytest.raises(ApiError) as caught:
        harness.transport.request('GET', PATH)
    assert caught.value.kind == 'budget'
    assert len(harness.sent) <= 21
    assert harness.sleep.total <= RETRY_BUDGET


def test_the_listing_of_the_issue_fails_after_three_requests_with_max_retries_2():
    """sms_phone_number_info with max_retries: 2 against a server that answers 429 to everything."""
    harness = Harness(handler=always(429), max_retries=2)
    with pytest.raises(ApiError) as caught:
        list(harness.client.iter_phone_numbers())
    assert caught.value.status == 429
    assert 'after 3 attempts' in str(caught.value)
    assert len(harness.sent) == 3


@pytest.mark.parametrize('retry_after', ['soon', '1', 'Wed, 21 Oct 2015 07:28:00 GMT', None])
def test_the_bound_holds_whatever_the_retry_after_says(retry_after):
    harness = Harness(handler=always(429, retry_after), max_retries=2)
    assert harness.transport.request('GET', PATH).status == 429
    assert len(harness.sent) == 3


def test_429_and_5xx_share_one_bound():
    script = [response(503, {'message': 'Unavailable'}), response(429, {}, headers={'Retry-After': 'soon'}),
              response(503, {'message': 'Unavailable'}), response(429, {}, headers={'Retry-After': 'soon'})]
    harness = Harness(script=script, max_retries=3)
    answer = harness.transport.request('GET', PATH)
    assert answer.status == 429 and answer.attempts == 4
    assert harness.session.remaining == 0


def test_a_write_that_is_not_safe_to_resend_is_bounded_too():
    harness = Harness(handler=always(429), max_retries=2)
    answer = harness.transport.request('POST', '/sms/2022-08-01/messages', body=[{'to': [N1]}], policy=NOT_SAFE_TO_RESEND)
    assert answer.status == 429
    assert len(harness.sent) == 3


def test_every_worker_request_makes_at_most_max_retries_plus_one_attempts():
    harness = Harness(handler=always(429), max_retries=2, pool_size=4)
    numbers = [N1, N2, N3, N4]
    pool = WorkerPool(4)
    outcomes = list(pool.map(harness.client.get, numbers))
    assert all(error is not None and error.status == 429 for dummy, dummy2, error in outcomes)
    by_number = dict((n, sum(1 for s in harness.sent if s.path.endswith(n.replace('+', '%2B')))) for n in numbers)
    # A 429 is not fatal to the pool, so every number is tried; none of them more than 3 times.
    assert all(count <= 3 for count in by_number.values()), by_number
    assert len(harness.sent) <= 4 * 3


def test_a_server_that_recovers_within_the_bound_is_answered():
    script = [response(429, {}, headers={'Retry-After': 'soon'})] * 2 + [response(200, {'phone_numbers': [],
                                                                                        'pagination': {'next': None}})]
    harness = Harness(script=script, max_retries=2)
    answer = harness.transport.request('GET', PATH)
    assert answer.status == 200 and answer.attempts == 3
