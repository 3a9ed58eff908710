# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_api/retry.py: RetryPolicy by operation safety, the wall-clock retry budget and
the unreachable circuit."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import requests

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.retry import (
    DISCONNECTS_PER_TIMEOUT,
    NOT_SAFE_TO_RESEND,
    RETRY_BUDGET,
    SAFE_TO_RESEND,
    UNREACHABLE_AFTER,
)
from ansible_collections.invoca.messaging.tests.unit.fakes import TOKEN, FakeClock, Harness, response


PATH = '/sms/2022-08-01/messages'


OK = {'ok': True}


def refused():
    # "Connection refused": the request provably never reached the server.
    return requests.exceptions.ConnectionError('Failed to establish a new connection: [Errno 111] Connection refused')


# -- RetryPolicy ------------------------------------------------------------------------------------------------

def test_safe_to_resend_retries_500_502_503_504_429_and_not_a_plain_error():
    assert SAFE_TO_RESEND.retry_statuses == frozenset([429, 500, 502, 503, 504])
    assert NOT_SAFE_TO_RESEND.retry_statuses == frozenset([429])


@pytest.mark.parametrize('status', [500, 502, 503, 504, 429])
def test_safe_policy_resends_after_an_error_status(status):
    harness = Harness([response(status, raw=''), response(200, OK)])
    assert harness.transport.request('POST', PATH, policy=SAFE_TO_RESEND).status == 200
    assert len(harness.sent) == 2


@pytest.mark.parametrize('error', [requests.exceptions.ReadTimeout('read timed out'),
                                   requests.exceptions.ConnectionError('Connection reset by peer'),
                                   requests.exceptions.ChunkedEncodingError('IncompleteRead')])
def test_safe_policy_resends_after_a_timeout_or_a_lost_answer(error):
    harness = Harness([error, response(200, OK)])
    assert harness.transport.request('POST', PATH, policy=SAFE_TO_RESEND).status == 200
    assert len(harness.sent) == 2


@pytest.mark.parametrize('status', [500, 502, 503, 504])
def test_not_safe_policy_returns_an_ambiguous_error_status_without_resending(status):
    harness = Harness([response(status, raw='')])
    assert harness.transport.request('POST', PATH, policy=NOT_SAFE_TO_RESEND).status == status
    assert len(harness.sent) == 1
    assert harness.sleep.calls == []


def test_not_safe_policy_resends_after_a_429():
    harness = Harness([response(429, raw='', headers={'Retry-After': '2'}), response(200, OK)])
    assert harness.transport.request('POST', PATH, policy=NOT_SAFE_TO_RESEND).status == 200
    assert len(harness.sent) == 2


def test_not_safe_policy_resends_a_connection_that_was_never_made():
    harness = Harness([refused(), response(200, OK)])
    assert harness.transport.request('POST', PATH, policy=NOT_SAFE_TO_RESEND).status == 200
    assert len(harness.sent) == 2


@pytest.mark.parametrize('error', [requests.exceptions.ReadTimeout('read timed out'),
                                   requests.exceptions.ConnectionError('Connection reset by peer')])
def test_not_safe_policy_never_resends_after_a_lost_answer_and_says_it_may_have_applied(error):
    harness = Harness([error])
    with pytest.raises(ApiError) as caught:
        harness.transport.request('POST', PATH, policy=NOT_SAFE_TO_RESEND)
    assert caught.value.kind == 'transport'
    assert caught.value.may_have_applied is True
    assert len(harness.sent) == 1


# -- the retry budget -------------------------------------------------------------------------------------------

def test_overlapping_waits_are_charged_once():
    # Eight workers held by one 429 wait together: the budget is charged for the wall-clock time, not 8 times.
    harness = Harness([])
    transport = harness.transport
    for dummy in range(8):
        assert transport._charge(60.0, '429')
    assert transport.retry_summary() == {'retries': 8, 'causes': {'429': 8}, 'waited': 60.0}


def test_waits_that_follow_one_another_are_all_charged():
    clock = FakeClock()
    harness = Harness([], clock=clock)
    assert harness.transport._charge(60.0, '503')
    clock.advance(60.0)
    assert harness.transport._charge(60.0, '503')
    assert harness.transport.retry_summary()['waited'] == 120.0


def test_partly_overlapping_waits_are_charged_for_the_extra_time_only():
    clock = FakeClock()
    harness = Harness([], clock=clock)
    assert harness.transport._charge(60.0, '503')
    clock.advance(20.0)
    assert harness.transport._charge(60.0, '503')
    assert harness.transport.retry_summary()['waited'] == 80.0


def test_a_wait_booked_while_another_is_running_past_the_budget_is_refused():
    clock = FakeClock()
    harness = Harness([], clock=clock)
    for dummy in range(int(RETRY_BUDGET // 60)):
        assert harness.transport._charge(60.0, '503')
        clock.advance(60.0)
    assert not harness.transport._charge(1.0, '503')
    assert harness.transport.retry_summary()['waited'] == RETRY_BUDGET


def test_budget_spent_says_so():
    answers = [response(503, {'message': 'busy'}, headers={'Retry-After': '60'}) for dummy in range(6)]
    harness = Harness(answers, max_retries=20)
    with pytest.raises(ApiError) as caught:
        harness.transport.request('GET', PATH)
    error = caught.value
    assert error.kind == 'budget'
    assert 'retry budget of this task (%d s of waiting in all) is spent after 6 attempt(s)' % RETRY_BUDGET in str(error)
    assert 'HTTP 503' in str(error)


# -- the unreachable circuit ------------------------------------------------------------------------------------

def test_after_unreachable_after_unanswered_attempts_nothing_more_is_sent():
    timeouts = [requests.exceptions.ReadTimeout('read timed out')] * UNREACHABLE_AFTER
    harness = Harness(timeouts, max_retries=0)
    for dummy in range(UNREACHABLE_AFTER):
        with pytest.raises(ApiError) as caught:
            harness.transport.request('POST', PATH)
        assert caught.value.kind == 'transport'
    with pytest.raises(ApiError) as caught:
        harness.transport.request('POST', PATH)
    assert caught.value.kind == 'unreachable'
    assert 'not attempted' in str(caught.value)
    assert '%d writes in a row got no answer' % UNREACHABLE_AFTER in str(caught.value)
    assert len(harness.sent) == UNREACHABLE_AFTER


def test_an_answer_resets_the_unanswered_streak():
    timeouts = [requests.exceptions.ReadTimeout('read timed out')] * (UNREACHABLE_AFTER - 1)
    harness = Harness(timeouts + [response(200, OK)] + timeouts + [response(200, OK)], max_retries=0)
    for dummy in range(2):
        for dummy in range(UNREACHABLE_AFTER - 1):
            with pytest.raises(ApiError):
                harness.transport.request('GET', PATH)
        assert harness.transport.request('GET', PATH).status == 200
    assert harness.session.remaining == 0


def lost_answer():
    # The server took the request and closed the connection without answering: fast, unlike a timeout.
    return requests.exceptions.ConnectionError('Remote end closed connection without response')


def test_a_few_lost_answers_in_a_row_do_not_trip_the_circuit():
    # A proxy dropping answers at random drops a few in a row now and then; each costs milliseconds, and
    # sms_message looks the message up afterwards, which it cannot do once the circuit is open.
    harness = Harness([lost_answer()] * UNREACHABLE_AFTER + [response(200, OK)], max_retries=0)
    for dummy in range(UNREACHABLE_AFTER):
        with pytest.raises(ApiError) as caught:
            harness.transport.request('POST', PATH, policy=NOT_SAFE_TO_RESEND)
        assert caught.value.kind == 'transport'
    assert harness.transport.request('GET', PATH).status == 200


@pytest.mark.parametrize('silence', [lost_answer, refused], ids=['closed', 'refused'])
def test_a_server_closing_or_refusing_every_connection_trips_the_circuit_too(silence):
    closes = UNREACHABLE_AFTER * DISCONNECTS_PER_TIMEOUT
    harness = Harness([silence()] * closes, max_retries=0)
    for dummy in range(closes):
        with pytest.raises(ApiError) as caught:
            harness.transport.request('POST', PATH, policy=NOT_SAFE_TO_RESEND)
        assert caught.value.kind == 'transport'
        # A refused connection proves the send never left; a closed one does not.
        assert caught.value.may_have_applied is (silence is lost_answer)
    with pytest.raises(ApiError) as caught:
        harness.transport.request('POST', PATH, policy=NOT_SAFE_TO_RESEND)
    assert caught.value.kind == 'unreachable'
    assert '%d writes in a row got no answer' % closes in str(caught.value)
    assert len(harness.sent) == closes


def test_timeouts_and_lost_answers_add_up_by_their_cost():
    # Three timeouts and DISCONNECTS_PER_TIMEOUT lost answers: as much silence as four timeouts.
    failures = ([requests.exceptions.ReadTimeout('read timed out')] * (UNREACHABLE_AFTER - 1)
                + [lost_answer()] * DISCONNECTS_PER_TIMEOUT)
    harness = Harness(failures, max_retries=0)
    for dummy in failures:
        with pytest.raises(ApiError):
            harness.transport.request('GET', PATH)
    with pytest.raises(ApiError) as caught:
        harness.transport.request('GET', PATH)
    assert caught.value.kind == 'unreachable'


def test_a_few_refused_connections_do_not_trip_the_circuit():
    # A refused connection costs milliseconds, like a lost answer: a few in a row are retried under max_retries.
    harness = Harness([refused()] * (UNREACHABLE_AFTER + 2) + [response(200, OK)], max_retries=UNREACHABLE_AFTER + 2)
    assert harness.transport.request('GET', PATH).status == 200


def test_connect_timeouts_trip_the_circuit_like_read_timeouts():
    # A host that drops packets: every attempt costs the whole timeout, and none reaches the server.
    harness = Harness([requests.exceptions.ConnectTimeout('connect timed out')] * (UNREACHABLE_AFTER * 4),
                      max_retries=3)
    errors = []
    for dummy in range(10):
        with pytest.raises(ApiError) as caught:
            harness.transport.request('POST', PATH, policy=NOT_SAFE_TO_RESEND)
        errors.append(caught.value)
    assert len(harness.sent) == UNREACHABLE_AFTER
    assert [e.kind for e in errors[1:]] == ['unreachable'] * 9
    assert not any(e.may_have_applied for e in errors)


@pytest.mark.parametrize('method', ['GET', 'POST'])
def test_an_unusable_location_is_shown_cut_short_and_without_the_token(method):
    location = 'http://[%s' % TOKEN + 'x' * 5000
    harness = Harness([response(302, raw='', headers={'Location': location})])
    with pytest.raises(ApiError) as caught:
        harness.transport.request(method, PATH)
    text = str(caught.value)
    assert TOKEN not in text and TOKEN[:8] not in text
    assert len(text) < 600


@pytest.mark.parametrize('error', [
    requests.exceptions.ConnectionError('connection to https://x/?token=%s reset' % TOKEN),
    ValueError('Invalid header value %r' % ('Bearer ' + TOKEN + '\n').encode()),
    requests.exceptions.SSLError('certificate for %s' % TOKEN[:10]),
])
def test_exception_texts_never_carry_the_token(error):
    harness = Harness([error], max_retries=0)
    with pytest.raises(ApiError) as caught:
        harness.transport.request('GET', PATH)
    for piece in (TOKEN, TOKEN[:8], TOKEN[-8:]):
        assert piece not in str(caught.value)


def test_reads_answered_between_hanging_writes_do_not_keep_the_writes_going():
    # A server that answers the look-ups sms_message makes after each unanswered send, but hangs on every send.
    def handler(sent):
        if sent.method == 'POST':
            return requests.exceptions.ReadTimeout('read timed out')
        return response(200, OK)

    harness = Harness(handler=handler, max_retries=0)
    for dummy in range(UNREACHABLE_AFTER):
        with pytest.raises(ApiError) as caught:
            harness.transport.request('POST', PATH, policy=NOT_SAFE_TO_RESEND)
        assert caught.value.kind == 'transport'
        assert harness.transport.request('GET', PATH).status == 200
    with pytest.raises(ApiError) as caught:
        harness.transport.request('POST', PATH, policy=NOT_SAFE_TO_RESEND)
    assert caught.value.kind == 'unreachable'
    assert '%d writes in a row got no answer' % UNREACHABLE_AFTER in str(caught.value)
    # The reads still go: a look-up can still settle what the unanswered sends did.
    assert harness.transport.request('GET', PATH).status == 200
    assert [s.method for s in harness.sent].count('POST') == UNREACHABLE_AFTER


def test_a_server_answering_no_read_stops_the_writes_too():
    harness = Harness([requests.exceptions.ReadTimeout('read timed out')] * UNREACHABLE_AFTER, max_retries=0)
    for dummy in range(UNREACHABLE_AFTER):
        with pytest.raises(ApiError):
            harness.transport.request('GET', PATH)
    with pytest.raises(ApiError) as caught:
        harness.transport.request('POST', PATH)
    assert caught.value.kind == 'unreachable'
    assert len(harness.sent) == UNREACHABLE_AFTER
