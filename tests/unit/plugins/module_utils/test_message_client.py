# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""MessageClient on a scripted session, ExactlyOnceSender on an in-memory API, and the delivery wait."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest
import requests

from ansible_collections.invoca.messaging.plugins.module_utils.message_client import (
    EPOCH,
    ExactlyOnceSender,
    InvalidMessageId,
    MessageClient,
    delivery_status,
    format_timestamp,
    parse_timestamp,
    poll_delays,
    polls_bound,
    wait_for_delivery,
)
from ansible_collections.invoca.messaging.plugins.module_utils.message_plan import (
    already_received,
    plan_send,
    segment_count,
)
from ansible_collections.invoca.messaging.plugins.module_utils.transport import ApiError
from ansible_collections.invoca.messaging.tests.unit.fakes import (
    N1,
    N2,
    N3,
    FakeClock,
    FakeMessageClient,
    FakeSleep,
    Harness,
    response,
)

SENDER = '+18885550199'


def messages_harness(script=(), handler=None, **kwargs):
    harness = Harness(script, handler, **kwargs)
    harness.messages = MessageClient(harness.transport)
    return harness


def record(uuid, to, text='hi', created_at='2024-01-01T00:00:01.000Z', **extra):
    item = {'uuid': uuid, 'from': SENDER, 'to': to, 'text': text, 'direction': 'out', 'created_at': created_at,
            'deleted_at': None}
    item.update(extra)
    return item


def page(records):
    return {'messages': records, 'pagination': {'count': len(records), 'page': 1, 'items': 500, 'pages': 1,
                                                'next': None, 'next_url': None}}


# -- MessageClient.send: never resent after an ambiguous failure -------------------------------------------------

def test_send_posts_one_recipient_as_an_array_and_returns_its_record():
    harness = messages_harness([response(202, page([record('u1', N1)]))])
    assert harness.messages.send(SENDER, N1, 'hi')['uuid'] == 'u1'
    sent = harness.sent[0]
    assert (sent.method, sent.path) == ('POST', '/sms/2022-08-01/messages')
    assert sent.json == [{'to': [N1], 'from': SENDER, 'text': 'hi'}]


@pytest.mark.parametrize('failure', [
    requests.exceptions.ReadTimeout('read timed out'),
    requests.exceptions.ChunkedEncodingError('connection reset'),
    response(500, {'message': 'Internal Server Error'}),
    response(503, {'message': 'Service Unavailable'}),
    response(202, {'messages': 'oops'}),
    response(202, raw='<html>', content_type='text/html'),
], ids=['timeout', 'reset', '500', '503', 'wrong-shape', 'html'])
def test_ambiguous_send_failure_is_never_resent(failure):
    harness = messages_harness([failure], max_retries=3)
    with pytest.raises(ApiError) as caught:
        harness.messages.send(SENDER, N1, 'hi')
    assert caught.value.may_have_applied is True
    assert len(harness.sent) == 1


def test_refused_connection_and_429_are_retried_because_nothing_reached_the_server():
    refused = requests.exceptions.ConnectionError('[Errno 111] Connection refused')
    harness = messages_harness([refused, response(429, {'message': 'Too Many Requests'}, headers={'Retry-After': '1'}),
                                response(202, page([record('u1', N1)]))], max_retries=3)
    assert harness.messages.send(SENDER, N1, 'hi')['uuid'] == 'u1'
    assert len(harness.sent) == 3


@pytest.mark.parametrize('status', [400, 404, 409, 422])
def test_refused_send_is_a_failure_that_did_not_apply(status):
    harness = messages_harness([response(status, {'message': 'Validation failed'})])
    with pytest.raises(ApiError) as caught:
        harness.messages.send(SENDER, N1, 'hi')
    assert caught.value.may_have_applied is False and caught.value.status == status


def test_answer_naming_another_recipient_is_not_taken_for_success():
    harness = messages_harness([response(202, page([record('u1', N2)]))])
    with pytest.raises(ApiError) as caught:
        harness.messages.send(SENDER, N1, 'hi')
    assert caught.value.may_have_applied is True


# -- reads ------------------------------------------------------------------------------------------------------

def test_outgoing_filters_on_the_server_and_again_here():
    other = dict(record('u3', N1), **{'from': N3})
    inbound = dict(record('u4', N1), direction='in')
    early = record('u5', N1, created_at='2023-12-31T23:59:59.000Z')
    harness = messages_harness([response(200, page([record('u1', N1), other, inbound, early,
                                                    record('u2', '18885550101')]))])
    found = harness.messages.outgoing(SENDER, '2024-01-01T00:00:00.000Z')
    assert [(item['uuid'], item['to']) for item in found] == [('u1', N1), ('u2', N2)]
    params = dict(harness.sent[0].params)
    assert params['from[eq]'] == SENDER and params['direction[eq]'] == 'out'
    assert params['created_at[gte]'] == '2024-01-01T00:00:00.000Z'


def test_old_api_version_filters_outbound():
    harness = messages_harness([response(200, {'messages': [], 'page': {'count': 0, 'next': None}})],
                               api_version='2022-05-01')
    harness.messages.outgoing(SENDER, EPOCH)
    assert dict(harness.sent[0].params)['direction[eq]'] == 'outbound'


def test_listing_without_a_date_filter_covers_all_time():
    # The API shows only today's messages unless created_at is filtered.
    harness = messages_harness([response(200, page([]))])
    list(harness.messages.listing())
    assert dict(harness.sent[0].params)['created_at[gte]'] == EPOCH


def test_get_and_delete_of_an_unknown_uuid_give_none():
    missing = {'message': 'Not Found - Could not find any messages for the requested uuid'}
    harness = messages_harness([response(404, missing), response(404, missing)])
    assert harness.messages.get('abc-1') is None
    assert harness.messages.delete('abc-1') is None
    assert [sent.path for sent in harness.sent] == ['/sms/2022-08-01/messages/uuid/abc-1'] * 2


def test_generic_404_is_an_error_not_absence():
    harness = messages_harness([response(404, {'message': 'Not Found'})])
    with pytest.raises(ApiError):
        harness.messages.get('abc-1')


@pytest.mark.parametrize('bad', ['', '../phone_numbers', 'a/b', 'x' * 200, None, 'uuid?x=1'])
def test_no_request_path_from_a_bad_uuid(bad):
    harness = messages_harness([])
    with pytest.raises(InvalidMessageId):
        harness.messages.get(bad)
    assert harness.sent == []


def test_messages_of_a_number_without_any_is_empty():
    harness = messages_harness([response(404, {'message': 'Could not find any messages for the requested phone '
                                                          'number'})])
    listing = harness.messages.by_number(N1)
    assert list(listing) == [] and listing.count == 0
    assert harness.sent[0].path == '/sms/2022-08-01/messages/phone_number/%2B18885550100'


def test_usage_of_a_number_not_in_the_system_is_none():
    harness = messages_harness([response(404, {'message': 'Not Found - the requested phone number, +18885550100, '
                                                          'is not in the system'})])
    assert harness.messages.usage(N1) is None


@pytest.mark.parametrize('fields, status', [
    ({}, 'pending'),
    ({'delivered_at': '2024-01-01T00:00:01.000Z'}, 'delivered'),
    ({'failed_at': '2024-01-01T00:00:01.000Z'}, 'failed'),
    ({'carrier_errorcode': 4720}, 'failed'),
    # progress_bit is undefined in the contract: it says nothing here.
    ({'progress_bit': 1}, 'pending'),
])
def test_delivery_status_comes_from_the_timestamps(fields, status):
    assert delivery_status(dict(record('u1', N1), **fields)) == status


def test_timestamps_round_trip():
    when = datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)
    assert format_timestamp(when) == '2024-01-02T03:04:05.678Z'
    assert parse_timestamp('2024-01-02T03:04:05.678Z') == when
    assert parse_timestamp('2024-01-02 03:04:05 UTC') == when.replace(microsecond=0)
    assert parse_timestamp('yesterday') is None and parse_timestamp(None) is None


# -- ExactlyOnceSender on the in-memory API (FakeMessageClient) ---------------------------------------------------------------------

def memory_api(faults=(), existing=(), lookup_error=False):
    """The in-memory API the sender talks to: SENDER is one of its numbers; ``faults`` apply to the next sends."""
    return FakeMessageClient(existing, senders=[SENDER], faults=faults, lookup_error=lookup_error)


def sender_for(api, text='hi'):
    once = ExactlyOnceSender(api, SENDER, text, recheck_delay=2.0, sleep=lambda seconds: None)
    once.prepare()
    return once


@pytest.mark.parametrize('fault', ['lost', 'applied_5xx', 'late'])
def test_applied_send_without_answer_is_found_and_not_resent(fault):
    api = memory_api([fault])
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'sent' and outcome.record['uuid'] == 'm1'
    assert len(api.sends) == 1 and len(api.stored) == 1


def test_proven_absent_after_a_second_look_is_resent():
    api = memory_api(['refused_5xx'])
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'sent' and outcome.attempts == 2
    assert len(api.sends) == 2 and len(api.stored) == 1
    # prepare() reads once (the messages at the mark), then two look-ups a pause apart before resending.
    assert api.lookups == 1 + 2


def test_at_most_three_posts_per_recipient():
    api = memory_api(['refused_5xx'] * 5)
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'unknown' and len(api.sends) == 3
    assert 'not sent again' in str(outcome.error)


def test_failed_lookup_makes_the_outcome_unknown_and_nothing_is_resent():
    api = memory_api(['lost'], lookup_error=True)
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'unknown' and len(api.sends) == 1
    assert 'looking for the message afterwards failed' in str(outcome.error)


def test_refused_send_fails_without_lookup():
    api = memory_api(['refused'])
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'failed' and outcome.error.status == 422 and api.lookups == 1


def test_identical_message_from_before_the_task_is_not_ours():
    earlier = record('old-1', N1, created_at='2024-01-01T00:00:59.000Z')
    api = memory_api(['refused_5xx'], existing=[earlier])
    outcome = sender_for(api).send(N1)
    # The old message matches recipient and text, but was there before: absent, so resent.
    assert outcome.state == 'sent' and outcome.record['uuid'] != 'old-1' and len(api.sends) == 2


def test_other_recipients_and_texts_do_not_match():
    api = memory_api(['refused_5xx'])
    once = sender_for(api, text='hi')
    api.add(record('x1', N2, 'hi', created_at='2024-01-01T00:02:00.000Z'))
    api.add(record('x2', N1, 'other', created_at='2024-01-01T00:02:00.000Z'))
    outcome = once.send(N1)
    assert outcome.state == 'sent' and outcome.record['uuid'] not in ('x1', 'x2') and len(api.sends) == 2


def test_the_mark_is_the_servers_newest_message_or_the_epoch():
    assert sender_for(memory_api()).mark == EPOCH
    api = memory_api(existing=[record('old-1', N1, created_at='2024-01-01T00:00:59.000Z')])
    assert sender_for(api).mark == '2024-01-01T00:00:59.000Z'


# -- waiting for delivery ---------------------------------------------------------------------------------------

def test_poll_intervals_grow_and_are_bounded():
    assert poll_delays(300)[:6] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert sum(poll_delays(300)) == 300 and polls_bound(300) == 34
    assert poll_delays(2.5) == [1.0, 1.5]


def delivering_api(recipients, sleep, **delivery):
    """An in-memory API where ``recipients`` were each sent one message; ``sleep`` also moves its clock."""
    api = FakeMessageClient(senders=[SENDER], **delivery)
    sent = dict((api.send(SENDER, to, 'hi')['uuid'], to) for to in recipients)
    api.calls = []

    def sleep_and_advance(seconds):
        sleep(seconds)
        api.advance_clock(seconds)
    return api, sent, sleep_and_advance


def test_wait_polls_one_listing_per_round_until_settled():
    clock = FakeClock()
    sleep = FakeSleep(clock)
    recipients = ['+1555123%04d' % index for index in range(100)]
    # Settled 5 simulated seconds after the send: the rounds at 0, 1 and 3 s see them pending, the one at 7 s not.
    api, sent, sleep_and_advance = delivering_api(recipients, sleep, delivery_delay=5,
                                                  message_outcomes={'+15551230007': 'failed'})
    entries, rounds = wait_for_delivery(api, SENDER, EPOCH, sent, 300, sleep=sleep_and_advance, clock=clock)
    assert rounds == 4 and api.lookups == 4
    # Every listed 2022-08-01 record carries delivered_at and failed_at: no message is read on its own.
    assert not any(action == 'get' for action, dummy in api.calls)
    assert sleep.calls == [1.0, 2.0, 4.0]
    failed = [entry for entry in entries.values() if entry['to'] == '+15551230007']
    # The carrier's error is only on the single delivery report, as the API has it.
    assert [(entry['status'], entry['carrier_error_code']) for entry in failed] == [('failed', 4720)]
    assert sum(1 for entry in entries.values() if entry['status'] == 'delivered') == 99


def test_wait_gives_up_at_the_timeout_with_pending_messages():
    clock = FakeClock()
    sleep = FakeSleep(clock)
    api, sent, sleep_and_advance = delivering_api([N1], sleep, default_outcome='pending')
    entries, rounds = wait_for_delivery(api, SENDER, EPOCH, sent, 30, sleep=sleep_and_advance, clock=clock)
    assert [entry['status'] for entry in entries.values()] == ['pending']
    assert rounds <= polls_bound(30) and sleep.total <= 30


# -- planning ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('text, expected', [
    ('', (0, 'GSM-7')),
    ('a' * 160, (1, 'GSM-7')),
    ('a' * 161, (2, 'GSM-7')),
    ('a' * 306, (2, 'GSM-7')),
    ('a' * 307, (3, 'GSM-7')),
    ('{' * 80, (1, 'GSM-7')),
    ('{' * 81, (2, 'GSM-7')),
    (u'\u00e7' * 70, (1, 'UCS-2')),
    (u'\u00e7' * 71, (2, 'UCS-2')),
    (u'\u00e7' * 134, (2, 'UCS-2')),
    (u'\U0001F680' * 35, (1, 'UCS-2')),
    (u'\U0001F680' * 36, (2, 'UCS-2')),
])
def test_segment_count(text, expected):
    assert segment_count(text) == expected


def test_dedupe_skips_only_the_same_text_from_the_same_number_within_the_window():
    since = datetime.datetime(2024, 1, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)
    later = since + datetime.timedelta(seconds=1)
    earlier = since - datetime.timedelta(seconds=1)
    records = [(record('a', N1, 'hi'), later), (record('b', N2, 'hi'), earlier), (record('c', N3, 'other'), later),
               (dict(record('d', N3, 'hi'), **{'from': N2}), later), (record('e', N3, 'hi'), None)]
    received = already_received(records, SENDER, 'hi', since)
    assert received == set([N1])
    assert plan_send([N1, N2, N3], received) == ([N2, N3], [N1])
