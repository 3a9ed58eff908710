# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest fixtures and checks for the tests against the hostile server (tests/integration/hostile/test_hostile_*.py).

Imported by tests/integration/conftest.py, so that those tests get ``hostile`` (a fresh server per test),
``other_origin`` (a second server on another port, standing for another origin) and ``hostile_ansible`` (an
AnsibleRunner pointed at ``hostile``, which checks every run for the token like any integration run).
"""

from __future__ import annotations

import json
import random
import re
import string
import time

import pytest

from hostile_server import HostileServer

# Every request the collection may build from a valid number or for a listing; anything else means a path was
# built from a server value that is not an E.164 number.
VALID_PATH = re.compile(r'^/sms/[0-9]{4}-[0-9]{2}-[0-9]{2}/phone_numbers(/count|/\+[1-9][0-9]{6,14})?$')
TRACEBACK = 'Traceback (most recent call last)'
# How ansible-core reports a module that raised instead of failing (<2.19, then 2.19+); since 2.19 the console
# shows "Task failed: Module failed: <msg>" for every failure, so only the result's own msg tells a crash apart.
CRASH_PREFIXES = ('MODULE FAILURE', 'Task failed: Module failed:')


def random_token(prefix='', length=40):
    """A token no output holds by chance: 8 characters of it are already a one-in-2e14 coincidence."""
    rng = random.SystemRandom()
    return prefix + ''.join(rng.choice(string.ascii_letters + string.digits) for dummy in range(length))


def token_forms(token):
    """The token as given and as code may turn it: stripped, repr-escaped, JSON-escaped, whitespace-collapsed."""
    forms = {token, token.strip(), repr(token)[1:-1], json.dumps(token)[1:-1], ' '.join(token.split()),
             token.encode('unicode_escape').decode('ascii')}
    return [form for form in forms if form]


def token_fragments(token, size=8):
    """Every ``size``-character piece of every form of the token (a cut-off prefix is one of them)."""
    pieces = set()
    for form in token_forms(token):
        for start in range(0, max(1, len(form) - size + 1)):
            piece = form[start:start + size]
            # A piece that is only separators (e.g. the escape sequence of a tab) says nothing about the token.
            if len(piece) == size and sum(ch.isalnum() for ch in piece) >= 4:
                pieces.add(piece)
    return pieces


def assert_no_token_fragment(run, token):
    """Neither the output nor the recorded results of ``run`` hold the token or 8 characters of it, in any form."""
    texts = {'output': run.output, 'results': json.dumps(run.results)}
    for where, text in texts.items():
        for piece in token_fragments(token):
            assert piece not in text, '8 characters of the token (%r) are in the %s:\n%s' % (
                piece, where, text[max(0, text.find(piece) - 300):text.find(piece) + 300])


def assert_no_crash(run):
    """No Python traceback in what the user sees, and no task whose result is a crash report."""
    assert TRACEBACK not in run.output, 'a Python traceback in the output:\n%s' % run.output[-5000:]
    for entry in run.results:
        result = entry['result']
        msg = result.get('msg') if isinstance(result.get('msg'), str) else ''
        assert 'module_stderr' not in result and not msg.startswith(CRASH_PREFIXES), (
            'the module crashed instead of failing cleanly: %s' % msg or result.get('module_stderr'))


def assert_paths_valid(server):
    """Every request was for a listing, a count or one valid E.164 number: no path from a bad server value."""
    bad = [(e['method'], e['raw_path']) for e in server.requests() if not VALID_PATH.match(e['path'])]
    assert not bad, 'requests built from values that are not E.164 numbers: %s' % bad


class Stopwatch:
    """Wall-clock time of a run, and the part of it after the server got its first request.

    The second excludes starting ansible, which takes seconds more on a loaded machine, so a bound on what the
    module does with the server's time can be tight without being flaky.
    """

    def __init__(self, server=None):
        self.server = server
        self.started = self.ended = None

    def __enter__(self):
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc_info):
        self.ended = time.monotonic()

    @property
    def elapsed(self):
        return self.ended - self.started

    @property
    def since_first_request(self):
        first = self.server.requests()[0]['time'] if self.server.requests() else self.ended
        return self.ended - first


@pytest.fixture
def hostile():
    with HostileServer(name='api') as server:
        yield server


@pytest.fixture
def other_origin():
    """Another origin (same loopback host, another port): a token sent here has left the API."""
    with HostileServer(name='other-origin', require_token=True) as server:
        yield server


@pytest.fixture
def hostile_ansible(collections_path, hostile, tmp_path):
    # Imported here: conftest imports this module, and AnsibleRunner lives in conftest.
    from conftest import AnsibleRunner  # pylint: disable=import-outside-toplevel
    return AnsibleRunner(collections_path, hostile, tmp_path)
