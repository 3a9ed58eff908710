# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A simulator started by hand keeps running after the shell that started it is gone, and stops the documented way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest


from simulator_control import control_request  # noqa: E402
from test_simulator import CONTROL, SERVER, process_gone, wait_until  # noqa: E402

pytestmark = pytest.mark.skipif(not sys.platform.startswith('linux'), reason='uses /proc and POSIX sessions')


def launch_detached(how, ready, pid_file):
    """Start a simulator the way a user does from a script, and let the script end at once."""
    args = [SERVER, '--port', '0', '--ready-file', str(ready), '--pid-file', str(pid_file)]
    if how == 'nohup':
        subprocess.run(['sh', '-c', 'nohup "$@" >/dev/null 2>&1 &', 'sh', sys.executable] + args, check=True, timeout=30)
    else:
        launcher = ('import subprocess, sys\n'
                    'subprocess.Popen(sys.argv[1:], start_new_session=True, stdin=subprocess.DEVNULL,'
                    ' stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n')
        subprocess.run([sys.executable, '-c', launcher, sys.executable] + args, check=True, timeout=30)
    # The launcher has exited and been reaped: from here on the simulator has no parent of its own.
    wait_until(ready.exists, timeout=30, what='ready file')
    return json.loads(ready.read_text())


@pytest.mark.parametrize('stop', ['control', 'pid-file'])
@pytest.mark.parametrize('how', ['nohup', 'new-session'])
def test_started_by_hand_outlives_its_parent_and_stops_when_told(tmp_path, how, stop):
    ready, pid_file = tmp_path / 'ready.json', tmp_path / 'sim.pid'
    info = launch_detached(how, ready, pid_file)
    pid, url = info['pid'], info['url']
    try:
        assert int(pid_file.read_text()) == pid
        details = control_request(url, 'GET', '/_sim/info')
        assert (details['parent_pid_watched'], details['max_lifetime']) == (None, None)
        # The old safety net ended such a simulator within one or two turns of its watch loop (0.25 s each):
        # several turns with the parent gone, and it still answers.
        start = details['watch_checks']
        wait_until(lambda: control_request(url, 'GET', '/_sim/info')['watch_checks'] >= start + 6, timeout=30, what='watch loop turns')
        assert not process_gone(pid)
        assert control_request(url, 'GET', '/_sim/health') == {'ok': True}
        if stop == 'control':
            result = subprocess.run([sys.executable, CONTROL, 'stop', '--url', url], stdout=subprocess.PIPE, timeout=60, check=True)
            assert json.loads(result.stdout) == {'stopped': True, 'pid': pid}
        else:
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
        wait_until(lambda: process_gone(pid), timeout=30, what='simulator exit')
        assert not pid_file.exists() and not ready.exists()
    finally:
        if not process_gone(pid):
            os.kill(pid, signal.SIGTERM)
            wait_until(lambda: process_gone(pid), timeout=30, what='simulator exit after the test')


def test_stop_command_reports_an_unreachable_simulator():
    result = subprocess.run([sys.executable, CONTROL, 'stop', '--url', 'http://127.0.0.1:9'], stderr=subprocess.PIPE, timeout=60, check=False)
    assert result.returncode == 1
    assert b'cannot reach the simulator' in result.stderr
