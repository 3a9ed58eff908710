# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Soak: at most once, and finished by a rerun. Round after round, sms_message sends a new text to a set of
recipients through an API that loses answers after storing the message, answers 500 after storing it, and answers
503 without storing it; then the same task, rerun with dedupe_window as the docs say, finishes each round.

The first run of a round never sends a recipient two messages: what it could not prove sent is ``unknown`` (a 503
proves nothing, since a 5xx may come after the message was stored), never resent. The finishing rerun sends only
to whoever has no copy. After it, each recipient holds exactly one message with that round's text, every message
stored was reported as sent by exactly one of the runs (same uuids), and the rerun reports no failure.

Rounds come from INVOCA_SOAK_ROUNDS (default 3; ``make soak`` sets 20). All rounds run in one playbook, so the
count of rounds costs little time.
"""

from __future__ import annotations

import json
import os

import pytest

SENDER = '+18885550100'
RECIPIENTS = ['+1555777%04d' % index for index in range(12)]
ROUNDS = int(os.environ.get('INVOCA_SOAK_ROUNDS', '3'))
SEED = 20260128

PLAYBOOK = """
- name: Soak sms_message
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Send one round
      invoca.messaging.sms_message:
        from_number: "{{ sender }}"
        to_numbers: "{{ recipients }}"
        text: "soak round {{ item }}"
        concurrency: 4
        max_retries: 1
      loop: "{{ range(rounds) | list }}"
      ignore_errors: true

    - name: Finish the round with dedupe_window
      invoca.messaging.sms_message:
        from_number: "{{ sender }}"
        to_numbers: "{{ recipients }}"
        text: "soak round {{ item }}"
        concurrency: 4
        max_retries: 1
        dedupe_window: 3600
      loop: "{{ range(rounds) | list }}"
      register: finished
      until: finished.failures | default([]) | length == 0
      retries: 5
      delay: 0
"""


@pytest.fixture
def soak_playbook(tmp_path):
    path = tmp_path / 'soak_messages.yml'
    path.write_text(PLAYBOOK, encoding='utf-8')
    return path


def test_every_recipient_gets_exactly_one_message_per_round(ansible, sim, soak_playbook):
    sim.seed(phone_numbers=[SENDER])
    sim.config(seed=SEED, faults=[
        {'kind': 'lost_answer', 'operations': ['send'], 'every': 1, 'rate': 0.25},
        {'kind': 'applied_error', 'status': 500, 'operations': ['send'], 'every': 1, 'rate': 0.15},
        {'kind': 'error', 'status': 503, 'operations': ['send'], 'every': 1, 'rate': 0.1},
    ])
    run = ansible.playbook(str(soak_playbook), {'sender': SENDER, 'recipients': RECIPIENTS, 'rounds': ROUNDS})
    results = run.task('Send one round')['results']
    finishes = run.task('Finish the round with dedupe_window')['results']
    assert len(results) == len(finishes) == ROUNDS
    stored = [item for item in sim.messages() if item['direction'] == 'out']
    faults = [entry['fault'] for entry in sim.log() if entry['method'] == 'POST']
    # The soak proves something only if the faults really happened, of every kind.
    assert {'lost_answer', 'applied_error', 'error'} <= set(faults), faults
    for index, (result, finish) in enumerate(zip(results, finishes)):
        text = 'soak round %d' % index
        mine = [item for item in stored if item['text'] == text]
        per_recipient = dict((number, [item['uuid'] for item in mine if item['to'] == number]) for number in RECIPIENTS)
        doubles = dict((number, uuids) for number, uuids in per_recipient.items() if len(uuids) != 1)
        assert not doubles, 'round %d: recipients without exactly one message: %s; results %s %s' % (
            index, doubles, json.dumps(result)[:2000], json.dumps(finish)[:2000])
        assert finish['failures'] == [], 'round %d: %s' % (index, finish['failures'])
        # Whoever the first run could not prove sent is named unknown, never failed: nothing it sent is hidden.
        assert all(entry['outcome'] == 'unknown' for entry in result['failures']), result['failures']
        reported = dict((entry['to'], entry['uuid']) for entry in result['sent'] + finish['sent'])
        assert reported == dict((number, uuids[0]) for number, uuids in per_recipient.items())
        assert not set(entry['to'] for entry in result['sent']) & set(entry['to'] for entry in finish['sent'])
