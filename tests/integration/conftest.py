# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests: the built collection, run by real ansible / ansible-playbook processes against the simulator.

Every run goes through AnsibleRunner, which runs with -vvvv and ANSIBLE_INJECT_INVOCATION=true, records every
task result through the record_results callback, and fails the test if a secret (the API token of the run)
appears anywhere in the output or in the results. So every scenario is also a secrets test.

ansible, ansible-playbook and ansible-galaxy are taken from the virtualenv of the Python running pytest, so
running pytest with another venv's Python tests another ansible-core version.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PLAYBOOKS = HERE / 'playbooks'

from simulator_control import Simulator  # noqa: E402  pylint: disable=wrong-import-position
# The hostile server's fixtures (hostile, other_origin, hostile_ansible), for tests/integration/hostile/ (pytest.ini puts
# that folder and tests/simulator on the path).
from hostile_fixtures import hostile, hostile_ansible, other_origin  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import

BIN = Path(sys.executable).parent
TRACEBACK = 'Traceback (most recent call last)'
# How ansible-core reports a module that crashed instead of failing with a message (<2.19, then 2.19+).
CRASH_PREFIXES = ('MODULE FAILURE', 'Task failed: Module failed:')
# Distinctive enough that a plain substring search finds it in any output that leaks it.
TOKEN = 'itest-secret-' + uuid.uuid4().hex
COLLECTION = 'invoca.messaging'


def pytest_configure(config):
    """Registers the marker of the tests the oldest core runs too (make integration-oldest: -m core_sensitive)."""
    config.addinivalue_line(
        'markers', 'core_sensitive: checks what differs between ansible-core versions (result keys and invocation, '
        'failures and tracebacks, no_log and the token), so it runs on the oldest core as well as the newest')


def ansible_tool(name):
    return str(BIN / name)


class Run:
    """One ansible / ansible-playbook process: exit status, everything it printed, and every task result."""

    def __init__(self, command, returncode, output, results):
        self.command = command
        self.rc = returncode
        self.output = output
        self.results = results

    @property
    def result(self):
        """The result of the only (or last) task: what an ad-hoc module run returned."""
        assert self.results, 'no task result was recorded; output:\n%s' % self.output[-4000:]
        return self.results[-1]['result']

    @property
    def failed(self):
        """Whether the only (or last) task failed, from the recorded status: on ansible-core 2.21 the result a
        callback sees has no 'failed' key."""
        assert self.results, 'no task result was recorded; output:\n%s' % self.output[-4000:]
        return self.results[-1]['status'] == 'failed'

    def task(self, name):
        """The result of the task with this name (the last one, if it ran more than once)."""
        found = [entry['result'] for entry in self.results if entry['task'] == name]
        assert found, 'no result for task %r; tasks seen: %s' % (name, [e['task'] for e in self.results])
        return found[-1]

    def __repr__(self):
        return '<Run rc=%s %s>' % (self.rc, ' '.join(self.command[:4]))


class AnsibleRunner:
    """Runs modules (ad hoc) and playbooks against one simulator, checking each run for leaked secrets."""

    def __init__(self, collections_path, simulator, workdir):
        self.collections_path = str(collections_path)
        self.simulator = simulator
        self.workdir = Path(workdir)
        self.secrets = {TOKEN}
        self._count = 0

    def env(self, extra=None):
        if extra and extra.get('INVOCA_API_TOKEN'):
            self.secrets.add(extra['INVOCA_API_TOKEN'])
        env = {k: v for k, v in os.environ.items() if not k.startswith(('INVOCA_', 'ANSIBLE_'))}
        env.update({
            'ANSIBLE_COLLECTIONS_PATH': self.collections_path,
            'ANSIBLE_CALLBACK_PLUGINS': str(HERE / 'callback_plugins'),
            'ANSIBLE_CALLBACKS_ENABLED': 'record_results',
            'ANSIBLE_LOAD_CALLBACK_PLUGINS': '1',
            'ANSIBLE_INJECT_INVOCATION': 'true',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_LOCAL_TEMP': str(self.workdir / 'ansible-tmp'),
            'INVOCA_API_URL': self.simulator.url,
            'INVOCA_API_TOKEN': TOKEN,
            'INVOCA_SIMULATOR_URL': self.simulator.url,
        })
        env.update(extra or {})
        return {k: v for k, v in env.items() if v is not None}

    def _results_file(self):
        self._count += 1
        return self.workdir / ('results-%d.jsonl' % self._count)

    def _collect(self, command, returncode, output, results_file, expect_rc):
        raw = results_file.read_text(encoding='utf-8') if results_file.exists() else ''
        for secret in self.secrets:
            assert secret not in output + raw, 'the API token leaked into the output or results of %s' % command
        run = Run(command, returncode, output, [json.loads(line) for line in raw.splitlines() if line.strip()])
        if expect_rc is not None:
            assert run.rc == expect_rc, 'exit status %s, expected %s; output:\n%s' % (run.rc, expect_rc, output[-6000:])
        return run

    def _run(self, command, env, expect_rc=None):
        results_file = self._results_file()
        completed = subprocess.run(command, env=dict(env, INVOCA_TEST_RESULTS=str(results_file)), cwd=str(self.workdir),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   check=False, timeout=600)
        return self._collect(command, completed.returncode, completed.stdout.decode('utf-8', errors='replace'),
                             results_file, expect_rc)

    def module(self, name, args=None, check=False, diff=False, env=None, expect_rc=None, secrets=()):
        """Run one module ad hoc: ``ansible localhost -m invoca.messaging.<name> -a <json>``."""
        self.secrets.update(s for s in secrets if s)
        if args and args.get('api_token'):
            self.secrets.add(args['api_token'])
        command = [ansible_tool('ansible'), 'localhost', '-c', 'local', '-i', 'localhost,', '-vvvv',
                   '-m', '%s.%s' % (COLLECTION, name), '-a', json.dumps(args or {})]
        command += ['--check'] if check else []
        command += ['--diff'] if diff else []
        return self._run(command, self.env(env), expect_rc)

    def playbook(self, playbook, extra_vars=None, check=False, diff=False, env=None, expect_rc=None, secrets=()):
        """Run a playbook (a name in tests/integration/playbooks or a path)."""
        self.secrets.update(s for s in secrets if s)
        return self._run(self._playbook_command(playbook, extra_vars, check, diff), self.env(env), expect_rc)

    def task_as_written(self, module, options):
        """Run a playbook of one task of invoca.messaging.``module``, its ``options`` YAML text exactly as a user
        would write them (so an unquoted +18885550100 stays what YAML makes of it: an integer)."""
        self._count += 1
        path = self.workdir / ('as-written-%d.yml' % self._count)
        indented = ''.join('        %s\n' % line for line in options.splitlines())
        path.write_text('- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: As written\n'
                        '      invoca.messaging.%s:\n%s' % (module, indented), encoding='utf-8')
        return self.playbook(str(path))

    @staticmethod
    def _playbook_command(playbook, extra_vars=None, check=False, diff=False):
        path = Path(playbook) if os.path.isabs(str(playbook)) else PLAYBOOKS / playbook
        command = [ansible_tool('ansible-playbook'), '-i', 'localhost,', '-c', 'local', '-vvvv', str(path)]
        command += ['-e', json.dumps(extra_vars)] if extra_vars else []
        command += ['--check'] if check else []
        command += ['--diff'] if diff else []
        return command

    def spawn_playbook(self, playbook, extra_vars=None, env=None):
        """Start a playbook without waiting (for concurrency tests); pass the returned handle to finish(), or to
        kill() if the test never waits for it. It runs in a process group of its own, so kill() ends its module
        processes too."""
        results_file = self._results_file()
        process = subprocess.Popen(self._playbook_command(playbook, extra_vars), env=dict(self.env(env), INVOCA_TEST_RESULTS=str(results_file)),
                                   cwd=str(self.workdir), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        return process, results_file

    @staticmethod
    def kill(handle):
        """End a spawned playbook that is still running, with the module processes it started: killing only
        ansible-playbook would leave its module holding the output pipe, and reading the pipe to its end would wait
        for that module (a minute, for one that waits out a Retry-After)."""
        process = handle[0]
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.communicate()

    def finish(self, handle, expect_rc=None, timeout=600):
        """Wait for a spawned playbook and return its Run, checked for secrets like any other run."""
        process, results_file = handle
        output = process.communicate(timeout=timeout)[0].decode('utf-8', errors='replace')
        return self._collect(process.args, process.returncode, output, results_file, expect_rc)


def assert_clean_failure(result):
    """A failure a person can read: a message of the module's own, no Python traceback, no crash report."""
    text = json.dumps(result)
    assert TRACEBACK not in text, 'a Python traceback in %s' % text
    assert 'module_stderr' not in result, 'the module crashed: %s' % result['module_stderr']
    msg = result.get('msg')
    assert isinstance(msg, str) and msg, 'no message in %s' % text
    assert not msg.startswith(CRASH_PREFIXES), 'the module crashed instead of failing cleanly: %s' % msg


@pytest.fixture(scope='session')
def collections_path(tmp_path_factory):
    """The collection as a user gets it: built with ansible-galaxy and installed from the tarball."""
    build = tmp_path_factory.mktemp('build')
    subprocess.run([ansible_tool('ansible-galaxy'), 'collection', 'build', str(REPO), '--output-path', str(build)],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tarball = next(build.glob('invoca-messaging-*.tar.gz'))
    installed = tmp_path_factory.mktemp('collections')
    subprocess.run([ansible_tool('ansible-galaxy'), 'collection', 'install', str(tarball), '-p', str(installed)],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return installed


@pytest.fixture(scope='session')
def simulator():
    """One simulator for the session; the `sim` fixture resets it for each test."""
    with Simulator(token=TOKEN) as server:
        yield server


@pytest.fixture
def sim(simulator):
    simulator.reset()
    return simulator


@pytest.fixture
def ansible(collections_path, sim, tmp_path):
    return AnsibleRunner(collections_path, sim, tmp_path)
