# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""PhoneNumberClient retries: what is retried, how long it waits, and the shared 429 throttle."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import random
import re
import threading
import time

import pytest
import requests

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.retry import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    MAX_RETRY_AFTER,
    RETRY_BUDGET,
    Throttle,
    parse_retry_after,
)
from ansible_collections.invoca.messaging.tests.unit import api_examples as examples
from ansible_collections.invoca.messaging.tests.unit.fakes import (
    N1,
    N2,
    EdgeRng,
    FakeClock,
    FakeSleep,
    Harness,
    response,
)

OK = examples.GET_200
TRANSPORT_ERRORS = [
    requests.exceptions.ConnectionError('Connection refused'),
    requests.exceptions.ConnectTimeout('connect timed out'),
    requests.exceptions.ReadTimeout('read timed out'),
    requests.exceptions.Timeout('timed out'),
    requests.exceptions.ChunkedEncodingError('connection broken: IncompleteRead'),
]


def ceilings(attempts):
    return [min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt) for attempt in range(attempts)]


# -- what is retried --------------------------------------------------------------------------------------------

@pytest.mark.parametrize('error', TRANSPORT_ERRORS, ids=lambda e: type(e).__name__)
def test_transport_errors_are_retried_then_succeed(error):
    harness = Harness([error, error, response(200, OK)], max_retries=3)
    assert harness.client.get(N1) == OK['phone_number']
    assert len(harness.sent) == 3
    assert len(harness.sleep.calls) == 2


@pytest.mark.parametrize('error', TRANSPORT_ERRORS, ids=lambda e: type(e).__name__)
def test_transport_errors_give_up_after_max_retries_with_a_transport_error(error):
    harness = Harness([error] * 4, max_retries=3)
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert caught.value.kind == 'transport'
    assert caught.value.status is None
    assert 'after 4 attempts' in str(caught.value)
    assert str(error) in str(caught.value)
    assert len(harness.sent) == 4
    assert len(harness.sleep.calls) == 3


@pytest.mark.parametrize('status', [429, 500, 502, 503, 504])
def test_retry_statuses_are_retried_then_succeed(status):
    harness = Harness([response(status, raw=''), response(200, OK)], max_retries=3)
    assert harness.client.get(N1) == OK['phone_number']
    assert len(harness.sent) == 2


@pytest.mark.parametrize('status', [500, 502, 503, 504])
def test_retry_statuses_give_up_after_max_retries_with_an_http_error(status):
    harness = Harness([response(status, {'message': 'slow down'}) for dummy in range(4)], max_retries=3)
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert caught.value.kind == 'http'
    assert caught.value.status == status
    assert 'still failing after 4 attempts' in str(caught.value)
    assert len(harness.sent) == 4


@pytest.mark.parametrize('retry_after', ['1', 'soon', None])
def test_429_uses_up_max_retries_like_any_retry(retry_after):
    # max_retries bounds every request's attempts: a server answering 429 to everything, with or without a readable
    # Retry-After, gets max_retries + 1 requests of each, and no more.
    headers = {'Retry-After': retry_after} if retry_after is not None else {}
    answers = [response(429, {'message': 'slow down'}, headers=headers) for dummy in range(3)]
    harness = Harness(answers, max_retries=2)
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert (caught.value.kind, caught.value.status) == ('http', 429)
    assert 'still failing after 3 attempts' in str(caught.value)
    assert len(harness.sent) == 3
    assert harness.session.remaining == 0


@pytest.mark.parametrize('status', [400, 401, 403, 404, 409, 422])
def test_other_statuses_are_not_retried(status):
    harness = Harness([response(status, {'message': 'no'})], max_retries=3)
    try:
        harness.client.get(N1)
    except ApiError as exc:
        assert exc.status == status
    assert len(harness.sent) == 1
    assert harness.sleep.calls == []


def test_ssl_error_is_not_retried_and_points_at_ca_path_and_validate_certs():
    harness = Harness([requests.exceptions.SSLError('certificate verify failed: self-signed certificate')],
                      max_retries=3)
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    message = str(caught.value)
    assert caught.value.kind == 'transport'
    assert 'ca_path' in message and 'validate_certs' in message
    assert 'certificate verify failed' in message
    assert len(harness.sent) == 1
    assert harness.sleep.calls == []


@pytest.mark.parametrize('error', [requests.exceptions.TooManyRedirects('Exceeded 5 redirects.'),
                                   requests.exceptions.InvalidURL('bad url')])
def test_other_request_errors_are_transport_errors_not_retried(error):
    harness = Harness([error], max_retries=3)
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert caught.value.kind == 'transport'
    assert len(harness.sent) == 1


def test_max_retries_zero_means_one_attempt():
    harness = Harness([requests.exceptions.ConnectionError('refused')], max_retries=0)
    with pytest.raises(ApiError):
        harness.client.get(N1)
    harness2 = Harness([response(503, raw='')], max_retries=0)
    with pytest.raises(ApiError) as caught:
        harness2.client.get(N1)
    assert caught.value.status == 503
    assert (len(harness.sent), len(harness2.sent)) == (1, 1)
    assert harness.sleep.calls == harness2.sleep.calls == []


def test_post_resent_after_a_lost_answer_and_then_409_counts_as_not_created():
    harness = Harness([requests.exceptions.ConnectionError('reset by peer'), response(409, examples.CREATE_409)])
    assert harness.client.create(N1) == (None, False)
    assert [s.method for s in harness.sent] == ['POST', 'POST']


def test_delete_resent_after_a_lost_answer_and_then_404_counts_as_not_deleted():
    harness = Harness([requests.exceptions.ReadTimeout('timed out'), response(404, examples.DELETE_404)])
    assert harness.client.delete(N1) == (None, False)


def test_requests_sent_counts_every_attempt():
    harness = Harness([response(503, raw=''), response(200, OK)])
    harness.client.get(N1)
    assert harness.transport.requests_sent == 2


# -- backoff ----------------------------------------------------------------------------------------------------

def test_backoff_is_exponential_and_capped_at_its_ceiling():
    # "Connection refused": never sent, so these do not trip the unreachable circuit (UNREACHABLE_AFTER).
    harness = Harness([requests.exceptions.ConnectionError('Connection refused')] * 9, max_retries=8,
                      rng=EdgeRng('high'))
    with pytest.raises(ApiError):
        harness.client.get(N1)
    assert harness.sleep.calls == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert harness.sleep.calls == ceilings(8)


def test_backoff_never_goes_below_half_its_ceiling():
    rng = EdgeRng('low')
    harness = Harness([requests.exceptions.ConnectionError('Connection refused')] * 9, max_retries=8, rng=rng)
    with pytest.raises(ApiError):
        harness.client.get(N1)
    assert harness.sleep.calls == [c / 2 for c in ceilings(8)]
    # The jitter is drawn over the upper half of the ceiling.
    assert rng.ranges[:8] == [(0, c / 2) for c in ceilings(8)]


def test_backoff_with_real_jitter_stays_within_half_ceiling_and_ceiling():
    harness = Harness([response(502, raw='')] * 8, max_retries=7, rng=random.Random(1234))
    with pytest.raises(ApiError):
        harness.client.get(N1)
    assert len(harness.sleep.calls) == 7
    for delay, ceiling in zip(harness.sleep.calls, ceilings(7)):
        assert ceiling / 2 <= delay <= ceiling
    assert len(set(harness.sleep.calls)) == 7


# -- Retry-After ------------------------------------------------------------------------------------------------

def test_retry_after_seconds_is_honoured():
    harness = Harness([response(503, raw='', headers={'Retry-After': '7'}), response(200, OK)])
    harness.client.get(N1)
    assert harness.sleep.calls == [7.0]


def test_retry_after_http_date_is_honoured():
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    harness = Harness([response(503, raw='', headers={'Retry-After': when}), response(200, OK)])
    harness.client.get(N1)
    assert len(harness.sleep.calls) == 1
    assert 28.0 <= harness.sleep.calls[0] <= 30.0


@pytest.mark.parametrize('value', ['3600', '1e9', 'inf'])
def test_retry_after_is_capped(value):
    harness = Harness([response(503, raw='', headers={'Retry-After': value}), response(200, OK)])
    harness.client.get(N1)
    assert harness.sleep.calls == [MAX_RETRY_AFTER]


def test_retry_after_date_far_in_the_future_is_capped():
    when = email.utils.formatdate(time.time() + 86400 * 3, usegmt=True)
    harness = Harness([response(503, raw='', headers={'Retry-After': when}), response(200, OK)])
    harness.client.get(N1)
    assert harness.sleep.calls == [MAX_RETRY_AFTER]


@pytest.mark.parametrize('value', ['soon', '', 'Wed, 99 Foo 2015 07:28:00 GMT'])
def test_unreadable_retry_after_falls_back_to_backoff(value):
    harness = Harness([response(503, raw='', headers={'Retry-After': value}), response(200, OK)],
                      rng=EdgeRng('high'))
    harness.client.get(N1)
    assert harness.sleep.calls == [BACKOFF_BASE]


@pytest.mark.parametrize('value, expected', [
    ('120', 120.0), (' 5 ', 5.0), ('0', 0.0), ('-5', 0.0), ('1.5', 1.5), (None, None), ('soon', None),
])
def test_parse_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date_relative_to_now():
    assert parse_retry_after('Wed, 21 Oct 2015 07:28:00 GMT', now=1445412450.0) == 30.0
    assert parse_retry_after('Wed, 21 Oct 2015 07:28:00 GMT', now=1445412500.0) == 0.0


# -- retry budget -----------------------------------------------------------------------------------------------

def test_retry_budget_stops_retrying_once_the_waits_would_exceed_it():
    waits = int(RETRY_BUDGET // MAX_RETRY_AFTER)  # 5 waits of 60 s fill the 300 s budget exactly
    answers = [response(503, {'message': 'busy'}, headers={'Retry-After': '60'}) for dummy in range(waits + 1)]
    harness = Harness(answers, max_retries=20)
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert caught.value.status == 503
    assert harness.sleep.calls == [MAX_RETRY_AFTER] * waits
    assert harness.sleep.total <= RETRY_BUDGET
    assert len(harness.sent) == waits + 1


def test_error_after_the_budget_ran_out_does_not_claim_more_retries_than_were_made():
    answers = [response(503, {'message': 'busy'}, headers={'Retry-After': '60'}) for dummy in range(6)]
    harness = Harness(answers, max_retries=20)
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    retries_made = len(harness.sent) - 1
    claimed = re.search(r'after (\d+) retries', str(caught.value))
    assert claimed is None or int(claimed.group(1)) == retries_made, (
        '%d retries were made, the error says: %s' % (retries_made, caught.value))


def test_retry_budget_is_shared_by_every_request_of_the_client():
    answers = [response(503, raw='', headers={'Retry-After': '60'}) for dummy in range(6)]
    answers.append(response(503, raw='', headers={'Retry-After': '1'}))
    harness = Harness(answers, max_retries=20)
    with pytest.raises(ApiError):
        harness.client.get(N1)
    with pytest.raises(ApiError):
        harness.client.get(N2)
    # The second call gets no retry at all: the budget is spent.
    assert len(harness.sent) == 7
    assert harness.sleep.total == RETRY_BUDGET


def test_retry_budget_applies_to_transport_errors():
    harness = Harness([response(503, raw='', headers={'Retry-After': '60'}) for dummy in range(5)]
                      + [requests.exceptions.ConnectionError('refused')], max_retries=20)
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    # The error says why it was not retried: the budget, with the transport failure it met.
    assert caught.value.kind == 'budget'
    assert 'refused' in str(caught.value) and 'retry budget' in str(caught.value)
    assert harness.sleep.total == RETRY_BUDGET


# -- the shared throttle ----------------------------------------------------------------------------------------

def test_throttle_without_hold_does_not_wait():
    clock = FakeClock()
    sleep = FakeSleep(clock)
    Throttle(clock, sleep).wait()
    assert sleep.calls == []


def test_throttle_waits_until_the_hold_expires():
    clock = FakeClock(100.0)
    sleep = FakeSleep(clock)
    throttle = Throttle(clock, sleep)
    throttle.hold(10)
    clock.advance(4)
    throttle.wait()
    assert sleep.calls == [6.0]
    assert clock() == 110.0
    throttle.wait()
    assert sleep.calls == [6.0]


def test_throttle_shorter_hold_does_not_shorten_a_longer_one():
    clock = FakeClock()
    sleep = FakeSleep(clock)
    throttle = Throttle(clock, sleep)
    throttle.hold(10)
    throttle.hold(3)
    throttle.wait()
    assert sleep.total == 10


def test_throttle_longer_hold_extends_the_wait():
    clock = FakeClock()
    sleep = FakeSleep(clock)
    throttle = Throttle(clock, sleep)
    throttle.hold(3)
    throttle.hold(10)
    throttle.wait()
    assert sleep.total == 10


def test_throttle_keeps_waiting_when_a_sleep_ends_early():
    clock = FakeClock()
    calls = []

    def short_sleep(seconds):
        calls.append(seconds)
        clock.advance(min(seconds, 4))

    throttle = Throttle(clock, short_sleep)
    throttle.hold(10)
    throttle.wait()
    assert calls == [10, 6, 2]


def test_throttle_hold_makes_another_thread_wait():
    clock = FakeClock()
    sleep = FakeSleep(clock)
    throttle = Throttle(clock, sleep)
    throttle.hold(5)
    worker = threading.Thread(target=throttle.wait)
    worker.start()
    worker.join(5)
    assert not worker.is_alive()
    assert sleep.calls == [5]


def test_429_holds_the_throttle_for_the_retry_after_delay():
    harness = Harness([response(429, raw='', headers={'Retry-After': '12'}), response(200, OK)])
    start = harness.clock()
    harness.client.get(N1)
    assert harness.sleep.calls == [12.0]
    assert harness.sent[1].clock_time - start == 12.0


def test_after_a_429_another_call_of_the_same_client_waits_for_the_hold():
    """Worker A is told 429 / Retry-After: 10; worker B, starting while A waits, must not send before the hold ends."""
    a_waiting = threading.Event()
    b_done = threading.Event()
    lock = threading.Lock()
    state = {'a_requests': 0}

    def record_of(sent):
        # Each worker's answer holds its own number: another number would be a contradiction.
        number = N1 if sent.path.endswith('%2B18885550100') else N2
        return response(200, {'phone_number': dict(OK['phone_number'], phone_number=number)})

    def handler(sent):
        if sent.thread == 'worker-a':
            with lock:
                state['a_requests'] += 1
                first = state['a_requests'] == 1
            return response(429, raw='', headers={'Retry-After': '10'}) if first else record_of(sent)
        return record_of(sent)

    clock = FakeClock()
    record = FakeSleep(clock)
    sleeps = []

    def sleep(seconds):
        sleeps.append((threading.current_thread().name, seconds))
        if threading.current_thread().name == 'worker-a' and not a_waiting.is_set():
            a_waiting.set()
            b_done.wait(5)
        record(seconds)

    harness = Harness(handler=handler, clock=clock, sleep=sleep)
    start = harness.clock()
    errors = []

    def run(number):
        try:
            harness.client.get(number)
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)
        finally:
            if threading.current_thread().name == 'worker-b':
                b_done.set()

    worker_a = threading.Thread(target=run, args=(N1,), name='worker-a')
    worker_a.start()
    assert a_waiting.wait(5), 'worker A never waited after its 429'
    worker_b = threading.Thread(target=run, args=(N2,), name='worker-b')
    worker_b.start()
    worker_b.join(5)
    worker_a.join(5)
    assert not worker_a.is_alive() and not worker_b.is_alive()
    assert errors == []
    b_request = [s for s in harness.sent if s.thread == 'worker-b']
    assert len(b_request) == 1
    assert b_request[0].clock_time - start >= 10.0
    assert ('worker-b', 10.0) in sleeps
