# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sms_message's main(): options, check mode, per-recipient failures and results, on an in-memory API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.invoca.messaging.plugins.modules import sms_message
from ansible_collections.invoca.messaging.plugins.module_utils import api_module
from ansible_collections.invoca.messaging.plugins.module_utils.transport import ApiError
from ansible_collections.invoca.messaging.tests.unit.fakes import API_URL, N1, N2, N3, TOKEN, FakeMessageClient
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import run

SENDER = '+18885550199'


class FakeTransport:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.closed = False

    def close(self):
        self.closed = True

    def retry_summary(self):
        return None

    def server_now(self):
        # No Date header seen: the module falls back to this machine's clock.
        return None


class FakeNumbers:
    def __init__(self, numbers):
        self.numbers = numbers

    def __call__(self, transport):
        return self

    def get(self, number):
        return self.numbers.get(number)


@pytest.fixture
def api(monkeypatch):
    messages = FakeMessageClient(senders=[SENDER])
    monkeypatch.setattr(api_module, 'Transport', FakeTransport)
    monkeypatch.setattr(sms_message, 'PhoneNumberClient',
                        FakeNumbers({SENDER: {'phone_number': SENDER, 'deleted_at': None},
                                     N3: {'phone_number': N3, 'deleted_at': '2024-01-01T00:00:00.000Z'}}))
    monkeypatch.setattr(sms_message, 'MessageClient', messages)
    return messages


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
