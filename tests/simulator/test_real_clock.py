# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator's two clocks.

* ``--clock real`` (the default of the command line and of with_simulator.py, so of make demo and of a simulator
  started by hand): the clock runs with wall time, a sent message is delivered (or failed) --delivery-delay
  seconds (default 2) after it was sent, timestamps are now; POST /_sim/clock moves it ahead of the wall for good.
* ``--clock simulated`` (the default of the Simulator test harness): it moves only by a millisecond per write and
  through POST /_sim/clock.

The real clock's arithmetic is checked in-process with a stand-in wall clock (no sleeping); the defaults of each
way of starting the simulator are checked on real processes.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

from invoca_simulator import state as state_module  # noqa: E402  pylint: disable=wrong-import-position
from invoca_simulator import common  # noqa: E402  pylint: disable=wrong-import-position
from invoca_simulator.cli import build_defaults, parse_args, parse_clock_start  # noqa: E402  pylint: disable=wrong-import-position
from invoca_simulator.common import DEFAULT_VERSIONS, ConfigError  # noqa: E402  pylint: disable=wrong-import-position
from simulator_control import Simulator  # noqa: E402  pylint: disable=wrong-import-position

WRAPPER = os.path.join(HERE, 'with_simulator.py')
SENDER, R1, R2 = '+18885550100', '+18885550111', '+18885550199'


class Wall:
    """A stand-in for time.monotonic: moves only when a test says so."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


@pytest.fixture()
def wall(monkeypatch):
    fake = Wall()
    monkeypatch.setattr(state_module.time, 'monotonic', fake.monotonic)
    # The command line sets where the clock starts (a process-wide value); put it back after the test.
    start = common.clock_start()
    yield fake
    common.set_clock_start(start)


def new_state(*argv):
    args = parse_args(list(argv))
    common.set_clock_start(parse_clock_start(args.clock_start))
    state = state_module.SimulatorState(list(DEFAULT_VERSIONS), ['t'], build_defaults(args), real_clock=args.clock == 'real')
    state.seed_numbers([SENDER])
    return state


def send(state, recipients):
    body = json.dumps({'from': SENDER, 'to': recipients, 'text': 'hi'}).encode('utf-8')
    request = {'method': 'POST', 'path': '/sms/2022-08-01/messages', 'query': '', 'params': {}, 'pairs': [], 'body': body,
               'body_json': json.loads(body), 'body_number': None, 'body_error': False, 'body_kind': 'json',
               'body_value': json.loads(body), 'auth': 'valid', 'host': '127.0.0.1', 'base_url': 'http://127.0.0.1'}
    reply = state.process(request)
    assert reply.status in (200, 201, 202), reply.payload
    return {record['to']: record for record in state.messages_state()}


def outcomes(state):
    state.control('GET', '/_sim/health', '', b'')  # any request settles what is due
    return {record['to']: ('delivered' if record['delivered_at'] else 'failed' if record['failed_at'] else 'pending')
            for record in state.messages_state()}


def test_the_real_clock_delivers_after_the_delay_of_wall_time_and_fails_by_recipient(wall):
    state = new_state('--message-outcome', R2 + '=failed')
    sent = send(state, [R1, R2])
    assert outcomes(state) == {R1: 'pending', R2: 'pending'}
    wall.now += 1.9
    assert outcomes(state) == {R1: 'pending', R2: 'pending'}
    wall.now += 0.2  # the default delay on the real clock: 2 s
    assert outcomes(state) == {R1: 'delivered', R2: 'failed'}
    created = datetime.datetime.strptime(sent[R1]['created_at'], '%Y-%m-%dT%H:%M:%S.%fZ')
    delivered = datetime.datetime.strptime(state.messages_state()[0]['delivered_at'], '%Y-%m-%dT%H:%M:%S.%fZ')
    assert delivered - created == datetime.timedelta(seconds=2)


def test_the_real_clock_starts_now_and_its_timestamps_follow_the_wall(wall):
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0, tzinfo=None)
    state = new_state('--delivery-delay', '5')
    first = send(state, [R1])[R1]['created_at']
    wall.now += 3600
    now = state.control('GET', '/_sim/clock', '', b'').payload
    assert now['clock'] == 'real'
    start = datetime.datetime.strptime(first, '%Y-%m-%dT%H:%M:%S.%fZ')
    assert before <= start <= before + datetime.timedelta(minutes=1)
    assert datetime.datetime.strptime(now['now'], '%Y-%m-%dT%H:%M:%S.%fZ') - start >= datetime.timedelta(seconds=3599)
    assert outcomes(state) == {R1: 'delivered'}


def test_advance_clock_on_the_real_clock_jumps_ahead_and_the_clock_runs_on_from_there(wall):
    state = new_state('--message-outcome', R2 + '=pending')
    send(state, [R1, R2])
    result = state.control('POST', '/_sim/clock', '', b'{"advance_seconds": 60}').payload
    assert (result['clock'], result['settled'], result['pending']) == ('real', 1, 0)
    wall.now += 10
    state.control('GET', '/_sim/health', '', b'')
    # 60 s ahead of the wall, and still running with it.
    assert state.clock_ms == int(round((wall.now - state._wall_origin) * 1000)) + 60000  # pylint: disable=protected-access
    assert outcomes(state) == {R1: 'delivered', R2: 'pending'}
    assert state.control('POST', '/_sim/clock', '', b'{"advance_seconds": -1}').status == 400


def test_a_reset_does_not_turn_the_real_clock_back(wall):
    state = new_state()
    wall.now += 100
    state.control('GET', '/_sim/health', '', b'')
    before = state.clock_ms
    state.control('POST', '/_sim/reset', '', b'{}')
    assert state.clock_ms >= before
    assert new_state('--clock', 'simulated').clock_ms == 1  # the simulated clock restarts, one write in


def test_the_simulated_clock_ignores_the_wall(wall):
    state = new_state('--clock', 'simulated')
    send(state, [R1])
    wall.now += 10 ** 6
    assert outcomes(state) == {R1: 'pending'}
    assert state.control('POST', '/_sim/clock', '', b'{"advance_seconds": 1}').payload['clock'] == 'simulated'
    assert outcomes(state) == {R1: 'delivered'}


def test_the_defaults_of_each_clock():
    assert parse_args([]).clock == 'real'
    assert build_defaults(parse_args([]))['delivery_delay_seconds'] == 2.0
    assert build_defaults(parse_args(['--clock', 'simulated']))['delivery_delay_seconds'] == 1.0
    assert build_defaults(parse_args(['--delivery-delay', '0.5']))['delivery_delay_seconds'] == 0.5
    outcomes_given = build_defaults(parse_args(['--message-outcome', R1 + '=failed', '--message-outcome', R2 + '=pending']))
    assert outcomes_given['message_outcomes'] == {R1: {'outcome': 'failed', 'carrier_errorcode': 4720,
                                                       'carrier_description': 'Invalid destination'}, R2: {'outcome': 'pending'}}
    for bad in ('+18885550111', '+18885550111=lost', 'not-a-number=failed'):
        with pytest.raises(ConfigError):
            build_defaults(parse_args(['--message-outcome', bad]))


def test_the_harness_keeps_the_simulated_clock_unless_asked():
    with Simulator() as sim:
        assert sim.advance_clock(0)['clock'] == 'simulated'
    with Simulator(clock='real') as sim:
        assert sim.advance_clock(0)['clock'] == 'real'
        assert sim.config()['delivery_delay_seconds'] == 2.0


def test_with_simulator_runs_on_the_real_clock_unless_told():
    """By hand, the command line's default is the real clock: test_the_defaults_of_each_clock."""
    code = ('import json, os, urllib.request\n'
            'opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))\n'
            'print(json.load(opener.open(os.environ["INVOCA_SIMULATOR_URL"] + "/_sim/info"))["clock"])\n')
    for options in ([], ['--clock=simulated']):
        result = subprocess.run([sys.executable, WRAPPER] + options + ['--', sys.executable, '-c', code], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        assert result.stdout.decode().strip() == ('simulated' if options else 'real')
