# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sms_message's exclude_numbers: an opt-out list honoured by every notification."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils import _sms_module as api_module
from ansible_collections.invoca.messaging.plugins.modules import sms_message
from ansible_collections.invoca.messaging.tests.unit.fakes import API_URL, N1, N2, N3, TOKEN, FakeMessageClient
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import ActiveSender, StubTransport, run

SENDER = '+18885550199'


@pytest.fixture
def api(monkeypatch):
    messages = FakeMessageClient(senders=[SENDER])
    monkeypatch.setattr(api_module, 'Transport', StubTransport)
    monkeypatch.setattr(sms_message, 'PhoneNumberClient', ActiveSender(SENDER))
    monkeypatch.setattr(sms_message, 'MessageClient', messages)
    return messages


def args(**extra):
    result = {'api_token': TOKEN, 'api_url': API_URL, 'from_number': SENDER, 'to': [N1, N2, N3], 'text': 'hello'}
    result.update(extra)
    return result


def test_excluded_recipients_are_not_texted_and_are_skipped_with_the_reason(api):
    outcome = run(sms_message.main, args(exclude_numbers=['+1 (888) 555-0101']))
    assert not outcome.failed
    assert [entry['to'] for entry in outcome['sent']] == [N1, N3]
    assert outcome['skipped_recipients'] == [N2]
    assert outcome['skip_reasons'] == {N2: 'excluded'}
    assert '1 recipient(s) skipped (on exclude_numbers)' in outcome['msg']


def test_check_mode_would_not_text_an_excluded_recipient(api):
    outcome = run(sms_message.main, args(exclude_numbers=[N1]), check_mode=True)
    assert outcome['would_send'] == [N2, N3] and outcome['skipped_recipients'] == [N1]


def test_everyone_excluded_sends_nothing_and_changes_nothing(api):
    outcome = run(sms_message.main, args(exclude_numbers=[N3, N2, N1, '+15550000000']))
    assert not outcome.failed and outcome['changed'] is False and outcome['sent'] == []
    assert outcome['skipped_recipients'] == [N1, N2, N3]
    assert set(outcome['skip_reasons'].values()) == {'excluded'}


def test_an_empty_list_excludes_no_one_and_adds_no_reasons(api):
    outcome = run(sms_message.main, args(exclude_numbers=[]))
    assert [entry['to'] for entry in outcome['sent']] == [N1, N2, N3]
    assert outcome['skipped_recipients'] == [] and 'skip_reasons' not in outcome.result


def test_reasons_tell_exclusion_from_dedupe(api):
    now = datetime.datetime.now(datetime.timezone.utc)
    api.add({'uuid': 'old', 'from': SENDER, 'to': N3, 'text': 'hello', 'direction': 'out',
             'created_at': (now - datetime.timedelta(seconds=30)).strftime('%Y-%m-%dT%H:%M:%S.000Z')})
    outcome = run(sms_message.main, args(exclude_numbers=[N1], dedupe_window=60), check_mode=True)
    assert outcome['would_send'] == [N2]
    assert outcome['skip_reasons'] == {N1: 'excluded', N3: 'already received'}


@pytest.mark.parametrize('bad', [['not-a-number'], [18885550101]])
def test_a_bad_excluded_number_fails_before_anything_is_sent(api, bad):
    outcome = run(sms_message.main, args(exclude_numbers=bad))
    assert outcome.failed and outcome['msg'].startswith('exclude_numbers:') and 'nothing was sent' in outcome['msg']
    assert api.stored == [] and api.calls == []
