# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sms_message's main(): options, check mode, per-recipient failures and results, on an in-memory API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils import _sms_module as api_module
from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.modules import sms_message
from ansible_collections.invoca.messaging.tests.unit.api_examples import MESSAGE_404
from ansible_collections.invoca.messaging.tests.unit.fakes import (
    API_URL,
    N1,
    N2,
    N3,
    TOKEN,
    FakeMessageClient,
    response,
)
from ansible_collections.invoca.messaging.tests.unit.plugins.module_utils._api.test_http import Stream, streamed
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import HttpBackend, run

SENDER = '+18885550199'


class FakeTransport:
    """Stands in for Transport; the server's time it saw in a Date header is the in-memory API's clock."""

    messages = None

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.closed = False

    def close(self):
        self.closed = True

    def retry_summary(self):
        return None

    def server_now(self):
        return self.messages.now()


class FakeNumbers:
    def __init__(self, numbers):
        self.numbers = numbers

    def __call__(self, transport):
        return self

    def get(self, number):
        return self.numbers.get(number)


def install_api(monkeypatch, messages):
    monkeypatch.setattr(FakeTransport, 'messages', messages)
    monkeypatch.setattr(api_module, 'Transport', FakeTransport)
    monkeypatch.setattr(sms_message, 'PhoneNumberClient',
                        FakeNumbers({SENDER: {'phone_number': SENDER, 'deleted_at': None},
                                     N3: {'phone_number': N3, 'deleted_at': '2024-01-01T00:00:00.000Z'}}))
    monkeypatch.setattr(sms_message, 'MessageClient', messages)
    return messages


@pytest.fixture
def api(monkeypatch):
    """The in-memory API, its clock pinned to MESSAGE_CLOCK_START."""
    return install_api(monkeypatch, FakeMessageClient(senders=[SENDER]))


@pytest.fixture
def api_now(monkeypatch):
    """The in-memory API, its clock starting at this machine's time: a dedupe window is measured on the later of
    the server's and this machine's clocks."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return install_api(monkeypatch, FakeMessageClient(senders=[SENDER], clock_start=now))


def args(**extra):
    result = {'api_token': TOKEN, 'api_url': API_URL, 'from_number': SENDER, 'to': [N1, N2], 'text': 'hello'}
    result.update(extra)
    return result


def test_sends_to_each_recipient_once_and_reports_it(api):
    outcome = run(sms_message.main, args(to=[N1, '+1 888 555 0101', N1]))
    assert not outcome.failed and outcome['changed'] is True
    assert [entry['to'] for entry in outcome['sent']] == [N1, N2]
    assert outcome['sent'][0] == {'to': N1, 'uuid': 'm1', 'created_at': '2024-01-01T00:00:00.001Z'}
    assert outcome['failures'] == [] and outcome['skipped_recipients'] == []
    assert sorted(api.sends) == [N1, N2]
    assert outcome['msg'] == 'sent 2 message(s) from %s' % SENDER


def test_check_mode_sends_nothing(api):
    outcome = run(sms_message.main, args(), check_mode=True)
    assert outcome['changed'] is True and outcome['would_send'] == [N1, N2] and outcome['sent'] == []
    assert api.sends == []


@pytest.mark.parametrize('extra, message', [
    ({'text': ''}, 'text is empty'),
    ({'to': []}, 'to_numbers is empty'),
    ({'to': [N1, 'nope']}, "'nope' is not a valid E.164"),
    ({'to': [N1, N2], 'max_recipients': 1}, 'refusing to send to 2 recipients'),
    ({'text': 'x' * 400, 'max_segments': 2}, 'takes 3 SMS segments in GSM-7'),
    ({'wait_timeout': 0}, 'wait_timeout must be 1 or more'),
    ({'dedupe_window': -1}, 'dedupe_window must be 0'),
    ({'to': [SENDER]}, 'cannot send to itself'),
    ({'from_number': '+18885550111'}, 'is not an active SMS number of this network (it is unknown)'),
    ({'from_number': N3}, 'is not an active SMS number of this network (it is soft-deleted)'),
])
def test_bad_input_sends_nothing(api, extra, message):
    outcome = run(sms_message.main, args(**extra))
    assert outcome.failed and message in outcome['msg']
    assert api.sends == []


def test_one_failure_does_not_stop_the_others_and_the_task_fails_listing_it(api):
    # The server echoes the token in its refusal.
    api.recipient_faults = {N1: ApiError('POST', '/sms/2022-08-01/messages', 'Validation failed (token %s)' % TOKEN,
                                         status=422)}
    outcome = run(sms_message.main, args(to=[N1, N2, '+18885550103'], concurrency=1))
    assert outcome.failed and outcome['changed'] is True
    assert [entry['to'] for entry in outcome['sent']] == [N2, '+18885550103']
    assert [(f['to'], f['status'], f['outcome']) for f in outcome['failures']] == [(N1, 422, 'failed')]
    # The token the server echoed never reaches the result.
    assert TOKEN not in repr(outcome.result)


def test_lost_answer_is_found_and_counted_once(api):
    api.recipient_faults = {N1: 'lost'}
    outcome = run(sms_message.main, args())
    assert not outcome.failed
    assert sorted(entry['uuid'] for entry in outcome['sent']) == ['m1', 'm2']
    assert api.sends.count(N1) == 1


def test_lost_answer_with_failing_lookup_is_unknown_and_not_resent(api):
    api.recipient_faults = {N1: 'lost'}
    api.lookup_error = True
    outcome = run(sms_message.main, args(to=[N1]))
    # The message may have reached N1: the task fails, and does not claim that nothing changed.
    assert outcome.failed and outcome['changed'] is True and outcome['sent'] == []
    assert [(f['to'], f['outcome'], f['status']) for f in outcome['failures']] == [(N1, 'unknown', None)]
    assert api.sends == [N1]
    assert '1 unknown (may have been sent, not sent again)' in outcome['msg']


def test_a_rejected_token_stops_the_remaining_sends(api):
    api.recipient_faults = {N1: ApiError('POST', '/sms/2022-08-01/messages', 'Unauthorized', status=401)}
    outcome = run(sms_message.main, args(to=[N1, N2, '+18885550103'], concurrency=1))
    assert outcome.failed and outcome['sent'] == []
    assert api.sends == [N1]
    assert [f['outcome'] for f in outcome['failures']] == ['failed'] * 3


def test_dedupe_window_skips_recent_identical_messages(api):
    now = datetime.datetime.now(datetime.timezone.utc)
    api.add({'uuid': 'old', 'from': SENDER, 'to': N1, 'text': 'hello', 'direction': 'out',
             'created_at': (now - datetime.timedelta(seconds=30)).strftime('%Y-%m-%dT%H:%M:%S.000Z')})
    outcome = run(sms_message.main, args(dedupe_window=60), check_mode=True)
    assert outcome['would_send'] == [N2] and outcome['skipped_recipients'] == [N1]
    outcome = run(sms_message.main, args(dedupe_window=10), check_mode=True)
    assert outcome['would_send'] == [N1, N2] and outcome['skipped_recipients'] == []


def test_state_absent_deletes_once(api):
    api.add({'uuid': 'abc', 'from': SENDER, 'to': N1, 'text': 'x', 'deleted_at': None})
    outcome = run(sms_message.main, {'api_token': TOKEN, 'api_url': API_URL, 'state': 'absent', 'uuid': 'abc'},
                  check_mode=True)
    assert outcome['changed'] is True and api.deleted == []
    outcome = run(sms_message.main, {'api_token': TOKEN, 'api_url': API_URL, 'state': 'absent', 'uuid': 'abc'})
    assert outcome['changed'] is True and api.deleted == ['abc']
    outcome = run(sms_message.main, {'api_token': TOKEN, 'api_url': API_URL, 'state': 'absent', 'uuid': 'abc'})
    assert outcome['changed'] is False and api.deleted == ['abc']


def test_state_absent_needs_only_uuid(api):
    outcome = run(sms_message.main, {'api_token': TOKEN, 'api_url': API_URL, 'state': 'absent'})
    assert outcome.failed and 'uuid' in outcome['msg']
    outcome = run(sms_message.main, {'api_token': TOKEN, 'api_url': API_URL, 'state': 'absent', 'uuid': 'nope'})
    assert not outcome.failed and outcome['changed'] is False and outcome['message'] is None


# -- outcomes the API cannot prove, and what wait makes of them ---------------------------------------------------

def test_a_send_accepted_without_a_record_is_sent_with_uuid_null_and_never_resent(api):
    api.recipient_faults = {N1: 'accepted_unnamed'}
    outcome = run(sms_message.main, args(concurrency=1))
    assert not outcome.failed and outcome['changed'] is True and outcome['failures'] == []
    assert outcome['sent'] == [{'to': N1, 'uuid': None, 'created_at': None},
                               {'to': N2, 'uuid': 'm2', 'created_at': '2024-01-01T00:00:00.002Z'}]
    assert api.sends == [N1, N2] and api.lookups == 1
    assert outcome['msg'] == 'sent 2 message(s) from %s' % SENDER


def test_wait_finds_a_message_accepted_without_a_record_by_look_up(api):
    api.recipient_faults = {N1: 'accepted_unnamed'}
    api.delivery_delay = 0
    outcome = run(sms_message.main, args(to=[N1], wait=True))
    assert not outcome.failed and outcome['sent'] == [{'to': N1, 'uuid': None, 'created_at': None}]
    assert [(entry['uuid'], entry['status']) for entry in outcome['delivery']] == [('m1', 'delivered')]
    assert outcome['msg'] == 'sent 1 message(s) from %s; delivery: 1 delivered' % SENDER


def test_wait_reports_the_delivery_of_a_message_never_found_as_unknown(api):
    api.recipient_faults = {N1: 'accepted_unnamed'}
    api.listing_lag = 3600
    outcome = run(sms_message.main, args(to=[N1], wait=True, wait_timeout=30))
    assert outcome.failed and outcome['changed'] is True
    assert outcome['delivery'] == [{'uuid': None, 'to': N1, 'status': 'unknown', 'delivered_at': None,
                                    'failed_at': None, 'carrier_error_code': None, 'carrier_description': None}]
    assert outcome['msg'] == 'sent 1 message(s) from %s; delivery: 1 unknown' % SENDER
    assert api.sends == [N1]


@pytest.mark.parametrize('existing', [False, True], ids=['all-failed', 'all-skipped'])
def test_wait_with_nothing_sent_has_no_empty_delivery_clause(api_now, existing):
    api = api_now
    if existing:
        api.store_message(SENDER, N1, 'hello', created_at=api.now(), outcome='pending')
    else:
        api.recipient_faults = {N1: 'refused'}
    outcome = run(sms_message.main, args(to=[N1], wait=True, dedupe_window=600))
    assert outcome['delivery'] == [] and outcome['delivery_polls'] == 0
    assert 'delivery' not in outcome['msg']
    if existing:
        assert not outcome.failed and outcome['msg'] == ('sent 0 message(s) from %s; 1 recipient(s) skipped (already '
                                                         'received the text)' % SENDER)
    else:
        assert outcome.failed and outcome['msg'] == 'sent 0 message(s) from %s; 1 failed: %s' % (SENDER, N1)


def test_a_message_not_found_after_an_unclear_failure_is_unknown_and_a_rerun_with_dedupe_window_finishes(api_now):
    api = api_now
    api.recipient_faults = {N1: 'late'}
    outcome = run(sms_message.main, args())
    assert outcome.failed and outcome['changed'] is True
    assert [entry['to'] for entry in outcome['sent']] == [N2]
    assert [(f['to'], f['outcome'], f['status']) for f in outcome['failures']] == [(N1, 'unknown', None)]
    assert 'Rerun with dedupe_window' in outcome['failures'][0]['message']
    assert '1 unknown (may have been sent, not sent again): %s' % N1 in outcome['msg']
    # The API stores it at last; the rerun skips both recipients and sends nothing.
    api.release()
    api.recipient_faults = {}
    outcome = run(sms_message.main, args(dedupe_window=600))
    assert not outcome.failed and outcome['changed'] is False and outcome['sent'] == []
    assert outcome['skipped_recipients'] == [N1, N2]
    assert sorted(api.sends) == [N1, N2] and len(api.stored) == 2


# -- on the real transport and MessageClient, over scripted HTTP answers ----------------------------------------

MESSAGES = '/sms/2022-08-01/messages'
# The server's clock when the task starts (its Date header), seconds before the records' created_at below.
SERVER_DATE = 'Mon, 01 Jan 2024 00:00:05 GMT'
HOSTILE_UUID = TOKEN + '/x'
RESERVED_KEYS = {'failed', 'results', 'skipped', 'invocation', 'changed', 'msg', 'diff'}
RESULT_KEYS = {'sent', 'skipped_recipients', 'failures'}


def http_record(uuid, to, created_at='2024-01-01T00:00:10.000Z', **extra):
    item = {'uuid': uuid, 'cuid': 'C-%s' % len(uuid), 'from': SENDER, 'to': to, 'text': 'hello', 'direction': 'out',
            'created_at': created_at, 'deleted_at': None, 'delivered_at': None, 'failed_at': None,
            'delivery_reports': []}
    item.update(extra)
    return item


def http_page(records):
    return {'messages': list(records), 'pagination': {'count': len(records), 'page': 1, 'next': None}}


class ScriptedApi:
    """Answers by request: the sender is active; listings show ``listed`` (a callable: the current records);
    each POST is answered by ``posts`` (recipient -> a response or a callable)."""

    def __init__(self, posts, listed=None, others=None):
        self.posts = posts
        self.listed = listed or (lambda: [])
        self.others = others or {}

    def __call__(self, sent):
        if '/phone_numbers/' in sent.path:
            return dated(response(200, {'phone_number': {'phone_number': SENDER, 'deleted_at': None,
                                                         'created_at': '2024-01-01T00:00:00.000Z'}}))
        if sent.method == 'POST':
            to = sent.json[0]['to'][0]
            answer = self.posts[to]
            return dated(answer(sent) if callable(answer) else answer)
        if sent.path == MESSAGES:
            return dated(response(200, http_page(self.listed())))
        if sent.path in self.others:
            return dated(self.others[sent.path])
        return response(404, {'message': 'Not Found'})


def dated(answer):
    """``answer`` with the server's Date: the task's mark is taken from it, a little before the records' times."""
    if not isinstance(answer, BaseException):
        answer.headers.setdefault('Date', SERVER_DATE)
    return answer


def token_pieces(text):
    return [TOKEN[start:start + 8] for start in range(len(TOKEN) - 7) if TOKEN[start:start + 8] in text]


@pytest.fixture
def http(install_client):
    def install(api):
        return install_client(HttpBackend(handler=api))
    return install


def test_wait_after_a_hostile_uuid_and_unreadable_delivery_reports_fails_cleanly_keeping_sent(http, base_args):
    # N1's send is accepted with a uuid made of the token; N2's message fails, its delivery_reports are a 5.
    failed = http_record('u2', N2, failed_at='2024-01-01T00:00:12.000Z', delivery_reports=5)
    api = ScriptedApi(posts={N1: response(202, http_page([http_record(HOSTILE_UUID, N1)])),
                             N2: response(202, http_page([http_record('u2', N2)]))})
    backend = http(api)
    api.listed = lambda: [failed] if any(sent.method == 'POST' for sent in backend.sent) else []
    outcome = run(sms_message.main, dict(base_args, from_number=SENDER, to=[N1, N2], text='hello', wait=True,
                                         concurrency=1))
    assert outcome.failed
    # Accepted is sent: N1's message, named by a uuid that cannot be one, is sent without a uuid.
    assert outcome['sent'] == [{'to': N1, 'uuid': None, 'created_at': None},
                               {'to': N2, 'uuid': 'u2', 'created_at': '2024-01-01T00:00:10.000Z'}]
    assert outcome['failures'] == []
    # N1's message never shows under a usable uuid: its delivery is unknown.
    assert [(entry['to'], entry['status']) for entry in outcome['delivery']] == [(N1, 'unknown'), (N2, 'failed')]
    text = json.dumps(outcome.result)
    assert TOKEN not in text and token_pieces(text) == []
    # The hostile uuid was never put in a path.
    assert not any(TOKEN[:8] in sent.url for sent in backend.sent)
    # Sent once each: the accepted one is never sent again.
    assert [sent.method for sent in backend.sent].count('POST') == 2


def test_anything_going_wrong_while_waiting_is_a_clean_failure_keeping_sent(http, base_args, monkeypatch):
    def explode(*args, **kwargs):
        raise TypeError('unforeseen, about %s' % TOKEN)
    monkeypatch.setattr(sms_message, 'wait_for_delivery', explode)
    http(ScriptedApi(posts={N1: response(202, http_page([http_record('u1', N1)]))}))
    outcome = run(sms_message.main, dict(base_args, from_number=SENDER, to=[N1], text='hello', wait=True))
    assert outcome.failed and [entry['uuid'] for entry in outcome['sent']] == ['u1']
    assert 'waiting for delivery failed unexpectedly' in outcome['msg']
    text = json.dumps(outcome.result)
    assert TOKEN not in text and token_pieces(text) == []


def unreadable_gzip(sent):
    resp = streamed(Stream(data=b'this is not gzip'), {'Content-Type': 'application/json', 'Content-Encoding': 'gzip'},
                    status=202)
    return resp


@pytest.mark.parametrize('answer', [lambda sent: response(202, raw='accepted!', content_type='text/plain'),
                                    unreadable_gzip], ids=['not-json', 'bad-gzip'])
def test_unreadable_2xx_answer_to_a_send_is_acceptance_never_resent(http, base_args, answer):
    stored = []

    def post(sent):
        stored.append(http_record('u%d' % (len(stored) + 1), N1))
        return answer(sent)
    backend = http(ScriptedApi(posts={N1: post}, listed=lambda: list(stored)))
    outcome = run(sms_message.main, dict(base_args, from_number=SENDER, to=[N1], text='hello'))
    assert not outcome.failed and outcome['sent'] == [{'to': N1, 'uuid': None, 'created_at': None}]
    assert [sent.method for sent in backend.sent].count('POST') == 1
    # No look-up after the send: the listing was read once, for the mark (before the send).
    assert [sent.method for sent in backend.sent if sent.path == MESSAGES] == ['GET', 'POST']
    # With wait, the message is found by its look-up and followed under its uuid; u1, there before this run
    # started, is not taken for it.
    outcome = run(sms_message.main, dict(base_args, from_number=SENDER, to=[N1], text='hello', wait=True))
    assert [(entry['uuid'], entry['status']) for entry in outcome['delivery']] == [('u2', 'pending')]


def test_a_5xx_to_a_send_with_a_failing_lookup_is_unknown(http, base_args):
    posted = []

    class LookupFails(ScriptedApi):
        def __call__(self, sent):
            if sent.method == 'GET' and sent.path == MESSAGES and posted:
                return response(500, {'message': 'Internal Server Error'})
            if sent.method == 'POST':
                posted.append(sent)
            return ScriptedApi.__call__(self, sent)
    backend = http(LookupFails(posts={N1: response(502, raw='<html>Bad Gateway</html>', content_type='text/html')}))
    outcome = run(sms_message.main, dict(base_args, from_number=SENDER, to=[N1], text='hello', max_retries=0))
    assert outcome.failed and outcome['changed'] is True and outcome['sent'] == []
    assert [(f['to'], f['outcome']) for f in outcome['failures']] == [(N1, 'unknown')]
    assert 'looking for the message afterwards failed too' in outcome['failures'][0]['message']
    assert [sent.method for sent in backend.sent].count('POST') == 1


def test_an_exception_escaping_the_sender_is_unknown_not_failed(api, monkeypatch):
    # Whatever escapes ExactlyOnceSender.send may have followed a stored message: never "failed" (resent by a rerun).
    def explode(self, recipient):
        raise RuntimeError('unforeseen')
    monkeypatch.setattr(sms_message.ExactlyOnceSender, 'send', explode)
    outcome = run(sms_message.main, args(to=[N1]))
    assert outcome.failed and outcome['changed'] is True
    assert [(f['to'], f['outcome']) for f in outcome['failures']] == [(N1, 'unknown')]


# -- options -----------------------------------------------------------------------------------------------------

def test_an_unknown_option_is_named_not_hidden_behind_required_if(api):
    outcome = run(sms_message.main, {'api_token': TOKEN, 'api_url': API_URL, 'from_number': SENDER,
                                     'to_nubmers': [N1], 'text': 'hello'})
    assert outcome.failed and 'to_nubmers' in outcome['msg']
    assert 'missing' not in outcome['msg']
    assert api.sends == []


def test_required_options_are_still_required(api):
    outcome = run(sms_message.main, {'api_token': TOKEN, 'api_url': API_URL, 'from_number': SENDER, 'text': 'hi'})
    assert outcome.failed and 'to_numbers' in outcome['msg'] and api.sends == []


@pytest.mark.parametrize('extra, words', [
    ({'to': [15551230001]}, '15551230001'),
    ({'to_numbers': [N1, 15551230001]}, '15551230001'),
    ({'from_number': 18885550199}, '18885550199'),
])
def test_unquoted_numbers_are_reported_as_yaml_numbers(api, extra, words):
    given = args(**extra)
    if 'to_numbers' in extra:
        del given['to']
    outcome = run(sms_message.main, given)
    assert outcome.failed and words in outcome['msg']
    assert 'YAML read this as a number; quote it' in outcome['msg'] or 'YAML read them as numbers' in outcome['msg']
    assert api.sends == []


def test_default_max_recipients_refuses_101_before_any_request(http, base_args):
    backend = http(ScriptedApi(posts={}))
    recipients = ['+1555123%04d' % index for index in range(101)]
    outcome = run(sms_message.main, dict(base_args, from_number=SENDER, to=recipients, text='hello'))
    assert outcome.failed and 'refusing to send to 101 recipients: more than max_recipients (100)' in outcome['msg']
    assert backend.sent == []


# -- result keys ---------------------------------------------------------------------------------------------------

def test_results_use_only_their_own_keys_and_never_the_token(http, base_args):
    echo = {'message': 'Forbidden for token %s' % TOKEN}
    posts = {N1: response(202, http_page([http_record('u1', N1)])), N2: response(403, echo)}
    http(ScriptedApi(posts=posts))
    ok = run(sms_message.main, dict(base_args, from_number=SENDER, to=[N1], text='hello'))
    assert not ok.failed
    assert RESULT_KEYS <= set(ok.result) and not (set(ok.result) - RESULT_KEYS - RESERVED_KEYS)
    failed = run(sms_message.main, dict(base_args, from_number=SENDER, to=[N2], text='hello'))
    assert failed.failed
    assert TOKEN not in json.dumps(failed.result) and token_pieces(json.dumps(failed.result)) == []
    assert set(failed.result) - {'msg', 'error', 'changed', 'exception'} == RESULT_KEYS


def test_state_absent_never_takes_a_404_after_a_redirect_for_absence(http, base_args):
    moved = 'https://other.example.test/moved'
    http(ScriptedApi(posts={}, others={
        MESSAGES + '/uuid/abc-1': response(302, raw='', headers={'Location': moved}),
        '/moved': response(404, {'message': 'Not Found - Could not find any messages for the requested uuid'})}))
    outcome = run(sms_message.main, dict(base_args, state='absent', uuid='abc-1'))
    assert outcome.failed and 'after a redirect' in outcome['msg'] and outcome['changed'] is False


def test_state_absent_with_a_gateway_404_is_an_error_not_absence(http, base_args):
    http(ScriptedApi(posts={}, others={MESSAGES + '/uuid/abc-1': response(404, {'message': 'Not Found'})}))
    outcome = run(sms_message.main, dict(base_args, state='absent', uuid='abc-1'))
    assert outcome.failed and outcome['changed'] is False


def message_paths(undeleted, after_delete):
    """An API that shows ``undeleted`` by uuid, answers its DELETE with the API's 404, and then shows
    ``after_delete`` (a response)."""

    class DeleteSays404(ScriptedApi):
        def __call__(self, sent):
            if sent.path != MESSAGES + '/uuid/' + undeleted['uuid']:
                return ScriptedApi.__call__(self, sent)
            if sent.method == 'DELETE':
                return response(404, MESSAGE_404)
            if any(earlier.method == 'DELETE' for earlier in self.backend.sent):
                return after_delete
            return response(200, {'message': undeleted})
    return DeleteSays404(posts={})


def test_state_absent_fails_when_the_delete_says_404_but_the_message_is_still_there(http, base_args):
    undeleted = http_record('abc-1', N1)
    api = message_paths(undeleted, response(200, {'message': undeleted}))
    api.backend = http(api)
    outcome = run(sms_message.main, dict(base_args, state='absent', uuid='abc-1'))
    assert outcome.failed and outcome['changed'] is False
    assert 'answered that it does not exist, yet the API still shows it undeleted' in outcome['msg']
    assert outcome['message']['uuid'] == 'abc-1' and outcome['message']['deleted_at'] is None
    assert [sent.method for sent in api.backend.sent] == ['GET', 'DELETE', 'GET']


def test_state_absent_with_a_delete_404_and_the_message_gone_is_absent(http, base_args):
    api = message_paths(http_record('abc-1', N1), response(404, MESSAGE_404))
    api.backend = http(api)
    outcome = run(sms_message.main, dict(base_args, state='absent', uuid='abc-1'))
    assert not outcome.failed and outcome['changed'] is False and outcome['message'] is None
    assert outcome['msg'] == 'message abc-1 does not exist'
