# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_messages/client.py: MessageClient on the Transport: sending (what proves a
message was or was not stored), listing outgoing messages, reads and deletes and the 404s in the API's own words."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import re
import threading

import pytest
import requests

from ansible_collections.invoca.messaging.plugins.module_utils._api.conventions import is_api_not_found
from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._messages.client import MessageClient, proven_not_stored
from ansible_collections.invoca.messaging.plugins.module_utils._messages.records import (
    InvalidMessageId,
    format_timestamp,
)
from ansible_collections.invoca.messaging.tests.unit.api_examples import (
    MESSAGES_OF_NUMBER_404,
    MESSAGE_404,
    NOT_A_HASH_400_TEXT,
    SEND_2022_05_01_200,
    SEND_2022_08_01_202,
    UNPROCESSABLE_422_TEXT,
)
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, N3, Harness, response
from ansible_collections.invoca.messaging.tests.unit.plugins.module_utils._api.test_http import Stream, streamed


SENDER = '+18885550199'


MESSAGES = '/sms/2022-08-01/messages'


# Where the task's look-ups start, and records on either side of it.
SINCE = datetime.datetime(2024, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


def at(seconds):
    """A timestamp ``seconds`` after SINCE (before it when negative), as the API writes it."""
    return format_timestamp(SINCE + datetime.timedelta(seconds=seconds))


def messages_harness(script=(), handler=None, **kwargs):
    harness = Harness(script, handler, **kwargs)
    harness.messages = MessageClient(harness.transport)
    return harness


def record(uuid, to, text='hi', created_at='2024-01-01T12:00:01.000Z', **extra):
    item = {'uuid': uuid, 'from': SENDER, 'to': to, 'text': text, 'direction': 'out', 'created_at': created_at,
            'deleted_at': None}
    item.update(extra)
    return item


def page(records, count=None, number=1, pages=1, next_page=None):
    return {'messages': records, 'pagination': {'count': len(records) if count is None else count, 'page': number,
                                                'items': 500, 'pages': pages, 'next': next_page}}


def posts(harness):
    return [sent for sent in harness.sent if sent.method == 'POST']


# -- post: what an answer to a send proves -----------------------------------------------------------------------

def test_the_contracts_202_names_the_message_and_the_body_is_an_array_of_one():
    harness = messages_harness([response(202, SEND_2022_08_01_202)])
    example = SEND_2022_08_01_202['messages'][0]
    receipt = harness.messages.post(example['from'], example['to'], example['text'])
    assert receipt.status == 202 and [item['uuid'] for item in receipt.records] == [example['uuid']]
    assert receipt.records[0]['to'] == example['to'] and receipt.records[0]['from'] == example['from']
    sent = harness.sent[0]
    assert (sent.method, sent.path) == ('POST', MESSAGES)
    assert sent.json == [{'to': [example['to']], 'from': example['from'], 'text': example['text']}]


def test_a_records_numbers_are_read_in_e164_and_a_one_item_to_array_as_its_item():
    harness = messages_harness([response(202, page([dict(record('u1', None), to=['1 888 555 0100'])]))])
    assert harness.messages.post(SENDER, N1, 'hi').records[0]['to'] == N1


@pytest.mark.parametrize('answer, status', [
    (response(200, SEND_2022_05_01_200), 200),
    (response(202, raw=''), 202),
    (response(204, raw='', content_type=None), 204),
    (response(202, raw='accepted!', content_type='text/plain'), 202),
    (response(200, raw='<html><body>OK</body></html>', content_type='text/html'), 200),
    (response(202, {'messages': 'oops'}), 202),
    (response(202, {'message': 'queued'}), 202),
], ids=['empty-object', 'empty', '204', 'not-json', 'html', 'messages-not-a-list', 'message-not-a-record'])
def test_any_2xx_is_acceptance_whatever_its_body_and_names_no_message(answer, status):
    harness = messages_harness([answer], max_retries=3)
    receipt = harness.messages.post(SENDER, N1, 'hi')
    assert (receipt.status, receipt.records) == (status, [])
    assert len(posts(harness)) == 1


def test_an_unreadable_gzip_2xx_is_acceptance():
    harness = messages_harness([streamed(Stream(data=b'this is not gzip'),
                                         {'Content-Type': 'application/json', 'Content-Encoding': 'gzip'}, status=202)])
    receipt = harness.messages.post(SENDER, N1, 'hi')
    assert (receipt.status, receipt.records) == (202, [])


def test_a_2xx_with_a_page_of_other_messages_lists_them_and_skips_records_without_a_uuid():
    # What to make of them (never the new message) is the sender's business: the receipt lists what it holds.
    others = [record('old-1', N2, created_at=at(-60)), {'from': SENDER, 'to': N1}, record('', N1), 'junk']
    harness = messages_harness([response(202, page(others))])
    receipt = harness.messages.post(SENDER, N1, 'hi')
    assert [item['uuid'] for item in receipt.records] == ['old-1']


def test_a_303_see_other_is_acceptance_and_is_not_followed():
    harness = messages_harness([response(303, raw='', headers={'Location': MESSAGES + '/uuid/u1'})])
    receipt = harness.messages.post(SENDER, N1, 'hi')
    assert (receipt.status, receipt.records) == (303, [])
    assert [sent.method for sent in harness.sent] == ['POST']


@pytest.mark.parametrize('status', [301, 302, 307, 308])
def test_another_redirect_answering_the_post_may_have_stored_and_is_never_followed(status):
    harness = messages_harness([response(status, raw='', headers={'Location': 'https://other.example.test/x'})],
                               max_retries=3)
    with pytest.raises(ApiError) as caught:
        harness.messages.post(SENDER, N1, 'hi')
    assert (caught.value.kind, caught.value.status, caught.value.may_have_applied) == ('redirect', status, True)
    assert len(harness.sent) == 1


@pytest.mark.parametrize('status, body', [
    (400, {'message': 'Problems parsing JSON'}),
    (401, {'message': 'Unauthorized'}),
    (403, {'message': 'Forbidden'}),
    (404, {'message': 'Not Found'}),
    (422, json.loads(UNPROCESSABLE_422_TEXT)),
])
def test_a_4xx_refusal_proves_nothing_was_stored(status, body):
    harness = messages_harness([response(status, body)], max_retries=3)
    with pytest.raises(ApiError) as caught:
        harness.messages.post(SENDER, N1, 'hi')
    assert (caught.value.status, caught.value.may_have_applied) == (status, False)
    assert proven_not_stored(caught.value) is True and len(harness.sent) == 1


@pytest.mark.parametrize('answer', [
    response(408, {'message': 'Request Timeout'}),
    response(409, {'message': 'Conflict'}),
    response(500, {'message': 'Internal Server Error'}),
    response(502, raw='<html>Bad Gateway</html>', content_type='text/html'),
    response(503, {'message': 'Service Unavailable'}),
    response(504, raw='<html><title>504 Gateway Time-out</title></html>', content_type='text/html'),
], ids=['408', '409', '500', '502-html', '503', '504-gateway-page'])
def test_a_5xx_408_or_409_may_have_stored_and_is_never_resent(answer):
    harness = messages_harness([answer], max_retries=3)
    with pytest.raises(ApiError) as caught:
        harness.messages.post(SENDER, N1, 'hi')
    assert caught.value.may_have_applied is True and proven_not_stored(caught.value) is False
    assert len(harness.sent) == 1


@pytest.mark.parametrize('failure', [
    requests.exceptions.ReadTimeout('read timed out'),
    requests.exceptions.ChunkedEncodingError('connection reset'),
    requests.exceptions.ConnectionError('Connection aborted.', 'RemoteDisconnected'),
], ids=['timeout', 'reset', 'closed'])
def test_a_request_that_was_written_may_have_stored_and_is_never_resent(failure):
    harness = messages_harness([failure], max_retries=3)
    with pytest.raises(ApiError) as caught:
        harness.messages.post(SENDER, N1, 'hi')
    assert (caught.value.kind, caught.value.may_have_applied) == ('transport', True)
    assert proven_not_stored(caught.value) is False and len(harness.sent) == 1


@pytest.mark.parametrize('failure', [
    requests.exceptions.ConnectionError('[Errno 111] Connection refused'),
    requests.exceptions.ConnectionError('NameResolutionError: Temporary failure in name resolution'),
    requests.exceptions.ConnectionError('Failed to resolve: Name or service not known'),
    requests.exceptions.SSLError('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed'),
], ids=['refused', 'dns-temporary', 'dns-unknown', 'tls-handshake'])
def test_a_request_that_never_reached_the_api_proves_nothing_was_stored(failure):
    harness = messages_harness([failure], max_retries=0)
    with pytest.raises(ApiError) as caught:
        harness.messages.post(SENDER, N1, 'hi')
    assert (caught.value.kind, caught.value.may_have_applied) == ('transport', False)
    assert proven_not_stored(caught.value) is True


def test_refused_connection_and_429_are_retried_because_nothing_reached_the_server():
    refused = requests.exceptions.ConnectionError('[Errno 111] Connection refused')
    harness = messages_harness([refused, response(429, {'message': 'Too Many Requests'}, headers={'Retry-After': '1'}),
                                response(202, page([record('u1', N1)]))], max_retries=3)
    assert [item['uuid'] for item in harness.messages.post(SENDER, N1, 'hi').records] == ['u1']
    assert len(harness.sent) == 3


@pytest.mark.parametrize('error, proven', [
    (ApiError('POST', MESSAGES, 'x', status=400), True),
    (ApiError('POST', MESSAGES, 'x', status=422), True),
    (ApiError('POST', MESSAGES, 'x', status=429), True),
    (ApiError('POST', MESSAGES, 'x', status=408), False),
    (ApiError('POST', MESSAGES, 'x', status=409), False),
    (ApiError('POST', MESSAGES, 'x', status=500), False),
    (ApiError('POST', MESSAGES, 'x', status=None), False),
    (ApiError('POST', MESSAGES, 'x', kind='transport', may_have_applied=False), True),
    (ApiError('POST', MESSAGES, 'x', kind='transport', may_have_applied=True), False),
    (ApiError('POST', MESSAGES, 'x', kind='unreachable'), True),
    (ApiError('POST', MESSAGES, 'x', kind='budget', may_have_applied=False), True),
    (ApiError('POST', MESSAGES, 'x', kind='budget', may_have_applied=True), False),
    (ApiError('POST', MESSAGES, 'x', kind='not_attempted'), True),
    (ApiError('POST', MESSAGES, 'x', status=404, kind='version'), True),
    (ApiError('POST', MESSAGES, 'x', status=202, kind='malformed', may_have_applied=True), False),
    (ApiError('POST', MESSAGES, 'x', status=307, kind='redirect'), False),
    (ApiError('POST', MESSAGES, 'x', status=202, kind='contradiction'), False),
    (ApiError('POST', MESSAGES, 'x', kind='unexpected', may_have_applied=True), False),
], ids=['400', '422', '429', '408', '409', '500', 'http-no-status', 'never-sent', 'written', 'unreachable',
        'budget-never-sent', 'budget-written', 'not-attempted', 'version', 'malformed', 'redirect', 'contradiction',
        'unexpected'])
def test_proven_not_stored_for_each_kind_of_failure(error, proven):
    assert proven_not_stored(error) is proven


# -- post: the body form ----------------------------------------------------------------------------------------

def test_old_api_version_posts_one_object():
    harness = messages_harness([response(200, SEND_2022_05_01_200)], api_version='2022-05-01')
    assert harness.messages.post(SENDER, N1, 'hi').status == 200
    assert harness.sent[0].json == {'to': N1, 'from': SENDER, 'text': 'hi'}


def test_array_refused_as_not_a_hash_resends_that_recipient_as_one_object_and_every_worker_switches():
    harness = messages_harness([response(400, raw=NOT_A_HASH_400_TEXT),
                                response(202, page([record('u1', N1)])),
                                response(202, page([record('u2', N2)])),
                                response(202, page([record('u3', N3)]))])
    assert [item['uuid'] for item in harness.messages.post(SENDER, N1, 'hi').records] == ['u1']
    # Two other workers (threads) of the same task send as one object from the first request on.
    results = []
    for recipient in (N2, N3):
        worker = threading.Thread(target=lambda to=recipient: results.append(harness.messages.post(SENDER, to, 'hi')))
        worker.start()
        worker.join()
    assert sorted(item['uuid'] for receipt in results for item in receipt.records) == ['u2', 'u3']
    assert [sent.json for sent in harness.sent] == [[{'to': [N1], 'from': SENDER, 'text': 'hi'}],
                                                    {'to': N1, 'from': SENDER, 'text': 'hi'},
                                                    {'to': N2, 'from': SENDER, 'text': 'hi'},
                                                    {'to': N3, 'from': SENDER, 'text': 'hi'}]
    assert len({sent.thread for sent in harness.sent[2:]}) == 2


def test_workers_refused_at_the_same_time_each_resend_their_own_recipient_once():
    barrier = threading.Barrier(2)

    def handler(sent):
        if isinstance(sent.json, list):
            return lambda request: (barrier.wait(5), response(400, raw=NOT_A_HASH_400_TEXT))[1]
        return response(202, page([record('u-' + sent.json['to'], sent.json['to'])]))
    harness = messages_harness(handler=handler)
    results = {}
    workers = [threading.Thread(target=lambda to=to: results.update({to: harness.messages.post(SENDER, to, 'hi')}))
               for to in (N1, N2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert dict((to, [item['to'] for item in receipt.records]) for to, receipt in results.items()) == {N1: [N1], N2: [N2]}
    objects = [sent.json['to'] for sent in harness.sent if isinstance(sent.json, dict)]
    assert sorted(objects) == [N1, N2]


def test_a_400_in_other_words_is_a_refusal_not_a_switch():
    harness = messages_harness([response(400, {'message': 'Problems parsing JSON'})])
    with pytest.raises(ApiError) as caught:
        harness.messages.post(SENDER, N1, 'hi')
    assert caught.value.may_have_applied is False and len(harness.sent) == 1


# -- outgoing: the look-up since the task's mark ------------------------------------------------------------------

def test_outgoing_asks_the_server_to_filter_and_sort_and_filters_again_here():
    other = dict(record('u3', N1), **{'from': N3})
    inbound = dict(record('u4', N1), direction='in')
    early = record('u5', N1, created_at=at(-1))
    undated = record('u6', N1, created_at='yesterday')
    no_direction = dict(record('u7', N2))
    del no_direction['direction']
    harness = messages_harness([response(200, page([record('u1', N1), other, inbound, early, undated,
                                                    record('u2', '18885550101'), no_direction]))])
    found = list(harness.messages.outgoing(SENDER, SINCE))
    assert [(item['uuid'], item['to']) for item in found] == [('u1', N1), ('u2', N2), ('u7', N2)]
    params = dict(harness.sent[0].params)
    assert params['from[eq]'] == SENDER and params['direction[eq]'] == 'out'
    assert params['created_at[gte]'] == '2024-01-01T12:00:00.000Z' and params['sort'] == 'created_at:asc'


def test_outgoing_is_a_stream_that_asks_nothing_until_read():
    harness = messages_harness([response(200, page([record('u1', N1)]))])
    listing = harness.messages.outgoing(SENDER, SINCE)
    assert harness.sent == []
    assert [item['uuid'] for item in listing] == ['u1']


def test_old_api_version_filters_outbound():
    harness = messages_harness([response(200, {'messages': [], 'page': {'count': 0, 'next': None}})],
                               api_version='2022-05-01')
    list(harness.messages.outgoing(SENDER, SINCE))
    assert dict(harness.sent[0].params)['direction[eq]'] == 'outbound'


def test_outgoing_reads_every_page_of_an_ascending_listing():
    first = [record('u%d' % index, N1, created_at=at(index)) for index in range(1, 3)]
    harness = messages_harness([response(200, page(first, count=3, pages=2, next_page=2)),
                                response(200, page([record('u3', N2, created_at=at(3))], count=3, number=2, pages=2))])
    assert [item['uuid'] for item in harness.messages.outgoing(SENDER, SINCE)] == ['u1', 'u2', 'u3']
    assert [dict(sent.params).get('page', '1') for sent in harness.sent] == ['1', '2']


def test_outgoing_stops_early_on_a_newest_first_server_once_past_the_window():
    # Newest first whatever was asked: a record a minute before the start may be ours on a host whose clock is
    # behind, one three minutes before ends the walk; the next page is never read.
    newest_first = [record('u3', N1, created_at=at(180)), record('u2', N1, created_at=at(60)),
                    record('skewed', N1, created_at=at(-60)), record('old', N1, created_at=at(-180)),
                    record('older', N1, created_at=at(-240))]
    harness = messages_harness([response(200, page(newest_first, count=900, pages=2, next_page=2))])
    assert [item['uuid'] for item in harness.messages.outgoing(SENDER, SINCE)] == ['u3', 'u2']
    assert len(harness.sent) == 1


def test_outgoing_reads_on_when_a_server_ignoring_the_created_at_filter_lists_old_messages_first():
    old = [record('old-%d' % index, N1, created_at=at(-86400 + index)) for index in range(3)]
    harness = messages_harness([response(200, page(old, count=5, pages=2, next_page=2)),
                                response(200, page([record('u1', N1, created_at=at(1)), record('u2', N2, created_at=at(2))],
                                                   count=5, number=2, pages=2))])
    assert [item['uuid'] for item in harness.messages.outgoing(SENDER, SINCE)] == ['u1', 'u2']


def test_outgoing_tolerates_a_newest_first_listing_that_grows_while_it_is_read():
    # r4 arrives between the pages: r2 is pushed onto page 2 and the count grows; the walk confirms the end by
    # asking for page 3. Each record is given once, and the growth is no error.
    r1, r2, r3 = (record('r%d' % index, N1, created_at=at(index)) for index in (1, 2, 3))
    harness = messages_harness([response(200, page([r3, r2], count=3, pages=2, next_page=2)),
                                response(200, page([r2, r1], count=4, number=2, pages=2)),
                                response(200, page([], count=4, number=3, pages=2))])
    assert [item['uuid'] for item in harness.messages.outgoing(SENDER, SINCE)] == ['r3', 'r2', 'r1']


# -- reads -------------------------------------------------------------------------------------------------------

def test_listing_without_a_date_filter_covers_all_time():
    # The API shows only today's messages unless created_at is filtered.
    harness = messages_harness([response(200, page([]))])
    list(harness.messages.listing())
    assert dict(harness.sent[0].params)['created_at[gte]'] == '1970-01-01T00:00:00.000Z'


def test_get_and_delete_of_an_unknown_uuid_give_none():
    harness = messages_harness([response(404, MESSAGE_404), response(404, MESSAGE_404)])
    assert harness.messages.get('abc-1') is None
    assert harness.messages.delete('abc-1') is None
    assert [sent.path for sent in harness.sent] == [MESSAGES + '/uuid/abc-1'] * 2


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
    harness = messages_harness([response(404, MESSAGES_OF_NUMBER_404)])
    listing = harness.messages.by_number(N1)
    assert list(listing) == [] and listing.count == 0
    assert harness.sent[0].path == MESSAGES + '/phone_number/%2B18885550100'


def test_messages_of_a_number_answered_no_messages_on_a_later_page_is_an_error():
    first = [record('u1', N2, created_at=at(1)), record('u2', N2, created_at=at(2))]
    harness = messages_harness([response(200, page(first, count=3, pages=2, next_page=2)),
                                response(404, MESSAGES_OF_NUMBER_404)])
    listing = harness.messages.by_number(N1)
    read = []
    with pytest.raises(ApiError) as caught:
        for item in listing:
            read.append(item['uuid'])
    assert read == ['u1', 'u2'] and caught.value.status == 404
    assert listing.count == 3


def test_usage_of_a_number_not_in_the_system_is_none():
    harness = messages_harness([response(404, {'message': 'Not Found - the requested phone number, +18885550100, '
                                                          'is not in the system'})])
    assert harness.messages.usage(N1) is None


# -- 404s and contradictions ---------------------------------------------------------------------------------------

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


@pytest.mark.parametrize('words', ['Not Found', MESSAGES_OF_NUMBER_404['message'],
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
                                response(404, MESSAGE_404)])
    with pytest.raises(ApiError) as caught:
        harness.messages.get('abc-1')
    assert caught.value.status == 404 and caught.value.redirected_to
    # A write is never redirected by the transport; the rule holds for any error that came after one.
    words = re.compile('could not find any messages for the requested uuid', re.I)
    error = ApiError('DELETE', '/x', MESSAGE_404['message'], status=404, api_message=MESSAGE_404['message'],
                     redirected_to='https://other.example.test/moved')
    assert is_api_not_found(error, words) is False
    assert is_api_not_found(ApiError('DELETE', '/x', 'x', status=404, api_message=MESSAGE_404['message']), words) is True


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
