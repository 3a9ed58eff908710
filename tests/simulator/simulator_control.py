#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start, drive and inspect the Invoca SMS API simulator (standard library only).

Used by pytest fixtures, the benchmark and the demo::

    with Simulator(latency_ms=5) as sim:
        sim.seed(count=100)
        ...  # talk to sim.url with sim.token
        assert sim.writes() == []

and by humans::

    python tests/simulator/simulator_control.py state --url http://127.0.0.1:PORT
    python tests/simulator/simulator_control.py stop --url http://127.0.0.1:PORT
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
# The server is a package; running its directory runs its __main__.py.
SERVER_SCRIPT = os.path.join(HERE, 'invoca_simulator')
DEFAULT_TOKEN = 'sim-token'
DEFAULT_VERSION = '2022-08-01'
# A fixed start of the simulated clock, for tests that compare timestamps written out (--clock-start).
PINNED_CLOCK = '2024-01-01T00:00:00Z'
# The safety net of a harness-started simulator: it follows the process that started it, and ends after this
# long at the latest, so a crashed test run leaves nothing behind. A simulator started by hand has neither.
HARNESS_MAX_LIFETIME = 1800


class SimulatorError(RuntimeError):
    """The simulator did not start, or a control request failed."""


class Response:
    """A raw API answer: status, headers (lower-case names) and body bytes."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode('utf-8'))

    def __repr__(self):
        return 'Response(%d, %r)' % (self.status, self.body[:200])


def has_option(args, name):
    """Whether a command line holds option ``name`` (as ``--name value`` or ``--name=value``)."""
    return any(arg == name or arg.startswith(name + '=') for arg in args)


def _option_args(options):
    """Turn Simulator(**options) keyword arguments into invoca_simulator.py flags."""
    args = []
    for key, value in options.items():
        if value is None or (value is False and key != 'count_endpoint'):
            continue
        flag = '--' + key.replace('_', '-')
        if key == 'count_endpoint':
            if not value:
                args.append('--no-count-endpoint')
        elif key == 'malformed' and isinstance(value, dict):
            args += ['--malformed', value['kind']]
            if value.get('operations'):
                args += ['--malformed-operations', ','.join(value['operations'])]
            if value.get('every'):
                args += ['--malformed-every', str(value['every'])]
        elif key == 'redirect' and isinstance(value, dict):
            args += ['--redirect-to', value['to']]
            if value.get('operations'):
                args += ['--redirect-operations', ','.join(value['operations'])]
        elif value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            args += [flag, ','.join(str(item) for item in value)]
        else:
            args += [flag, str(value)]
    return args


class Simulator:
    """A simulator subprocess on a free loopback port, stopped with the context or by stop().

    Keyword options map to command-line flags (``latency_ms=5`` -> ``--latency-ms 5``,
    ``tls=True`` -> ``--tls``, ``count_endpoint=False`` -> ``--no-count-endpoint``,
    lists are comma-joined, ``malformed``/``redirect`` take the same dicts as /_sim/config).
    The token goes to the server through a private file, never on its command line.
    """

    def __init__(self, token=DEFAULT_TOKEN, token_file=None, python=None, startup_timeout=30.0, extra_args=(), env=None, **options):
        if token_file:
            with open(token_file, encoding='utf-8') as handle:
                tokens = [line.strip() for line in handle if line.strip()]
            if not tokens:
                raise SimulatorError('token file %s holds no token' % token_file)
            token = tokens[0]
        self.tokens = [token] if isinstance(token, str) else list(token)
        self.token = self.tokens[0]
        self._token_file = token_file
        # INVOCA_SIMULATOR_PYTHON runs the server under another interpreter (e.g. the oldest supported one).
        self.python = python or os.environ.get('INVOCA_SIMULATOR_PYTHON') or sys.executable
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        self.env = env
        self.options = options
        self.process = None
        self.url = None
        self.port = None
        self.pid = None
        self.ca_path = None
        self._workdir = None
        self._stdout = None
        self._stderr = None
        self._ssl_context = None
        self._opener = None

    # ------------------------------------------------------------ lifetime

    def command(self, ready_file, token_file):
        command = [self.python, SERVER_SCRIPT, '--ready-file', ready_file, '--token-file', token_file]
        if '--parent-pid' not in self.extra_args and 'parent_pid' not in self.options:
            command += ['--parent-pid', str(os.getpid())]
        if '--max-lifetime' not in self.extra_args and 'max_lifetime' not in self.options:
            command += ['--max-lifetime', str(HARNESS_MAX_LIFETIME)]
        if '--port' not in self.extra_args and 'port' not in self.options:
            command += ['--port', '0']
        if 'clock' not in self.options and not has_option(self.extra_args, '--clock'):
            # Tests decide when deliveries happen: the harness keeps the simulated clock unless asked (clock='real').
            command += ['--clock', 'simulated']
        return command + _option_args(self.options) + self.extra_args

    def start(self):
        if self.process is not None:
            return self
        self._workdir = tempfile.mkdtemp(prefix='invoca-sim-')
        ready_file = os.path.join(self._workdir, 'ready.json')
        token_file = self._token_file
        if token_file is None:
            token_file = os.path.join(self._workdir, 'tokens')
            fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, 'w', encoding='utf-8') as handle:
                handle.write(''.join(item + '\n' for item in self.tokens))
        self._stdout = open(os.path.join(self._workdir, 'stdout'), 'wb')
        self._stderr = open(os.path.join(self._workdir, 'stderr'), 'wb')
        self.process = subprocess.Popen(self.command(ready_file, token_file), stdin=subprocess.DEVNULL, stdout=self._stdout,
                                        stderr=self._stderr, env=self.env, close_fds=True)
        deadline = time.monotonic() + self.startup_timeout
        delay = 0.005
        while not os.path.exists(ready_file):
            if self.process.poll() is not None:
                output = self.stderr()
                self.stop()
                raise SimulatorError('the simulator exited with status %s before it was ready:\n%s' % (self.process.returncode, output))
            if time.monotonic() > deadline:
                output = self.stderr()
                self.stop()
                raise SimulatorError('the simulator was not ready within %.0f s:\n%s' % (self.startup_timeout, output))
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        with open(ready_file, encoding='utf-8') as handle:
            info = json.load(handle)
        self.url, self.port, self.pid, self.ca_path = info['url'], info['port'], info['pid'], info['ca_path']
        if self.ca_path:
            self._ssl_context = ssl.create_default_context(cafile=self.ca_path)
        self._opener = _build_opener(self._ssl_context)
        return self

    def _output(self, name):
        if not self._workdir:
            return ''
        with open(os.path.join(self._workdir, name), encoding='utf-8', errors='replace') as handle:
            return handle.read()

    def stdout(self):
        """What the server printed so far (the ready banner)."""
        return self._output('stdout')

    def stderr(self):
        """What the server wrote to stderr so far (start-up errors, exit reason)."""
        return self._output('stderr')

    def stop(self, timeout=10.0):
        """Stop the server (SIGTERM, then SIGKILL after timeout) and return its exit status."""
        status = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            status = self.process.returncode
        for handle in (self._stdout, self._stderr):
            if handle is not None:
                handle.close()
        self._stdout = self._stderr = None
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        return status

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # --------------------------------------------------------- API helpers

    def api_url(self, version=DEFAULT_VERSION):
        """Base URL of one API version, e.g. http://127.0.0.1:PORT/sms/2022-08-01."""
        return '%s/sms/%s' % (self.url, version)

    def request(self, method, path, body=None, headers=None, token=True, timeout=10.0):
        """One raw API request on a new connection; path is used as given (no encoding).

        token=True sends this simulator's token, a string sends that token, None sends no Authorization.
        body may be bytes, str or a JSON-serialisable object.
        """
        parsed = urllib.parse.urlsplit(self.url)
        if parsed.scheme == 'https':
            connection = http.client.HTTPSConnection(parsed.hostname, parsed.port, timeout=timeout, context=self._ssl_context)
        else:
            connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
        all_headers = {'Accept': 'application/json'}
        if token is True:
            token = self.token
        if token is not None:
            all_headers['Authorization'] = 'Bearer ' + token
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            all_headers['Content-Type'] = 'application/json'
        all_headers.update(headers or {})
        try:
            connection.request(method, path, body=body, headers=all_headers)
            answer = connection.getresponse()
            return Response(answer.status, {name.lower(): value for name, value in answer.getheaders()}, answer.read())
        finally:
            connection.close()

    # ---------------------------------------------------------- control API

    def _control(self, method, path, payload=None):
        return control_request(self.url, method, path, payload, ssl_context=self._ssl_context, opener=self._opener)

    def health(self):
        return self._control('GET', '/_sim/health')

    def state(self, active=False):
        """Every record (soft-deleted too unless active=True), sorted by created_at."""
        return self._control('GET', '/_sim/state' + ('?active=1' if active else ''))['phone_numbers']

    def active_numbers(self):
        return [record['phone_number'] for record in self.state(active=True)]

    def log(self):
        return self._control('GET', '/_sim/log')['requests']

    def peak_in_flight(self):
        """The most API requests the simulator was answering at once since the log was last cleared."""
        return self._control('GET', '/_sim/log')['peak_in_flight']

    def clear_log(self):
        self._control('DELETE', '/_sim/log')

    def writes(self):
        """Log entries of requests that changed the state."""
        return [entry for entry in self.log() if entry['applied']]

    def reset(self, phone_numbers=(), deleted=()):
        """Replace the state, clear the log, put every setting back to the command-line defaults."""
        return self._control('POST', '/_sim/reset', {'phone_numbers': list(phone_numbers), 'deleted': list(deleted)})

    def seed(self, count=None, start=None, phone_numbers=None):
        payload = {}
        if count is not None:
            payload['count'] = count
        if start is not None:
            payload['start'] = start
        if phone_numbers is not None:
            payload['phone_numbers'] = list(phone_numbers)
        return self._control('POST', '/_sim/seed', payload)

    def config(self, **settings):
        """Merge runtime settings (none: just read them) and return the whole configuration."""
        if settings:
            return self._control('POST', '/_sim/config', settings)
        return self._control('GET', '/_sim/config')

    def messages(self, active=False):
        """Every stored message (soft-deleted too unless active=True), in the order they were stored, with its
        outcome and full delivery reports."""
        return self._control('GET', '/_sim/messages' + ('?active=1' if active else ''))['messages']

    def sent_to(self, recipient):
        """The outbound messages stored for one destination number (soft-deleted too)."""
        return [item for item in self.messages() if item['direction'] == 'out' and item['to'] == recipient]

    def advance_clock(self, seconds):
        """Move the clock forward; due deliveries happen at once. Returns {now, clock, settled, pending}.

        On the real clock (clock='real') the jump stays: the clock runs that many seconds ahead of the wall time."""
        return self._control('POST', '/_sim/clock', {'advance_seconds': seconds})

    def now(self):
        """The simulator's clock's current time."""
        return self._control('GET', '/_sim/clock')['now']

    def inbound(self, sender, recipient, text):
        """Store a message received by one of the network's numbers (direction in)."""
        return self._control('POST', '/_sim/inbound', {'from': sender, 'to': recipient, 'text': text})['message']

    def store_message(self, sender, recipient, text='', direction='out', created_at=None, outcome=None, deleted=False):
        """Store any message as if it had been there all along (POST /_sim/messages) and return the stored record.

        direction "out" or "in"; created_at any ISO 8601 timestamp (default: now on the simulated clock), in the past
        or the future; outcome "delivered", "failed", "pending" or an outcome object (default: message_outcomes /
        default_outcome), settled at once, dated created_at + its delay; deleted=True soft-deletes it. Listed at once
        whatever listing_lag_seconds, and sorted by its created_at like every message.
        """
        payload = {'from': sender, 'to': recipient, 'text': text, 'direction': direction, 'deleted': deleted}
        if created_at is not None:
            payload['created_at'] = created_at
        if outcome is not None:
            payload['outcome'] = outcome
        return self._control('POST', '/_sim/messages', payload)['message']

    def info(self):
        """pid, url, the parent pid watched (or None), max lifetime, pid file, watch-loop iterations so far."""
        return self._control('GET', '/_sim/info')


def _build_opener(ssl_context=None):
    # The control API is on loopback: never let an http_proxy variable route it elsewhere.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ssl_context))


def control_request(url, method, path, payload=None, ssl_context=None, opener=None, timeout=30.0):
    """Call the control API at url (the simulator's base URL) and return the decoded JSON."""
    data = None if payload is None else json.dumps(payload).encode('utf-8')
    request = urllib.request.Request(url.rstrip('/') + path, data=data, method=method, headers={'Content-Type': 'application/json'})
    opener = opener or _build_opener(ssl_context)
    try:
        with opener.open(request, timeout=timeout) as answer:
            return json.loads(answer.read().decode('utf-8'))
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode('utf-8', 'replace')
        raise SimulatorError('%s %s answered %d: %s' % (method, path, exc.code, detail)) from exc
    except urllib.error.URLError as exc:
        raise SimulatorError('cannot reach the simulator at %s: %s' % (url, exc.reason)) from exc


def stop_simulator(url, ssl_context=None, timeout=30.0):
    """Ask a running simulator to exit (POST /_sim/shutdown) and wait until it no longer answers."""
    answer = control_request(url, 'POST', '/_sim/shutdown', {}, ssl_context=ssl_context)
    deadline = time.monotonic() + timeout
    delay = 0.02
    while time.monotonic() < deadline:
        try:
            control_request(url, 'GET', '/_sim/health', ssl_context=ssl_context, timeout=2.0)
        except (SimulatorError, OSError, http.client.HTTPException):
            # Refused, reset, or cut off mid-answer (IncompleteRead) as it exits: it no longer answers.
            return {'stopped': True, 'pid': answer.get('pid')}
        time.sleep(delay)
        delay = min(delay * 2, 0.25)
    raise SimulatorError('the simulator at %s was asked to stop but still answers after %.0f s' % (url, timeout))


def _parse_value(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def main(argv=None):
    parser = argparse.ArgumentParser(description='Inspect or drive a running Invoca SMS API simulator.')
    parser.add_argument('command', choices=('health', 'state', 'messages', 'log', 'writes', 'clear-log', 'reset', 'seed', 'config',
                                            'advance-clock', 'info', 'stop'))
    parser.add_argument('settings', nargs='*', help='for config: key=value pairs (values are JSON when they parse as JSON)')
    parser.add_argument('--url', default=os.environ.get('INVOCA_SIMULATOR_URL'), help='simulator base URL (default: $INVOCA_SIMULATOR_URL)')
    parser.add_argument('--ca', default=os.environ.get('INVOCA_SIMULATOR_CA'), help='CA certificate for an https simulator')
    parser.add_argument('--active', action='store_true', help='state: only records that are not soft-deleted')
    parser.add_argument('--count', type=int, help='seed: how many numbers')
    parser.add_argument('--start', help='seed: first number (default +15550000000)')
    parser.add_argument('--seconds', type=float, help='advance-clock: seconds to move the clock forward')
    parser.add_argument('--timeout', type=float, default=30.0, help='stop: how long to wait for the simulator to exit (default %(default)s)')
    args = parser.parse_args(argv)
    if not args.url:
        parser.error('--url is required (or set INVOCA_SIMULATOR_URL)')
    context = ssl.create_default_context(cafile=args.ca) if args.ca else None
    try:
        if args.command == 'health':
            result = control_request(args.url, 'GET', '/_sim/health', ssl_context=context)
        elif args.command == 'state':
            result = control_request(args.url, 'GET', '/_sim/state' + ('?active=1' if args.active else ''), ssl_context=context)
        elif args.command == 'messages':
            result = control_request(args.url, 'GET', '/_sim/messages' + ('?active=1' if args.active else ''), ssl_context=context)
        elif args.command == 'advance-clock':
            if args.seconds is None:
                parser.error('advance-clock needs --seconds')
            result = control_request(args.url, 'POST', '/_sim/clock', {'advance_seconds': args.seconds}, ssl_context=context)
        elif args.command == 'info':
            result = control_request(args.url, 'GET', '/_sim/info', ssl_context=context)
        elif args.command == 'stop':
            result = stop_simulator(args.url, ssl_context=context, timeout=args.timeout)
        elif args.command in ('log', 'writes'):
            result = control_request(args.url, 'GET', '/_sim/log', ssl_context=context)
            if args.command == 'writes':
                result = {'requests': [entry for entry in result['requests'] if entry['applied']]}
        elif args.command == 'clear-log':
            result = control_request(args.url, 'DELETE', '/_sim/log', ssl_context=context)
        elif args.command == 'reset':
            result = control_request(args.url, 'POST', '/_sim/reset', {}, ssl_context=context)
        elif args.command == 'seed':
            payload = {'count': args.count if args.count is not None else 10}
            if args.start:
                payload['start'] = args.start
            result = control_request(args.url, 'POST', '/_sim/seed', payload, ssl_context=context)
        else:
            settings = {}
            for item in args.settings:
                key, sep, value = item.partition('=')
                if not sep:
                    parser.error('config settings are key=value, got %r' % item)
                settings[key] = _parse_value(value)
            result = control_request(args.url, 'POST' if settings else 'GET', '/_sim/config', settings or None, ssl_context=context)
    except SimulatorError as exc:
        sys.stderr.write('simulator_control: %s\n' % exc)
        return 1
    try:
        sys.stdout.write(json.dumps(result, indent=2) + '\n')
        sys.stdout.flush()
    except BrokenPipeError:
        # Piped into head and the like: the reader has what it wanted.
        sys.stdout = None
    return 0


if __name__ == '__main__':
    sys.exit(main())
