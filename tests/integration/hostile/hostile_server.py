# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A scriptable, deliberately hostile stand-in for the phone-number endpoints of the Invoca SMS Messaging API.

Standard library only; listens on 127.0.0.1 on an ephemeral port. Without rules it behaves like an honest API
(create, get, delete, paginated listing over a list of raw records), so a test scripts only the hostile part:

    with HostileServer() as server:
        server.seed('+18885550100')
        server.on('POST', r'/phone_numbers/\\+18885550101$', status=307, headers={'Location': other.url + '/x'})
        server.on('GET', r'/phone_numbers$', action='trickle')
        ...
        assert not server.writes()

Rules are tried in the order they were added; the first that applies answers. A rule matches on the method
(or '*') and a regular expression searched in the decoded path (no query); ``nth`` restricts it to the nth
request it matches (1-based), ``times`` to its first ``times`` matches. A rule answers with a status, headers
and a body (bytes, str, or anything else sent as JSON), with ``handler(request) -> Reply``, or with an action:

- ``redirect``: ``status`` (default 302) and ``location``;
- ``trickle``: headers, then the body one byte a second (``length`` bytes, default 60); with
  ``part='headers'``, the first ``length`` bytes of the status line and headers come one a second;
- ``gzip_bomb``: ``Content-Encoding: gzip`` of 200 MiB of zeros (about 200 KiB on the wire, built once);
- ``huge``: a 100 MiB body announced by Content-Length and streamed lazily;
- ``echo_token``: the token of the request's Authorization header, put by ``form`` (json, errors, errors_text,
  html, text) in an error body of ``status``; ``part`` chooses what is echoed (full, prefixN, collapsed, repr);
- ``close``: the socket is closed without an answer;
- ``hang``: the request is read and never answered (until the server stops, at most ``seconds``).

Every request is logged (method, decoded path, query, whether an Authorization header came, the Host it was
sent to, and the status answered), so tests can assert "no POST or DELETE was sent" or "the token never went
to the other origin". Every loop and wait here is bounded, and the server shuts itself down after
``lifetime`` seconds whatever the test does.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import socket
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

# The one record of the API (tests/api_reference/api.json), as the simulator reads it: honest mode's record
# fields, pagination name and texts are the published ones.
from invoca_simulator.common import API_REFERENCE

API_PREFIX = re.compile(r'^/sms/(?P<version>[^/]+)/phone_numbers(?:\.json)?(?:/(?P<rest>.*?))?(?:\.json)?$')


# The fields of a phone-number record, the name of a list's pagination object (2022-08-01), and the API's texts.
RECORD_FIELDS = tuple(API_REFERENCE['records']['phone_number']['2022-08-01']['full']['fields'])
PAGINATION_KEY = API_REFERENCE['pagination']['2022-08-01']['key']
NOT_FOUND_TEXT = API_REFERENCE['texts']['number_not_in_system']['text'].replace('{phone_number}', '{0}')
UNAUTHORIZED_TEXT = API_REFERENCE['texts']['unauthorized']['text']
# POST of a number already there: 409 with an empty object, as published.
CONFLICT_BODY = API_REFERENCE['bodies_without_text']['create_conflict']['body']
TIMESTAMP = '2024-01-02T03:04:05.000Z'
DELETED_AT = '2024-02-03T04:05:06.000Z'
MIB = 1024 * 1024
BOMB_SIZE = 200 * MIB
HUGE_SIZE = 100 * MIB
_BOMB_LOCK = threading.Lock()
_BOMB = []


def gzip_bomb():
    """200 MiB of zeros, gzip-compressed; made once per process (about a second), then reused."""
    with _BOMB_LOCK:
        if not _BOMB:
            compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
            chunk = bytes(MIB)
            parts = [compressor.compress(chunk) for dummy in range(BOMB_SIZE // MIB)]
            parts.append(compressor.flush())
            _BOMB.append(b''.join(parts))
        return _BOMB[0]


def record(number, deleted=False, **fields):
    """A phone-number record as the API returns it (the published fields, in the published order)."""
    values = {'phone_number': number, 'virtual_line_id': 197, 'network_id': 12345, 'created_at': TIMESTAMP,
              'enabled_at': TIMESTAMP, 'deleted_at': DELETED_AT if deleted else None, 'carrier_interface': 'bandwidth'}
    data = {field: values[field] for field in RECORD_FIELDS}
    data.update(fields)
    return data


class Reply:
    """An answer: status, headers and body (bytes, str, or any other value sent as JSON)."""

    def __init__(self, status=200, body=None, headers=None):
        self.status = status
        self.headers = dict(headers or {})
        if body is None:
            self.data = b''
        elif isinstance(body, bytes):
            self.data = body
        elif isinstance(body, str):
            self.data = body.encode('utf-8')
            self.headers.setdefault('Content-Type', 'text/plain; charset=utf-8')
        else:
            self.data = json.dumps(body).encode('utf-8')
            self.headers.setdefault('Content-Type', 'application/json; charset=utf-8')


class Request:
    """What a handler or a rule sees of one request."""

    def __init__(self, method, path, query, headers, body):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def token(self):
        value = self.headers.get('Authorization') or ''
        return value[len('Bearer '):] if value.startswith('Bearer ') else value


class Rule:
    def __init__(self, method, path, nth=None, times=None, **answer):
        self.method = method.upper()
        self.path = re.compile(path)
        self.nth = nth
        self.times = times
        self.answer = answer
        self.matched = 0

    def applies(self, method, path):
        """Whether this rule answers; counts the match (so nth/times see every matching request)."""
        if self.method not in ('*', method) or not self.path.search(path):
            return False
        self.matched += 1
        if self.nth is not None:
            return self.matched == self.nth
        if self.times is not None:
            return self.matched <= self.times
        return True


def _echo_part(token, part):
    if part == 'full':
        return token
    if part.startswith('prefix'):
        return token[:int(part[len('prefix'):])]
    if part == 'collapsed':
        return ' '.join(token.split())
    if part == 'repr':
        return repr(token)
    raise ValueError('unknown echo part %r' % part)


def echo_reply(token, form='json', part='full', status=422):
    """An error body that repeats (part of) the token, as careless servers and gateways do."""
    echoed = _echo_part(token, part)
    if form == 'json':
        return Reply(status, {'message': 'Invalid token: %s' % echoed})
    if form == 'errors':
        return Reply(status, {'message': 'Unprocessable', 'errors': [
            {'resource': 'token', 'field': echoed, 'code': 'invalid'}]})
    if form == 'errors_text':
        return Reply(status, {'message': 'Unprocessable', 'errors': ['token %s is not valid here' % echoed]})
    if form == 'html':
        return Reply(status, '<html><body><h1>Rejected</h1><p>Bearer %s</p></body></html>' % echoed,
                     {'Content-Type': 'text/html'})
    if form == 'text':
        return Reply(status, 'token %s rejected' % echoed, {'Content-Type': 'text/plain'})
    raise ValueError('unknown echo form %r' % form)


class HostileServer:
    """One server on 127.0.0.1:<ephemeral port>; a context manager that stops it on exit."""

    def __init__(self, name='api', lifetime=900.0, require_token=False):
        self.name = name
        self.lifetime = lifetime
        self.require_token = require_token
        self.records = []
        self.rules = []
        self.log = []
        self.rate_limit = None
        self._accepted = []
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._httpd = None
        self._thread = None
        self._timer = None
        self.url = None

    # -- lifecycle --------------------------------------------------------------------------------------------

    def start(self):
        server = self

        class Handler(_Handler):
            hostile = server

        self._httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self._httpd.daemon_threads = True
        self.url = 'http://127.0.0.1:%d' % self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={'poll_interval': 0.1},
                                        name='hostile-%s' % self.name, daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self):
        self._stopping.set()
        if self._timer is not None:
            self._timer.cancel()
        if self._httpd is not None:
            httpd, self._httpd = self._httpd, None
            httpd.shutdown()
            httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def wait(self, seconds):
        """Sleep up to ``seconds``, returning early when the server stops; True if it is stopping."""
        return self._stopping.wait(seconds)

    # -- scripting --------------------------------------------------------------------------------------------

    def on(self, method, path, nth=None, times=None, **answer):
        """Add a rule (see the module docstring); returns it, so a test can read ``rule.matched``."""
        rule = Rule(method, path, nth=nth, times=times, **answer)
        with self._lock:
            self.rules.append(rule)
        return rule

    def seed(self, *items, deleted=False):
        """Add records: a str becomes a full record of that number; anything else is listed exactly as given."""
        with self._lock:
            for item in items:
                self.records.append(record(item, deleted=deleted) if isinstance(item, str) else item)

    def seed_raw(self, *items):
        """Add listing items exactly as given, strings included (a listing whose records are not objects)."""
        with self._lock:
            self.records.extend(items)

    def active(self):
        """The numbers with an active record, as the server holds them."""
        with self._lock:
            return sorted(set(r['phone_number'] for r in self.records
                              if isinstance(r, dict) and 'phone_number' in r and not r.get('deleted_at')))

    def requests(self, method=None, path=None):
        """Logged requests, optionally only those of ``method`` whose path matches the regex ``path``."""
        with self._lock:
            entries = list(self.log)
        return [e for e in entries if (method is None or e['method'] == method)
                and (path is None or re.search(path, e['path']))]

    def writes(self):
        return [e for e in self.requests() if e['method'] in ('POST', 'PUT', 'PATCH', 'DELETE')]

    # -- answering --------------------------------------------------------------------------------------------

    def answer(self, request):
        """The rule's answer, or the honest API's: a Reply, or ('action', options) for the handler to perform."""
        with self._lock:
            rule = next((r for r in self.rules if r.applies(request.method, request.path)), None)
        if rule is not None:
            answer = dict(rule.answer)
            if 'handler' in answer:
                return answer['handler'](request)
            action = answer.pop('action', None)
            if action == 'redirect':
                return Reply(answer.get('status', 302), b'', {'Location': answer['location'], 'Content-Length': '0'})
            if action == 'echo_token':
                return echo_reply(request.token, answer.get('form', 'json'), answer.get('part', 'full'),
                                  answer.get('status', 422))
            if action is not None:
                return (action, answer)
            return Reply(answer.get('status', 200), answer.get('body'), answer.get('headers'))
        if self.require_token and not request.token:
            return Reply(401, {'message': UNAUTHORIZED_TEXT})
        limited = self._rate_limited()
        if limited is not None:
            return limited
        return self.api(request)

    def _rate_limited(self):
        if self.rate_limit is None:
            return None
        now = time.monotonic()
        with self._lock:
            self._accepted = [t for t in self._accepted if now - t < 1.0]
            if len(self._accepted) >= self.rate_limit:
                return Reply(429, {'message': 'Too Many Requests'}, {'Retry-After': '1'})
            self._accepted.append(now)
        return None

    def api(self, request):
        """The honest API over ``self.records``."""
        match = API_PREFIX.match(request.path)
        if not match:
            return Reply(404, {'message': 'Not Found'})
        rest = match.group('rest')
        with self._lock:
            if not rest:
                if request.method == 'GET':
                    return self.listing(request, self.records)
                if request.method == 'POST':
                    body = json.loads(request.body or b'{}')
                    return self._create(body.get('phone_number'))
                return Reply(405, {'message': 'Method Not Allowed'})
            if rest == 'count' and request.method == 'GET':
                return Reply(200, {'count': len(self.records)})
            if request.method == 'GET':
                found = self._find(rest)
                if not found:
                    return Reply(404, {'message': NOT_FOUND_TEXT.format(rest)})
                return Reply(200, {'phone_number': next((r for r in found if not r.get('deleted_at')), found[-1])})
            if request.method == 'POST':
                return self._create(rest)
            if request.method == 'DELETE':
                active = [r for r in self._find(rest) if not r.get('deleted_at')]
                if not active:
                    return Reply(404, {'message': NOT_FOUND_TEXT.format(rest)})
                for item in active:
                    item['deleted_at'] = DELETED_AT
                return Reply(200, {'phone_number': active[-1]})
        return Reply(405, {'message': 'Method Not Allowed'})

    def _find(self, number):
        return [r for r in self.records if isinstance(r, dict) and r.get('phone_number') == number]

    def _create(self, number):
        found = self._find(number)
        if any(not r.get('deleted_at') for r in found):
            return Reply(409, dict(CONFLICT_BODY))
        if found:
            found[-1]['deleted_at'] = None
            return Reply(201, {'phone_number': found[-1]})
        new = record(number)
        self.records.append(new)
        return Reply(201, {'phone_number': new})

    def listing(self, request, items, count=None, pages=None, next_page='auto'):
        """A pagy page of ``items`` for the request's page/limit; the pager fields may be overridden (hostile)."""
        limit = int(request.arg('limit', '100'))
        page = int(request.arg('page', '1'))
        total = len(items)
        last = max(1, -(-total // limit))
        if next_page == 'auto':
            next_page = page + 1 if page < last else None
        pager = {'count': total if count is None else count, 'pages': last if pages is None else pages,
                 'page': page, 'items': limit, 'prev': page - 1 if page > 1 else None, 'next': next_page,
                 'next_url': '%s?page=%s' % (request.path, '' if next_page is None else next_page)}
        return Reply(200, {'phone_numbers': items[(page - 1) * limit:page * limit], PAGINATION_KEY: pager})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    hostile = None  # set by HostileServer.start

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def _handle(self):
        split = urlsplit(self.path)
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        request = Request(self.command, unquote(split.path), parse_qs(split.query, keep_blank_values=True),
                          self.headers, body)
        entry = {'method': self.command, 'path': request.path, 'raw_path': split.path, 'query': request.query,
                 'has_auth': 'Authorization' in self.headers, 'host': self.headers.get('Host'),
                 'server': self.hostile.name, 'time': time.monotonic(), 'status': None}
        with self.hostile._lock:  # pylint: disable=protected-access
            self.hostile.log.append(entry)
        answer = self.hostile.answer(request)
        if isinstance(answer, Reply):
            entry['status'] = answer.status
            self._send(answer.status, answer.headers, answer.data)
            return
        action, options = answer
        entry['status'] = action
        getattr(self, '_' + action)(**options)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _handle

    def _send(self, status, headers, data):
        self.send_response(status)
        headers = dict(headers)
        headers.setdefault('Content-Length', str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if data and self.command != 'HEAD':
            self.wfile.write(data)

    def _head(self, status, headers):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.flush()

    def _trickle(self, length=60, status=200, part='body'):
        """One byte a second: of the body after prompt headers, or (part='headers') of the status line and headers."""
        self.close_connection = True
        payload = (b'{"phone_numbers": []}' + b' ' * length)[:length]
        if part == 'headers':
            head = ('HTTP/1.1 %d OK\r\nContent-Type: application/json\r\nX-Padding: %s\r\nContent-Length: %d\r\n\r\n'
                    % (status, '.' * length, len(payload))).encode('ascii')
            slow, fast = head[:length], head[length:] + payload
        else:
            self._head(status, {'Content-Type': 'application/json', 'Content-Length': str(length)})
            slow, fast = payload, b''
        try:
            for index in range(len(slow)):
                if self.hostile.wait(1.0):
                    return
                self.wfile.write(slow[index:index + 1])
                self.wfile.flush()
            self.wfile.write(fast)
        except OSError:
            return

    def _gzip_bomb(self, status=200):
        data = gzip_bomb()
        self._send(status, {'Content-Type': 'application/json', 'Content-Encoding': 'gzip'}, data)

    def _huge(self, status=200, size=HUGE_SIZE):
        self.close_connection = True
        self._head(status, {'Content-Type': 'application/json', 'Content-Length': str(size)})
        chunk = b' ' * (64 * 1024)
        sent = 0
        try:
            while sent < size and not self.hostile.wait(0):
                part = chunk[:size - sent]
                self.wfile.write(part)
                sent += len(part)
        except OSError:
            return

    def _close(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _hang(self, seconds=60):
        self.close_connection = True
        self.hostile.wait(seconds)


def gunzip_size(data):
    """Decompressed size of gzip ``data``, counted in bounded chunks (for the server's own tests)."""
    total = 0
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
        for dummy in range(10 * BOMB_SIZE // MIB):
            chunk = stream.read(MIB)
            if not chunk:
                break
            total += len(chunk)
    return total
