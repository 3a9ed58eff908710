# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the integration tests of sms_message share: the network fixture (a sender, deliveries at once), one run of
the module, and what the simulator says was sent."""

from __future__ import annotations

import datetime

import pytest

SENDER = '+18885550100'
R1, R2, R3 = '+15551230001', '+15551230002', '+15551230003'
MESSAGES_PATH = '/sms/2022-08-01/messages'


@pytest.fixture
def network(sim):
    sim.seed(phone_numbers=[SENDER])
    # Delivery at once: a message is settled before the next request is answered.
    sim.config(delivery_delay_seconds=0)
    return sim


def sends(sim):
    return [entry for entry in sim.log() if entry['method'] == 'POST' and entry['path'].startswith(MESSAGES_PATH)]


def outbound(sim, text=None):
    return [item for item in sim.messages() if item['direction'] == 'out' and (text is None or item['text'] == text)]


def failed_result(run):
    assert run.rc != 0
    assert [entry['status'] for entry in run.results] == ['failed']
    return run.result


def send(ansible, check=False, expect_rc=None, **args):
    options = dict(from_number=SENDER, text='deploy finished')
    options.update(args)
    return ansible.module('sms_message', options, check=check, expect_rc=expect_rc)


def align_clock_with_this_machine(sim):
    """dedupe_window is measured back from the later of the controller's and the server's clocks; the simulator's
    clock starts at the real time when the simulator starts and goes back there on every reset, so by a later
    test of the session it lags this machine by minutes."""
    now = datetime.datetime.now(datetime.timezone.utc)
    sim_now = datetime.datetime.fromisoformat(sim.now().replace('Z', '+00:00'))
    sim.advance_clock((now - sim_now).total_seconds())
