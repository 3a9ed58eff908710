# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP with deadlines and caps: a whole-request deadline that cuts slow sockets, bounded body reading and
decompression, and what a failed exchange proves (never sent, or maybe applied).

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import heapq
import http.client
import itertools
import re
import socket
import threading
import time
import traceback
import zlib

from urllib.parse import urlsplit

from ansible_collections.invoca.messaging.plugins.module_utils._api.answers import decimal
from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.excerpts import excerpt

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.exceptions import HTTPError as Urllib3Error
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    requests = None
    HTTPAdapter = HTTPConnection = HTTPSConnection = HTTPConnectionPool = HTTPSConnectionPool = object
    Urllib3Error = OSError
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None


# A listing page of 500 records is well under 1 MiB; anything near this cap is not an answer of this API.
MAX_BODY_BYTES = 32 * 1024 * 1024
_READ_CHUNK = 64 * 1024
_NOT_TLS = re.compile(r'wrong version number|record layer failure|unknown protocol|packet length too long|'
                      r'http request', re.IGNORECASE)


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


# urllib3 starts the text of a connection failure with the connection object: its class (ours is
# _WatchedHTTPSConnection) and host, or its repr. Neither says anything to a user; the host is named by the caller.
_CONNECTION_PREFIX = re.compile(r'^\s*(?:<[\w.]+ object at 0x[0-9a-fA-F]+>|[\w.]*Connection(?:Pool)?\([^)]*\))\s*:\s*')


def _reason(exc):
    """The innermost cause of a requests exception (urllib3 nests several), without the wrapping noise."""
    reason = exc
    for _depth in range(5):
        inner = getattr(reason, 'reason', None)
        if not isinstance(inner, Exception):
            # urllib3's ProtocolError carries ('Connection aborted.', RemoteDisconnected(...)).
            inner = next((arg for arg in getattr(reason, 'args', ()) if isinstance(arg, Exception)), None)
        if inner is None:
            break
        reason = inner
    return excerpt(_CONNECTION_PREFIX.sub('', str(reason)) or type(reason).__name__)


def _causes(exc, depth=8):
    """``exc`` and the exceptions it wraps (urllib3's reason, exceptions among its args, __cause__, __context__)."""
    seen, pending = [], [exc]
    while pending and len(seen) < 4 * depth:
        current = pending.pop(0)
        if not isinstance(current, BaseException) or any(current is known for known in seen):
            continue
        seen.append(current)
        pending.extend([getattr(current, 'reason', None), current.__cause__, current.__context__]
                       + [arg for arg in getattr(current, 'args', ()) if isinstance(arg, BaseException)])
    return seen


# What getaddrinfo answers for a name that does not exist (as opposed to a resolver that did not answer, EAI_AGAIN).
_NO_SUCH_NAME = frozenset(getattr(socket, name) for name in ('EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL')
                          if hasattr(socket, name))
_NO_SUCH_NAME_TEXT = re.compile(r'Name or service not known|nodename nor servname|No address associated with '
                                r'hostname|Non-recoverable failure in name resolution', re.IGNORECASE)
_UNRESOLVED_TEXT = re.compile(r'NameResolutionError|Failed to resolve|Temporary failure in name resolution|'
                              r'getaddrinfo failed', re.IGNORECASE)


def _resolver_said(exc):
    """The resolver's own words for a failed look-up, such as "Name or service not known"."""
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror) and cause.strerror:
            return excerpt(cause.strerror)
    found = re.search(r'\[Errno -?\d+\] ([^)\'"]+)', repr(exc))
    return excerpt(found.group(1).strip()) if found else 'no address found'


def _name_resolution(exc):
    """None, or 'unknown' (the name does not exist: asking again cannot help) or 'unanswered' (the resolver did not
    answer), when ``exc`` is a failure to look up the server's host name."""
    unresolved = False
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return 'unknown' if cause.errno in _NO_SUCH_NAME or _NO_SUCH_NAME_TEXT.search(str(cause)) else 'unanswered'
        if type(cause).__name__ == 'NameResolutionError' or _UNRESOLVED_TEXT.search(str(cause)):
            unresolved = True
    if not unresolved:
        return None
    return 'unknown' if _NO_SUCH_NAME_TEXT.search(repr(exc)) else 'unanswered'


# Exchange failures with a known cause; any other exception is reported too, but not retried.
_EXPECTED_EXCHANGE_FAILURES = (Urllib3Error, http.client.HTTPException, OSError, ValueError, LookupError) + (
    (requests.exceptions.RequestException,) if requests is not None else ())


def _never_sent(exc):
    """A connection failure that proves the request never reached the server (so even a message may be resent)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError) or isinstance(exc, requests.exceptions.ReadTimeout):
        return False
    text = repr(exc)
    markers = ('NewConnectionError', 'Connection refused', 'Failed to establish', 'Name or service not known',
               'nodename nor servname', 'Temporary failure in name resolution', 'NameResolutionError')
    return any(marker in text for marker in markers)


def unreadable(method, path, status, detail, redact):
    """An answer that came but cannot be read: not worth asking again; a write it answered may have applied."""
    error = ApiError(method, path, redact(detail), status=status, kind='malformed',
                     may_have_applied=method not in ('GET', 'HEAD'))
    error.final = True
    return error


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
        reason = _reason(exc)
        if _NOT_TLS.search(reason):
            detail = ('the server at %s is not speaking TLS on that port (%s): if it serves plain HTTP, the URL '
                      'should start with http:// (allowed for this machine only)' % (base_url, reason))
        else:
            detail = ("TLS error talking to %s: %s. Set ca_path to the CA that signed the server's certificate, "
                      'or validate_certs: false for a test server' % (base_url, reason))
        error = ApiError(method, path, redact(detail), kind='transport')
        error.final = True  # a certificate problem does not go away by asking again
        # requests raises SSLError while it sets up the connection (the handshake): no request was written.
        error.never_sent = True
        raise error
    except Exception as exc:  # pylint: disable=broad-except
        # Whatever the server did (reset, malformed headers, a bad URL, a bad encoding, or what nobody foresaw),
        # it is one failed exchange, reported as such: no exception of a server's making escapes a request.
        if deadline.expired:
            detail = 'no answer within the timeout of %s s (for the whole request: connect, headers and body)' % timeout
        elif requests is not None and isinstance(exc, requests.exceptions.Timeout):
            detail = 'no answer within the timeout of %s s: %s' % (timeout, _reason(exc))
        elif requests is not None and isinstance(exc, requests.exceptions.ConnectionError) and _name_resolution(exc):
            host = urlsplit(url).hostname
            if _name_resolution(exc) == 'unknown':
                detail = ('the host name %s does not resolve (%s): the request was not sent, and is not retried. '
                          'Check api_url (or INVOCA_API_URL)' % (host, _resolver_said(exc)))
            else:
                detail = 'the host name %s could not be resolved (%s)' % (host, _resolver_said(exc))
        elif requests is not None and isinstance(exc, requests.exceptions.RequestException):
            detail = 'no answer from %s: %s' % (base_url, _reason(exc))
        else:
            detail = 'the exchange with %s failed: %s: %s' % (base_url, type(exc).__name__, excerpt(str(exc)))
        error = ApiError(method, path, redact(detail), kind='transport')
        error.never_sent = requests is not None and _never_sent(exc)
        error.cause = 'timeout' if deadline.expired or (
            requests is not None and isinstance(exc, requests.exceptions.Timeout)) else 'connection error'
        # Only silence (a timeout, a reset) counts towards "unreachable"; garbage is an answer of sorts.
        error.silent = deadline.expired or isinstance(exc, (requests.exceptions.ConnectionError,
                                                            requests.exceptions.Timeout,
                                                            requests.exceptions.ChunkedEncodingError, OSError))
        # A URL requests cannot use, or a redirect loop, is the same on every attempt: asking again cannot help;
        # nor is a failure of a kind no one foresaw worth repeating.
        # A name that does not exist will not exist a second later either.
        error.final = _name_resolution(exc) == 'unknown' or not isinstance(exc, _EXPECTED_EXCHANGE_FAILURES) or (
            requests is not None and isinstance(exc, (requests.exceptions.InvalidURL,
                                                      requests.exceptions.TooManyRedirects)))
        raise error
    return response


def new_session(pool_size):
    """A requests session whose connections (up to ``pool_size`` at once) are watched by the deadline."""
    session = _Session()
    adapter = _Adapter(pool_connections=1, pool_maxsize=max(1, pool_size), max_retries=0)
    session.mount('https://', adapter)
    session.mount('http://', adapter)
    return session
