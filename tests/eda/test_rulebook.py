# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The example rulebook run by a real ansible-rulebook, with the built collection, against the simulator.

Replies (one a STOP, one HELP, one that appears in the listings late) and a failed delivery go in through the
simulator; what the rule's playbooks texted is read back from the simulator's stored messages, so each playbook
run shows as one text. Then the rulebook is stopped, more replies arrive, and it is started again with the same
state_file: nothing may be texted twice, and nothing may be missed.

Every wait polls an observable condition (the simulator's log and messages) up to a deadline; none is a fixed
sleep. Needs the venv and Java of tests/eda/setup.sh: run with that venv's Python.
"""

from __future__ import annotations

import datetime
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]

from simulator_control import Simulator  # noqa: E402  pylint: disable=wrong-import-position

BIN = Path(sys.executable).parent
TOKEN = 'eda-secret-' + uuid.uuid4().hex
OURS = '+18885550100'
ONCALL = ['+15551230001', '+15551230002']
STOPPER = '+15551230011'
HELPER = '+15551230012'
LATE = '+15551230013'
DOWNTIME_STOPPER = '+15551230014'
DEADLINE = 240.0


def wait_for(what, condition, timeout=DEADLINE, process=None, log=None):
    """Poll ``condition`` until it returns a true value; fail naming ``what`` after ``timeout`` seconds."""
    ends = time.monotonic() + timeout
    delay = 0.1
    while True:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            pytest.fail('ansible-rulebook exited (%s) while waiting for %s:\n%s'
                        % (process.returncode, what, log.read_text()[-6000:]))
        if time.monotonic() > ends:
            pytest.fail('timed out after %.0f s waiting for %s%s'
                        % (timeout, what, ':\n' + log.read_text()[-6000:] if log else ''))
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def java_home():
    java = shutil.which('java')
    return str(Path(os.path.realpath(java)).parents[1]) if java else None


@pytest.fixture(scope='module')
def collections_path(tmp_path_factory):
    """The collection as a user gets it: built with ansible-galaxy and installed from the tarball."""
    build = tmp_path_factory.mktemp('build')
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'build', str(REPO), '--output-path', str(build)],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tarball = next(build.glob('invoca-messaging-*.tar.gz'))
    installed = tmp_path_factory.mktemp('collections')
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'install', str(tarball), '-p', str(installed)],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return installed


class Rulebook:
    """ansible-rulebook running the collection's example rulebook, from the installed collection's directory."""

    def __init__(self, collections_path, sim, workdir):
        self.directory = collections_path / 'ansible_collections' / 'invoca' / 'messaging' / 'extensions' / 'eda' / \
            'rulebooks'
        self.sim = sim
        self.workdir = workdir
        self.state_file = workdir / 'sms_events.json'
        self.opt_out_file = workdir / 'opt_out.txt'
        self.vars_file = workdir / 'vars.yml'
        self.vars_file.write_text(yaml.safe_dump({
            'sms_state_file': str(self.state_file), 'sms_opt_out_file': str(self.opt_out_file),
            'sms_from_number': OURS, 'oncall_numbers': ONCALL + [STOPPER], 'sms_interval': 1, 'sms_lag': 5}))
        self.env = {key: value for key, value in os.environ.items() if not key.startswith(('INVOCA_', 'ANSIBLE_'))}
        self.env.update({'PATH': '%s:%s' % (BIN, os.environ.get('PATH', '')),
                         'ANSIBLE_COLLECTIONS_PATH': str(collections_path), 'ANSIBLE_LOCAL_TEMP': str(workdir / 'tmp'),
                         'ANSIBLE_PYTHON_INTERPRETER': sys.executable, 'ANSIBLE_LOCALHOST_WARNING': 'false',
                         'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false', 'HOME': str(workdir),
                         'INVOCA_API_TOKEN': TOKEN, 'INVOCA_API_URL': sim.url})
        if java_home():
            self.env['JAVA_HOME'] = java_home()
        self.process = None
        self.logs = []

    def start(self):
        log = self.workdir / ('rulebook-%d.log' % (len(self.logs) + 1))
        self.logs.append(log)
        with open(log, 'wb') as handle:
            self.process = subprocess.Popen([str(BIN / 'ansible-rulebook'), '--rulebook', 'sms_replies.yml',
                                             '-i', 'inventory.yml', '-e', str(self.vars_file), '-v'],
                                            cwd=str(self.directory), env=self.env, stdin=subprocess.DEVNULL,
                                            stdout=handle, stderr=subprocess.STDOUT)
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def output(self):
        return ''.join(log.read_text(errors='replace') for log in self.logs)

    def listings(self):
        return sum(1 for entry in self.sim.log() if entry.get('method') == 'GET' and
                   entry.get('path', '').split('?')[0].rstrip('/').endswith('/messages'))

    def wait_polling(self, more=1):
        """Until the source has listed the messages ``more`` more times (it is up, or polls on)."""
        before = self.listings()
        wait_for('the source to poll', lambda: self.listings() >= before + more, process=self.process,
                 log=self.logs[-1])

    def playbook(self, name, extra):
        extra_vars = yaml.safe_dump(extra, default_flow_style=True)
        completed = subprocess.run([str(BIN / 'ansible-playbook'), '-i', 'inventory.yml', 'playbooks/' + name,
                                    '-e', '@' + str(self.vars_file), '-e', extra_vars],
                                   cwd=str(self.directory), env=self.env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, timeout=300)
        output = completed.stdout.decode('utf-8', errors='replace')
        assert completed.returncode == 0, output[-4000:]
        assert TOKEN not in output
        return output


def texts_to(sim, number):
    return [item['text'] for item in sim.messages() if item['direction'] == 'out' and item['to'] == number]


def test_each_rule_runs_once_per_event_across_a_restart(collections_path, tmp_path):
    with Simulator(token=TOKEN, clock='real', delivery_delay=0.5) as sim:
        sim.reset(phone_numbers=[OURS])
        # A page to the first on-call number fails at the carrier 8 s after it was sent: later than lag (5 s).
        sim.config(message_outcomes={ONCALL[0]: {'outcome': 'failed', 'delay_seconds': 8,
                                                 'carrier_errorcode': 4720}})
        rulebook = Rulebook(collections_path, sim, tmp_path).start()
        try:
            # A few polls, so that the late reply below (created 3 s before it is stored) is after since (now at
            # the first poll) and before the last poll: the overlap of lag (5 s) must catch it.
            rulebook.wait_polling(more=5)
            sim.inbound(STOPPER, OURS, 'Stop.')
            sim.inbound(HELPER, OURS, 'help')
            # Created 3 s ago, listed only now: a poll that covered its time has already run without it.
            created = datetime.datetime.fromisoformat(sim.now().replace('Z', '+00:00')) - datetime.timedelta(seconds=3)
            sim.store_message(LATE, OURS, 'HELP me', direction='in',
                              created_at=created.strftime('%Y-%m-%dT%H:%M:%S.000Z'))
            sim.inbound(HELPER, OURS, 'thanks, got it')
            wait_for('the STOP confirmation, and the help texts', lambda: texts_to(sim, STOPPER) and
                     texts_to(sim, HELPER) and texts_to(sim, LATE), process=rulebook.process, log=rulebook.logs[-1])
            assert [line.strip() for line in rulebook.opt_out_file.read_text().splitlines()] == [STOPPER]
            # The notify playbook pages the on-call list, minus the number that replied STOP.
            rulebook.playbook('sms_notify.yml', {'notify_text': 'Disk full on db1'})
            wait_for('the escalation of the failed page', lambda: len(texts_to(sim, ONCALL[1])) >= 2,
                     process=rulebook.process, log=rulebook.logs[-1])
            # Quiet now: a few more polls must text no one again.
            rulebook.wait_polling(more=4)
            assert len(texts_to(sim, STOPPER)) == 1
            assert len(texts_to(sim, HELPER)) == 1 and len(texts_to(sim, LATE)) == 1
            assert texts_to(sim, ONCALL[0]) == ['Disk full on db1']
            escalated = 'Not delivered to %s: Disk full on db1' % ONCALL[0]
            assert sorted(texts_to(sim, ONCALL[1])) == ['Disk full on db1', escalated]
            rulebook.stop()
            assert rulebook.state_file.exists()

            # While it is down: another STOP, and a HELP from a number that already got one.
            sim.inbound(DOWNTIME_STOPPER, OURS, 'UNSUBSCRIBE')
            sim.inbound(HELPER, OURS, 'Info?')
            rulebook.start()
            wait_for('the replies that arrived while the rulebook was down',
                     lambda: texts_to(sim, DOWNTIME_STOPPER) and len(texts_to(sim, HELPER)) >= 2,
                     process=rulebook.process, log=rulebook.logs[-1])
            rulebook.wait_polling(more=4)
        finally:
            rulebook.stop()
        assert len(texts_to(sim, DOWNTIME_STOPPER)) == 1 and len(texts_to(sim, HELPER)) == 2
        assert len(texts_to(sim, STOPPER)) == 1 and len(texts_to(sim, LATE)) == 1
        assert len(texts_to(sim, ONCALL[0])) == 1 and len(texts_to(sim, ONCALL[1])) == 2
        assert sorted(line.strip() for line in rulebook.opt_out_file.read_text().splitlines()) == sorted(
            [STOPPER, DOWNTIME_STOPPER])
        output = rulebook.output()
        assert TOKEN not in output and TOKEN not in rulebook.state_file.read_text()
