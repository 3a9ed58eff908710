# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sms_message with --diff: one line per recipient (who gets which text, who is skipped and why), the same lines in
check mode and in a real run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils import _sms_module as api_module
from ansible_collections.invoca.messaging.plugins.module_utils._messages.plan import send_diff
from ansible_collections.invoca.messaging.plugins.modules import sms_message
from ansible_collections.invoca.messaging.tests.unit.fakes import API_URL, N1, N2, TOKEN
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import ActiveSender, StubTransport, run

SENDER = '+18885550199'
N3 = '+18885550102'


class _Messages:
    """Stands in for MessageClient and the module's dedupe look-up and sends: the diff is about the plan, so the
    fake holds only who already has the text (``received``) and records the sends."""

    def __init__(self):
        self.received = set()
        self.sends = []

    def __call__(self, transport):
        return self

    def close(self):
        pass

    def received_recently(self, module, client, transport, sender, recipients, result):
        return set(number for number in recipients if number in self.received)

    def send_all(self, module, client, transport, sender, recipients, result):
        for number in recipients:
            self.sends.append(number)
            result['sent'].append({'to': number, 'uuid': 'm-%s' % number, 'created_at': None})


@pytest.fixture
def api(monkeypatch):
    messages = _Messages()
    monkeypatch.setattr(api_module, 'Transport', StubTransport)
    monkeypatch.setattr(sms_message, 'PhoneNumberClient', ActiveSender(SENDER))
    monkeypatch.setattr(sms_message, 'MessageClient', messages)
    monkeypatch.setattr(sms_message, 'received_recently', messages.received_recently)
    monkeypatch.setattr(sms_message, 'send_all', messages.send_all)
    return messages


def args(**extra):
    result = {'api_token': TOKEN, 'api_url': API_URL, 'from_number': SENDER, 'to': [N1, N2, N3],
              'text': 'Deploy of 2.0.0 finished'}
    result.update(extra)
    return result


def received_just_now(api, recipient):
    api.received.add(recipient)


def test_the_diff_has_one_line_per_recipient_in_the_task_order(api):
    received_just_now(api, N2)
    outcome = run(sms_message.main, args(dedupe_window=3600), check_mode=True, diff=True)
    assert not outcome.failed, outcome['msg']
    assert outcome['diff'] == {'prepared': '\n'.join([
        '+ %s: send "Deploy of 2.0.0 finished" from %s' % (N1, SENDER),
        '- %s: skip, already received this text from %s within dedupe_window (3600 s)' % (N2, SENDER),
        '+ %s: send "Deploy of 2.0.0 finished" from %s' % (N3, SENDER),
    ])}
    assert api.sends == []


def test_check_mode_and_a_real_run_show_the_same_diff(api):
    received_just_now(api, N1)
    checked = run(sms_message.main, args(dedupe_window=600), check_mode=True, diff=True)
    assert api.sends == []
    done = run(sms_message.main, args(dedupe_window=600), diff=True)
    assert not done.failed, done['msg']
    assert sorted(api.sends) == [N2, N3]
    assert checked['diff'] == done['diff']
    assert checked['diff']['prepared'].count('\n') == 2


def test_no_diff_without_diff_mode(api):
    assert 'diff' not in run(sms_message.main, args(), check_mode=True).result


def test_a_text_on_several_lines_stays_on_one_line_per_recipient(api):
    outcome = run(sms_message.main, args(to=[N1], text='Disk full\non "db1"'), check_mode=True, diff=True)
    assert outcome['diff']['prepared'] == '+ %s: send "Disk full\\non \\"db1\\"" from %s' % (N1, SENDER)


def test_every_skip_reason_is_worded():
    diff = send_diff(SENDER, 'hi', [N1, N2, N3], [N1], {N2: 'excluded', N3: 'something new'}, 0)
    assert diff['prepared'].splitlines() == [
        '+ %s: send "hi" from %s' % (N1, SENDER),
        '- %s: skip, on exclude_numbers' % N2,
        '- %s: skip, something new' % N3,
    ]
