# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test doubles shared by the unit tests: a scripted stand-in for requests.Session, a fake clock and sleep, and
an in-memory PhoneNumberClient for the module tests.

Nothing here touches the network or really sleeps.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json as jsonlib
import threading
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from ansible_collections.invoca.messaging.plugins.module_utils.client import ApiError, PhoneNumberClient

TOKEN = 'tok-S3CRET-9f2c41d7e8'
API_URL = 'https://messaging.example.test'
N1 = '+18885550100'
N2 = '+18885550101'
N3 = '+18885550102'
N4 = '+18885550103'


def response(status=200, body=None, raw=None, headers=None, content_type='application/json', url=None):
    """A real requests.Response with the given status and body.

    ``body`` is JSON-encoded; ``raw`` (bytes or str) is sent as it is; neither gives an empty body.
    """
    resp = requests.Response()
    resp.status_code = status
    if raw is not None:
        resp._content = raw.encode('utf-8') if isinstance(raw, str) else raw
    elif body is not None:
        resp._content = jsonlib.dumps(body).encode('utf-8')
    else:
        resp._content = b''
    # The body is already in memory: close() must not try to release a connection that does not exist.
    resp._content_consumed = True
    resp.headers = CaseInsensitiveDict(headers or {})
    if content_type and 'Content-Type' not in resp.headers:
        resp.headers['Content-Type'] = content_type
    resp.url = url or API_URL + '/'
    resp.encoding = 'utf-8'
    return resp


def api_error(status, message='boom', kind='http', method='POST', path='/sms/2022-08-01/phone_numbers/%2B18885550100',
              available_versions=None):
    return ApiError(method, path, message, status=status, kind=kind, api_message=message,
                    available_versions=available_versions)


class Sent:
    """One request as the fake session saw it."""

    def __init__(self, method, url, json_body, timeout, verify, headers, clock_time, thread):
        self.method = method
        self.url = url
        self.json = json_body
        self.timeout = timeout
        self.verify = verify
        self.headers = headers
        self.clock_time = clock_time
        self.thread = thread
        parts = urlsplit(url)
        self.path = parts.path
        self.query = parts.query
        self.params = parse_qsl(parts.query, keep_blank_values=True)

    def __repr__(self):
        return '<Sent %s %s>' % (self.method, self.url)


class FakeSession:
    """Replaces requests.Session: answers each request from a script, or from ``handler(sent)``.

    A script item (or a handler's return value) is a requests.Response, an exception instance to raise, or a
    callable taking the Sent request and returning one of those. Requests past the end of the script fail the
    test with an AssertionError, which the client does not catch.
    """

    def __init__(self, script=(), handler=None, clock=None):
        self.headers = {}
        self.auth = None
        self.max_redirects = 30
        self.sent = []
        self.closed = False
        self.mounted = []
        self._script = list(script)
        self._handler = handler
        self._clock = clock
        self._lock = threading.Lock()

    def mount(self, prefix, adapter):
        self.mounted.append((prefix, adapter))

    def close(self):
        self.closed = True

    def request(self, method, url, json=None, timeout=None, verify=None, **kwargs):
        assert not kwargs, 'unexpected request arguments %r' % (kwargs,)
        prepared = requests.Request(method, url, headers=dict(self.headers)).prepare()
        if self.auth is not None:
            prepared = self.auth(prepared)
        sent = Sent(method, url, json, timeout, verify, dict(prepared.headers),
                    self._clock() if self._clock else None, threading.current_thread().name)
        with self._lock:
            self.sent.append(sent)
            if self._handler is not None:
                item = self._handler(sent)
            else:
                assert self._script, 'unexpected request: %r (the script is exhausted)' % (sent,)
                item = self._script.pop(0)
        if callable(item) and not isinstance(item, (requests.Response, BaseException)):
            item = item(sent)
        if isinstance(item, BaseException):
            raise item
        return item

    @property
    def remaining(self):
        return len(self._script)


class FakeClock:
    """A monotonic clock that only moves when told to (or when FakeSleep sleeps)."""

    def __init__(self, start=1000.0):
        self.now = start
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            return self.now

    def advance(self, seconds):
        with self._lock:
            self.now += seconds


class FakeSleep:
    """Records every requested delay and moves the fake clock by it; never really sleeps."""

    def __init__(self, clock):
        self.clock = clock
        self.calls = []
        self._lock = threading.Lock()

    def __call__(self, seconds):
        with self._lock:
            self.calls.append(seconds)
        self.clock.advance(seconds)

    @property
    def total(self):
        return sum(self.calls)


class EdgeRng:
    """A random.Random stand-in whose uniform() returns one end of the range and records the range asked for."""

    def __init__(self, end='low'):
        self.end = end
        self.ranges = []

    def uniform(self, low, high):
        self.ranges.append((low, high))
        return low if self.end == 'low' else high


class Harness:
    """A real PhoneNumberClient wired to a FakeSession, a FakeClock and a FakeSleep."""

    def __init__(self, script=(), handler=None, rng=None, clock=None, sleep=None, **kwargs):
        self.clock = clock or FakeClock()
        self.sleep = sleep or FakeSleep(self.clock)
        self.session = FakeSession(script, handler, clock=self.clock)
        kwargs.setdefault('api_token', TOKEN)
        kwargs.setdefault('api_url', API_URL)
        self.client = PhoneNumberClient(session=self.session, sleep=self.sleep, clock=self.clock,
                                        rng=rng if rng is not None else EdgeRng('high'), **kwargs)

    @property
    def sent(self):
        return self.session.sent

    def calls(self):
        """(method, path, query) of every request, in order."""
        return [(s.method, s.path, s.query) for s in self.session.sent]


class FakeClient:
    """An in-memory stand-in for PhoneNumberClient, for the module tests.

    ``records`` is the state of the network (soft-deleted records included). ``errors`` maps (action, number)
    to the ApiError that call raises; ``list_error`` is raised by iter_phone_numbers. Every call is recorded in
    ``calls`` as (action, argument).
    """

    def __init__(self, records=(), errors=None, list_error=None, count_value=None):
        self.records = dict((r['phone_number'], dict(r)) for r in records)
        self.errors = dict(errors or {})
        self.list_error = list_error
        self.count_value = count_value
        self.calls = []
        self.closed = False
        self.constructions = []
        self.page_sizes = []
        self.retries = None
        self._lock = threading.Lock()

    def __call__(self, **kwargs):
        """Stands in for the PhoneNumberClient class: 'constructing' it records the options and returns self."""
        self.constructions.append(kwargs)
        return self

    @property
    def constructed(self):
        return bool(self.constructions)

    @property
    def init_kwargs(self):
        assert len(self.constructions) == 1, 'expected one client, the module made %d' % len(self.constructions)
        return self.constructions[0]

    def _enter(self, action, number):
        with self._lock:
            self.calls.append((action, number))
        error = self.errors.get((action, number))
        if error is not None:
            raise error

    @property
    def writes(self):
        return [c for c in self.calls if c[0] in ('create', 'delete')]

    def active_numbers(self):
        return sorted(n for n, r in self.records.items() if not r.get('deleted_at'))

    def get(self, number):
        self._enter('get', number)
        record = self.records.get(number)
        return dict(record) if record is not None else None

    def create(self, number):
        self._enter('create', number)
        with self._lock:
            record = self.records.get(number)
            if record is not None and not record.get('deleted_at'):
                return None, False
            record = {'phone_number': number, 'virtual_line_id': 1, 'created_at': '2026-01-01T00:00:00.000Z',
                      'deleted_at': None}
            self.records[number] = record
            return dict(record), True

    def delete(self, number):
        self._enter('delete', number)
        with self._lock:
            record = self.records.get(number)
            if record is None or record.get('deleted_at'):
                return None, False
            record['deleted_at'] = '2026-01-02T00:00:00.000Z'
            return dict(record), True

    def iter_phone_numbers(self, query=(), limit=500):
        self._enter('list', (tuple(query), limit() if callable(limit) else limit))
        if self.list_error is not None:
            raise self.list_error
        only_active = ('deleted_at[empty]', None) in list(query)
        found = [dict(self.records[n]) for n in sorted(self.records)
                 if not (only_active and self.records[n].get('deleted_at'))]
        # Pages as the real client asks for them: a callable limit is asked before each page, below 1 it stops.
        while True:
            size = limit() if callable(limit) else limit
            if size < 1:
                return
            with self._lock:
                self.page_sizes.append(size)
            page, found = found[:size], found[size:]
            yield from page
            if not found:
                return

    def retry_summary(self):
        return self.retries

    def count(self, query=()):
        self._enter('count', tuple(query))
        if self.count_value is not None:
            return self.count_value
        return len(self.active_numbers())

    def close(self):
        self.closed = True
