# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""MessageClient on a scripted session, ExactlyOnceSender on an in-memory API, and the delivery wait."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

import pytest
import requests

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._messages.client import (
    EPOCH,
    ExactlyOnceSender,
    InvalidMessageId,
    MessageClient,
    UnusableMessageId,
    delivery_status,
    format_timestamp,
    is_not_found,
    parse_timestamp,
    poll_delays,
    polls_bound,
    wait_for_delivery,
)
from ansible_collections.invoca.messaging.plugins.module_utils._messages.plan import (
    already_received,
    plan_send,
    segment_count,
)
from ansible_collections.invoca.messaging.tests.unit.fakes import (
    N1,
    N2,
    N3,
    TOKEN,
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
    # MARK_MARGIN (10 minutes) before the newest message: API hosts' clocks may differ.
    assert sender_for(api).mark == '2023-12-31T23:50:59.000Z'


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


# -- a send answered with a uuid that cannot be one ---------------------------------------------------------------

HOSTILE_UUID = TOKEN + '/x'


def test_accepted_send_with_an_unusable_uuid_never_shows_it():
    harness = messages_harness([response(202, page([record(HOSTILE_UUID, N1)]))])
    with pytest.raises(UnusableMessageId) as caught:
        harness.messages.send(SENDER, N1, 'hi')
    assert caught.value.may_have_applied is True
    assert 'not a message identifier' in str(caught.value)
    assert HOSTILE_UUID not in str(caught.value) and TOKEN not in str(caught.value)


def test_unusable_uuid_of_an_accepted_send_is_unknown_and_not_resent():
    error = UnusableMessageId('POST', '/sms/2022-08-01/messages', 'unusable uuid', status=202, kind='malformed',
                              may_have_applied=True)
    api = memory_api([error])
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'unknown' and len(api.sends) == 1


# -- any failure that may have stored the message leads to the look-up -------------------------------------------

class StoresThenExplodes(FakeMessageClient):
    def send(self, sender, recipient, text):
        FakeMessageClient.send(self, sender, recipient, text)
        raise RuntimeError('something no one foresaw')


def test_unexpected_exception_after_the_send_is_looked_up_and_not_resent():
    api = StoresThenExplodes(senders=[SENDER])
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'sent' and outcome.record['uuid'] == 'm1' and len(api.sends) == 1


def test_malformed_answer_to_the_post_is_looked_up_even_when_not_marked_applied():
    malformed = ApiError('POST', '/sms/2022-08-01/messages', 'a body that is not JSON', status=202, kind='malformed')
    api = memory_api([malformed])
    outcome = sender_for(api).send(N1)
    # Looked for twice (nothing stored), then sent again: the look-up ran.
    assert outcome.state == 'sent' and api.lookups == 1 + 2 and len(api.sends) == 2


def test_unexpected_exception_with_a_failing_lookup_is_unknown():
    api = StoresThenExplodes(senders=[SENDER], lookup_error=True)
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'unknown' and len(api.sends) == 1


# -- the mark, and texts the API trims -----------------------------------------------------------------------------

def test_new_message_stamped_before_the_mark_is_still_found():
    # Another API host stamps our message 5 s before the newest message that existed before the task.
    api = memory_api(['lost'], existing=[record('old-1', N1, created_at='2024-01-01T00:00:59.000Z')])
    api.send_skew = -5.0
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'sent' and outcome.record['uuid'] != 'old-1'
    assert len(api.sends) == 1


def test_lookup_matches_a_text_the_api_trimmed():
    api = memory_api(['lost'])
    api.text_transform = lambda text: text.strip()
    outcome = sender_for(api, text='Deploy done\r\n').send(N1)
    assert outcome.state == 'sent' and len(api.sends) == 1


def test_lookup_reads_every_page_oldest_first():
    old = record('old-1', N1, created_at='2024-01-01T00:00:01.000Z')
    other = record('u2', N2, created_at='2024-01-01T00:00:02.000Z')
    ours = record('u3', N1, created_at='2024-01-01T00:00:03.000Z')

    def paged(records, number, pages, count):
        return {'messages': records, 'pagination': {'count': count, 'page': number, 'items': 2, 'pages': pages,
                                                    'next': number + 1 if number < pages else None}}
    harness = messages_harness([
        response(200, page([old])),                                  # the newest message: the mark
        response(200, page([old])),                                  # the messages since the mark
        response(202, raw='not json', content_type='text/plain'),    # the send's answer cannot be read
        response(200, paged([old, other], 1, 2, 3)),                 # the look-up: two pages
        response(200, paged([ours], 2, 2, 3)),
    ])
    once = ExactlyOnceSender(harness.messages, SENDER, 'hi', sleep=lambda seconds: None)
    once.prepare()
    outcome = once.send(N1)
    assert outcome.state == 'sent' and outcome.record['uuid'] == 'u3'
    assert [sent.method for sent in harness.sent].count('POST') == 1
    lookups = [dict(sent.params) for sent in harness.sent[3:]]
    assert [params.get('page', '1') for params in lookups] == ['1', '2']
    assert all(params['sort'] == 'created_at:asc' for params in lookups)


# -- the 2022-05-01 send body --------------------------------------------------------------------------------------

def test_old_api_version_posts_one_object():
    harness = messages_harness([response(202, {'messages': [record('u1', N1)], 'page': {'count': 1, 'next': None}})],
                               api_version='2022-05-01')
    assert harness.messages.send(SENDER, N1, 'hi')['uuid'] == 'u1'
    assert harness.sent[0].json == {'to': N1, 'from': SENDER, 'text': 'hi'}


def test_array_refused_as_not_a_hash_is_sent_again_as_one_object():
    harness = messages_harness([response(400, {'message': 'The request body you provide must be a JSON hash'}),
                                response(202, page([record('u1', N1)])),
                                response(202, page([record('u2', N2)]))])
    assert harness.messages.send(SENDER, N1, 'hi')['uuid'] == 'u1'
    assert harness.messages.send(SENDER, N2, 'hi')['uuid'] == 'u2'
    assert [sent.json for sent in harness.sent] == [[{'to': [N1], 'from': SENDER, 'text': 'hi'}],
                                                    {'to': N1, 'from': SENDER, 'text': 'hi'},
                                                    {'to': N2, 'from': SENDER, 'text': 'hi'}]


# -- dedupe ----------------------------------------------------------------------------------------------------------

def test_dedupe_leaves_out_messages_that_failed_at_the_carrier():
    since = datetime.datetime(2024, 1, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)
    later = since + datetime.timedelta(seconds=1)
    failed_report = {'uuid': 'r1', 'created_at': '2024-01-01T00:00:02.000Z', 'carrier_errorcode': 4720}
    records = [(record('a', N1, failed_at='2024-01-01T00:00:02.000Z'), later),
               (record('b', N2, carrier_errorcode=4720), later),
               (record('c', N3, delivery_reports=[failed_report]), later)]
    assert already_received(records, SENDER, 'hi', since) == set()


def test_dedupe_compares_texts_after_normalising_line_endings_and_surrounding_space():
    since = datetime.datetime(2024, 1, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)
    later = since + datetime.timedelta(seconds=1)
    records = [(record('a', N1, 'line one\nline two'), later)]
    assert already_received(records, SENDER, 'line one\r\nline two\n', since) == set([N1])
    assert already_received(records, SENDER, 'line one line two', since) == set()


# -- delivery: wrong shapes, the contract's list shape, 2022-05-01 ------------------------------------------------

class ListingOnly:
    """A client whose listing holds ``records``; any other read fails the test unless given."""

    def __init__(self, records, reports=None):
        self.records = records
        self.reports = reports or {}
        self.calls = []

    def outgoing(self, sender, since):
        self.calls.append('outgoing')
        return [dict(item) for item in self.records]

    def get(self, uuid):
        self.calls.append('get')
        return next((dict(item) for item in self.records if item['uuid'] == uuid), None)

    def delivery_reports(self, uuid, max_records=None):
        self.calls.append('delivery_reports')
        raise ApiError('GET', '/x', 'Internal Server Error', status=500)

    def delivery_report(self, uuid, report_uuid):
        self.calls.append('delivery_report')
        return self.reports.get(report_uuid)


def test_wait_survives_delivery_reports_that_are_not_a_list():
    failed = record('u1', N1, failed_at='2024-01-01T00:00:02.000Z', delivered_at=None, delivery_reports=5)
    notes = []
    entries, rounds = wait_for_delivery(ListingOnly([failed]), SENDER, EPOCH, {'u1': N1}, 5,
                                        sleep=lambda seconds: None, notes=notes)
    assert entries['u1']['status'] == 'failed' and entries['u1']['carrier_error_code'] is None
    assert rounds == 1 and any('not as a list' in note for note in notes)


def test_contract_list_items_without_reports_are_pending_without_a_get():
    # The 2022-08-01 contract's list items carry delivery_reports but neither delivered_at nor failed_at.
    item = {'uuid': 'u1', 'from': SENDER, 'to': N1, 'text': 'hi', 'direction': 'out',
            'created_at': '2024-01-01T00:00:01.000Z', 'deleted_at': None, 'delivery_reports': []}
    client = ListingOnly([item])
    clock = FakeClock()
    entries, rounds = wait_for_delivery(client, SENDER, EPOCH, {'u1': N1}, 3, sleep=FakeSleep(clock), clock=clock)
    assert entries['u1']['status'] == 'pending' and rounds == 3
    assert client.calls == ['outgoing'] * 3


def test_old_api_record_without_failed_at_fails_by_its_newest_report():
    summary = {'uuid': 'r1', 'created_at': '2024-01-01T00:00:02.000Z', 'progress_bit': 0}
    detail = dict(summary, message_uuid='u1', destination=N1, carrier_description='Invalid destination',
                  carrier_errorcode=4720)
    old = {'uuid': 'u1', 'virtual_line_id': 1, 'from': SENDER, 'to': N1, 'direction': 'outbound',
           'created_at': '2024-01-01T00:00:01.000Z', 'deleted_at': None, 'delivered_at': '2024-01-01T00:00:02.000Z',
           'delivery_reports': [summary]}
    client = ListingOnly([old], reports={'r1': detail})
    entries, rounds = wait_for_delivery(client, SENDER, EPOCH, {'u1': N1}, 300, sleep=lambda seconds: None)
    assert rounds == 1
    assert (entries['u1']['status'], entries['u1']['carrier_error_code'], entries['u1']['failed_at']) == (
        'failed', 4720, '2024-01-01T00:00:02.000Z')
    assert 'get' not in client.calls


# -- 404s and contradictions ---------------------------------------------------------------------------------------

NO_SUCH_UUID = {'message': 'Not Found - Could not find any messages for the requested uuid'}


def test_get_answered_with_another_message_is_a_contradiction():
    harness = messages_harness([response(200, {'message': record('other-1', N1)})])
    with pytest.raises(ApiError) as caught:
        harness.messages.get('abc-1')
    assert caught.value.kind == 'contradiction'


@pytest.mark.parametrize('answered', [record('other-1', N1, deleted_at='2024-01-01T00:00:02.000Z'),
                                      record('abc-1', N1, deleted_at=None)], ids=['another-uuid', 'not-deleted'])
def test_delete_answered_with_a_contradicting_record_is_an_error_that_may_have_applied(answered):
    harness = messages_harness([response(200, {'message': answered})])
    with pytest.raises(ApiError) as caught:
        harness.messages.delete('abc-1')
    assert caught.value.kind == 'contradiction' and caught.value.may_have_applied is True


def test_delete_answered_204_is_deleted_not_absent():
    harness = messages_harness([response(204, raw='')])
    assert harness.messages.delete('abc-1') == {'uuid': 'abc-1'}


@pytest.mark.parametrize('words', ['Not Found', 'Not Found - Could not find any messages for the requested phone number',
                                   'Not Found \u2014 The request could not be completed due the requested object '
                                   'identifier being unknown to SMS Messaging.'])
def test_a_404_not_in_the_apis_words_for_a_message_is_an_error(words):
    harness = messages_harness([response(404, {'message': words}), response(404, {'message': words})])
    with pytest.raises(ApiError):
        harness.messages.get('abc-1')
    with pytest.raises(ApiError):
        harness.messages.delete('abc-1')


def test_a_404_in_the_apis_words_after_a_redirect_is_not_absence():
    harness = messages_harness([response(302, raw='', headers={'Location': 'https://other.example.test/moved'}),
                                response(404, NO_SUCH_UUID)])
    with pytest.raises(ApiError) as caught:
        harness.messages.get('abc-1')
    assert caught.value.status == 404 and caught.value.redirected_to
    # A write is never redirected by the transport; the rule holds for any error that came after one.
    error = ApiError('DELETE', '/x', NO_SUCH_UUID['message'], status=404, api_message=NO_SUCH_UUID['message'],
                     redirected_to='https://other.example.test/moved')
    assert is_not_found(error, re.compile('could not find any messages for the requested uuid', re.I)) is False
    assert is_not_found(ApiError('DELETE', '/x', 'x', status=404, api_message=NO_SUCH_UUID['message']),
                        re.compile('could not find any messages for the requested uuid', re.I)) is True


def test_delivery_report_404_counts_only_in_the_apis_words():
    harness = messages_harness([response(404, {'message': 'Not Found'}), response(404, {
        'message': 'Not Found - Could not find any delivery reports for the requested delivery report uuid'})])
    with pytest.raises(ApiError):
        harness.messages.delivery_report('abc-1', 'r-1')
    assert harness.messages.delivery_report('abc-1', 'r-1') is None


def test_delivery_report_of_another_report_is_a_contradiction():
    harness = messages_harness([response(200, {'delivery_report': {'uuid': 'r-2', 'message_uuid': 'abc-1'}})])
    with pytest.raises(ApiError) as caught:
        harness.messages.delivery_report('abc-1', 'r-1')
    assert caught.value.kind == 'contradiction'


def test_usage_404_about_another_number_or_of_another_number_is_an_error():
    harness = messages_harness([
        response(404, {'message': 'Not Found - the requested phone number, +18885550999, is not in the system'}),
        response(200, {'messages': {'phone_number': '+18885550999', 'outgoing': {}, 'incoming': {}}})])
    with pytest.raises(ApiError):
        harness.messages.usage(N1)
    with pytest.raises(ApiError) as caught:
        harness.messages.usage(N1)
    assert caught.value.kind == 'contradiction'


def test_delivery_status_reads_the_newest_reports_carrier_error():
    reports = [{'uuid': 'r1', 'carrier_errorcode': None}, {'uuid': 'r2', 'carrier_errorcode': 4720}]
    assert delivery_status(dict(record('u1', N1), delivery_reports=reports)) == 'failed'
    assert delivery_status(dict(record('u1', N1), delivery_reports=5)) == 'pending'
