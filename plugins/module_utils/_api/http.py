# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP with deadlines and caps: a whole-request deadline that cuts slow sockets, and bounded body reading and
decompression. What a failed exchange proves is in failures.py.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import heapq
import itertools
import socket
import threading
import time
import zlib

from urllib.parse import urlsplit

from ansible_collections.invoca.messaging.plugins.module_utils._api.answers import decimal
from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.failures import (
    exchange_error,
    tls_error,
    unreadable,
)
from ansible_collections.invoca.messaging.plugins.module_utils._api.requests_import import (
    HTTPAdapter,
    HTTPConnection,
    HTTPConnectionPool,
    HTTPSConnection,
    HTTPSConnectionPool,
    requests,
)


# A listing page of 500 records is well under 1 MiB; anything near this cap is not an answer of this API.
MAX_BODY_BYTES = 32 * 1024 * 1024
_READ_CHUNK = 64 * 1024


class _Watchdog:
    """One thread that fires every _Deadline of the process when its time comes.

    A threading.Timer per request would start a thread per request, which costs more than a fast request itself.
    Finished deadlines are dropped when they reach the top of the heap.
    """

    _cond = threading.Condition()
    _heap = []
    _order = itertools.count()
    _thread = None

    @classmethod
    def watch(cls, when, deadline):
        with cls._cond:
            heapq.heappush(cls._heap, (when, next(cls._order), deadline))
            if cls._thread is None or not cls._thread.is_alive():
                cls._thread = threading.Thread(target=cls._run, name='invoca-deadlines')
                cls._thread.daemon = True
                cls._thread.start()
            cls._cond.notify()

    @classmethod
    def _run(cls):
        with cls._cond:
            while True:
                while cls._heap and cls._heap[0][2].finished:
                    heapq.heappop(cls._heap)
                if not cls._heap:
                    cls._cond.wait()
                    continue
                remaining = cls._heap[0][0] - time.monotonic()
                if remaining > 0:
                    cls._cond.wait(remaining)
                    continue
                heapq.heappop(cls._heap)[2].expire()


class _Deadline:
    """Ends one request when its time is up, whatever the server does.

    requests' timeout bounds each socket operation, so a server trickling a byte a second could hold a request
    for hours. At the deadline the _Watchdog shuts the request's socket down, which ends any blocked read.
    """

    _current = threading.local()

    def __init__(self, seconds):
        self.seconds = seconds
        self.expired = False
        self.finished = False
        self._sock = None
        self._lock = threading.Lock()

    def __enter__(self):
        _Deadline._current.value = self
        _Watchdog.watch(time.monotonic() + self.seconds, self)
        return self

    def __exit__(self, *exc_info):
        with self._lock:
            self.finished = True
            self._sock = None
        _Deadline._current.value = None
        return False

    @classmethod
    def watch(cls, sock):
        deadline = getattr(cls._current, 'value', None)
        if deadline is not None:
            deadline._attach(sock)

    def _attach(self, sock):
        with self._lock:
            self._sock = sock
            expired = self.expired
        if expired:
            self._shut(sock)

    def expire(self):
        with self._lock:
            if self.finished:
                return
            self.expired = True
            sock = self._sock
        if sock is not None:
            self._shut(sock)

    @staticmethod
    def _shut(sock):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except (OSError, ValueError):
            pass


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self, *args, **kwargs):  # pylint: disable=signature-differs
        _Deadline.watch(self.sock)
        return super(_WatchedHTTPConnection, self).getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self, *args, **kwargs):  # pylint: disable=signature-differs
        _Deadline.watch(self.sock)
        return super(_WatchedHTTPSConnection, self).getresponse(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _Session(requests.Session if requests is not None else object):
    """A Session that never looks at a redirect itself: the Transport decides (and a write is never redirected).

    requests otherwise parses the Location of every 3xx (a malformed one raises before we see the answer) and
    turns a redirected POST into a GET.
    """

    def get_redirect_target(self, resp):
        return None


class _Adapter(HTTPAdapter):
    """An HTTPAdapter whose connections can be cut by a _Deadline."""

    def init_poolmanager(self, *args, **kwargs):
        super(_Adapter, self).init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {'http': _WatchedHTTPPool, 'https': _WatchedHTTPSPool}


class _TooLarge(Exception):
    pass


class _Undecodable(Exception):
    """A compressed body that does not decompress (a corrupt gzip stream, raw deflate without its header)."""


def _inflate(inflater, data, limit):
    try:
        return inflater.decompress(data, limit) if limit is not None else inflater.flush()
    except zlib.error as exc:
        raise _Undecodable(str(exc))


def _read_body(response):
    """The body's bytes, decompressed, refusing more than MAX_BODY_BYTES without reading it all."""
    raw = getattr(response, 'raw', None)
    if raw is None or not hasattr(raw, 'read'):
        # Already in memory (a response built by a test double).
        content = response.content or b''
        if len(content) > MAX_BODY_BYTES:
            raise _TooLarge(len(content))
        return content
    length = decimal(response.headers.get('Content-Length'))
    if length is not None and length > MAX_BODY_BYTES:
        raise _TooLarge(length)
    encoding = response.headers.get('Content-Encoding', '').strip().lower()
    inflater = None
    if encoding in ('gzip', 'x-gzip'):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == 'deflate':
        inflater = zlib.decompressobj()
    body = bytearray()
    while True:
        chunk = raw.read(_READ_CHUNK, decode_content=False)
        if not chunk:
            break
        if inflater is None:
            body += chunk
        else:
            # max_length bounds what one chunk may inflate to: a gzip bomb stops at the cap, not in memory.
            while chunk:
                body += _inflate(inflater, chunk, MAX_BODY_BYTES + 1 - len(body))
                if len(body) > MAX_BODY_BYTES:
                    raise _TooLarge(len(body))
                chunk = inflater.unconsumed_tail
        if len(body) > MAX_BODY_BYTES:
            raise _TooLarge(len(body))
    if inflater is not None:
        body += _inflate(inflater, b'', None)
        if len(body) > MAX_BODY_BYTES:
            raise _TooLarge(len(body))
    return bytes(body)


def origin(url):
    parts = urlsplit(url)
    port = parts.port or {'http': 80, 'https': 443}.get(parts.scheme)
    return (parts.scheme, (parts.hostname or '').lower(), port)


def exchange(session, method, url, path, body, headers, seconds, verify, base_url, timeout, redact):
    """One HTTP exchange within ``seconds`` (connect, headers and body), its body read and bounded; a response
    whose body is in ``_invoca_body``, or ApiError (kind transport or malformed) saying what the failure proves."""
    seconds = max(seconds, 0.001)
    kwargs = dict(json=body, timeout=seconds, verify=verify, headers=headers, allow_redirects=False,
                  stream=True)
    deadline = _Deadline(seconds)
    try:
        with deadline:
            response = session.request(method, url, **kwargs)
            try:
                response._invoca_body = _read_body(response)
            except _TooLarge as exc:
                response.close()
                raise unreadable(method, path, response.status_code, 'the answer is too large (more than %d MiB%s); '
                                 'refused without reading it all'
                                 % (MAX_BODY_BYTES // (1024 * 1024), ', %d bytes announced' % exc.args[0]
                                    if exc.args and exc.args[0] else ''), redact)
            except _Undecodable as exc:
                response.close()
                raise unreadable(method, path, response.status_code, 'the answer is compressed (%s) but does not '
                                 'decompress: %s' % (response.headers.get('Content-Encoding'), exc), redact)
            if deadline.expired:
                # The deadline cut the socket, and what was read until then looks like a whole answer (headers
                # end at EOF, a body without a length ends at EOF): it is not one.
                response.close()
                raise OSError('the answer was cut off at the deadline')
    except ApiError:
        raise
    except requests.exceptions.SSLError as exc:
        raise tls_error(method, path, exc, base_url, redact)
    except Exception as exc:  # pylint: disable=broad-except
        # Whatever the server did (reset, malformed headers, a bad URL, a bad encoding, or what nobody foresaw),
        # it is one failed exchange, reported as such: no exception of a server's making escapes a request.
        raise exchange_error(method, path, exc, url, base_url, timeout, deadline.expired, redact)
    return response


def new_session(pool_size):
    """A requests session whose connections (up to ``pool_size`` at once) are watched by the deadline."""
    session = _Session()
    adapter = _Adapter(pool_connections=1, pool_maxsize=max(1, pool_size), max_retries=0)
    session.mount('https://', adapter)
    session.mount('http://', adapter)
    return session
