# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTTP transport of the Invoca SMS Messaging API, shared by every resource client.

Internal to this collection: not a public API, and it may change in any release.

It knows HTTP and nothing of phone numbers or messages: authentication, retries under a per-operation safety
rule, the shared 429 throttle, whole-request deadlines, body size caps, decoding, token redaction, errors and
the page walker. Every answer is untrusted input: it is bounded in time and size and checked before a caller
acts on it. No Ansible here, so it can be unit-tested on its own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import email.utils
import hashlib
import heapq
import http.client
import ipaddress
import itertools
import json
import math
import os
import random
import re
import socket
import threading
import time
import traceback
import zlib

from urllib.parse import parse_qs, quote, unquote, urljoin, urlsplit

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

__version__ = '2.0.0'

DEFAULT_API_URL = 'https://messaging.invoca.net'
DEFAULT_API_VERSION = '2022-08-01'
MAX_PAGE_SIZE = 500
# A timeout of days is a typo, not a wish; it would also hold an AWX job slot that long.
MAX_TIMEOUT = 3600

# A listing page of 500 records is well under 1 MiB; anything near this cap is not an answer of this API.
MAX_BODY_BYTES = 32 * 1024 * 1024
_READ_CHUNK = 64 * 1024
# Hard ceilings of one listing, whatever its pages announce: far above any real network, far below exhaustion.
MAX_PAGES = 20000
MAX_ITEMS = 250000
MAX_REDIRECTS = 5

# A Retry-After of minutes (or a hostile one of days) must not stall a playbook: wait at most this long per answer...
MAX_RETRY_AFTER = 60.0
# ...and at most this long in all, counted as wall-clock time during which some request of the task was waiting.
RETRY_BUDGET = 300.0
# A 429 says "not processed": asking again is always safe, so it does not use up max_retries, only this many.
MAX_THROTTLED_RETRIES = 30
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
# After this many attempts in a row got no answer at all (across workers), the server is taken as unreachable
# and nothing more is sent: a server that hangs on every write costs a few timeouts, not one per write.
UNREACHABLE_AFTER = 4
# A connection refused, or closed without an answer, costs milliseconds where a timeout costs ``timeout`` seconds,
# and a proxy that drops answers at random drops a few in a row now and then while the API itself is fine
# (sms_message then looks each message up): it takes this many of them to count as one timeout.
DISCONNECTS_PER_TIMEOUT = 4

_VERSION_FORMAT = re.compile(r'[0-9]{4}-[0-9]{2}-[0-9]{2}')
_VERSION_PATH = re.compile(r'/sms(/[^/]*)?/*$')
_UNKNOWN_VERSION = re.compile(r'did not include a valid version', re.IGNORECASE)
_AVAILABLE_VERSIONS = re.compile(r'Available versions are:\s*(.+?)\.?\s*$', re.IGNORECASE)
_BODY_EXCERPT = 200
# str.isdigit() also accepts characters such as superscript digits, which int() refuses.
_PAGE_NUMBER = re.compile(r'[0-9]{1,9}')
# A body that starts with markup (after a byte-order mark, an XML prolog or a comment) and holds one of these tags
# is an HTML page, such as a proxy's "502 Bad Gateway": shown as the text a browser would show, never as markup.
_HTML_TAG = re.compile(r'<(!doctype\s+html|html|head|body|title|h[1-6]|center|p|div|pre|table)\b', re.IGNORECASE)
_TITLE = re.compile(r'<title[^>]*>(.*?)</title>', re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r'<!--.*?-->|<\?.*?\?>|<[^>]*>', re.DOTALL)
_SCRIPT = re.compile(r'<(script|style)[^>]*>.*?</\1>', re.IGNORECASE | re.DOTALL)
_NOT_TLS = re.compile(r'wrong version number|record layer failure|unknown protocol|packet length too long|'
                      r'http request', re.IGNORECASE)
REDACTED = '********'


class ApiConfigError(ValueError):
    """Settings that cannot work (bad URL, token, timeout, CA path, version); raised before any request."""


class ApiError(Exception):
    """A request that did not give a usable answer.

    ``kind`` says which way it went wrong: ``http`` (an error status), ``transport`` (no answer: connection, TLS
    or timeout), ``malformed`` (an answer that cannot be read or holds data that cannot be true), ``version``
    (the server does not offer the API version asked for), ``pagination`` (the pages do not add up),
    ``redirect`` (a write answered with a redirect), ``unreachable`` (not sent: the server stopped answering),
    ``budget`` (not retried: the task's retry budget is spent), ``contradiction`` (the server's answers
    contradict each other), ``not_attempted`` and ``unexpected``.

    ``may_have_applied`` is True when a write may have reached the server although no success was seen.
    """

    def __init__(self, method, path, detail, status=None, kind='http', api_message=None, errors=None,
                 available_versions=None, may_have_applied=False, redirected_to=None):
        self.method = method
        # As a person would write it: +18885550100, not %2B18885550100.
        self.path = unquote(path) if path else path
        self.detail = detail
        self.status = status
        self.kind = kind
        self.api_message = api_message
        self.errors = errors or []
        self.available_versions = available_versions or []
        self.may_have_applied = may_have_applied
        self.redirected_to = redirected_to
        # Set by the transport only: the request provably never left (a refused connection), or asking again
        # cannot help (a certificate problem, an oversized answer).
        self.never_sent = False
        self.final = False
        self.silent = False
        self.cause = 'connection error'
        super(ApiError, self).__init__(self.__str__())

    def __str__(self):
        status = ' answered HTTP %s' % self.status if self.status is not None else ''
        return '%s %s%s: %s' % (self.method, self.path, status, self.detail)

    def to_dict(self):
        """What a module can return about this error; never holds credentials."""
        return {'method': self.method, 'path': self.path, 'status': self.status, 'kind': self.kind,
                'message': self.api_message or self.detail}


class Redactor:
    """Removes the API token from any text: as given, stripped, repr-escaped, URL-encoded, whitespace-collapsed,
    and any piece of it of ``min_piece`` characters or more (a server may echo a cut-off token).

    One instance per token; every text that can reach a result, warning or message goes through ``redact``.
    """

    def __init__(self, secret, min_piece=8):
        self._min = min_piece
        forms = set()
        if isinstance(secret, str) and secret:
            for form in (secret, secret.strip(), repr(secret)[1:-1], repr(secret.strip())[1:-1],
                         ' '.join(secret.split()), quote(secret, safe=''), json.dumps(secret)[1:-1]):
                if form:
                    forms.add(form)
        self._whole = sorted(forms, key=len, reverse=True)
        self._pieces = set()
        for form in forms:
            for start in range(0, max(0, len(form) - min_piece) + 1):
                piece = form[start:start + min_piece]
                if len(piece) == min_piece:
                    self._pieces.add(piece)

    def redact(self, text):
        if not isinstance(text, str) or not self._whole:
            return text
        for form in self._whole:
            text = text.replace(form, REDACTED)
        if not self._pieces:
            return text
        covered = bytearray(len(text))
        for start in range(0, len(text) - self._min + 1):
            if text[start:start + self._min] in self._pieces:
                covered[start:start + self._min] = b'\x01' * self._min
        if not any(covered):
            return text
        out, index = [], 0
        while index < len(text):
            if covered[index]:
                while index < len(text) and covered[index]:
                    index += 1
                out.append(REDACTED)
            else:
                out.append(text[index])
                index += 1
        return ''.join(out)

    def redact_data(self, data):
        """``redact`` applied to every string of a JSON-like structure (keys included)."""
        if isinstance(data, str):
            return self.redact(data)
        if isinstance(data, dict):
            return dict((self.redact_data(k), self.redact_data(v)) for k, v in data.items())
        if isinstance(data, (list, tuple)):
            return [self.redact_data(item) for item in data]
        return data


class RetryPolicy:
    """Which failures of one operation may be answered by sending it again.

    A number create or delete, and every read, is safe to resend: if the first one landed, the repeat answers
    409 or 404, or reads the same. Sending a message is not: a resend after an answer that may have been lost
    would send it twice, so only failures that prove the request was not processed are retried (a refused
    connection, a 429) and every other failure is reported as "may have been applied" for the caller to check.
    """

    def __init__(self, name, retry_statuses, resend_after_ambiguous_failure):
        self.name = name
        self.retry_statuses = frozenset(retry_statuses)
        self.resend_after_ambiguous_failure = resend_after_ambiguous_failure

    def __repr__(self):
        return '<RetryPolicy %s>' % self.name


SAFE_TO_RESEND = RetryPolicy('safe to resend', (429, 500, 502, 503, 504), True)
NOT_SAFE_TO_RESEND = RetryPolicy('not safe to resend', (429,), False)


class Throttle:
    """Shared by every worker of one transport: after a 429, nobody sends until the Retry-After has passed.

    Without it, each of N workers would sleep and retry on its own schedule and the API would keep seeing N
    requests per round, which is what the 429 asked us to stop.
    """

    def __init__(self, clock, sleep):
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._not_before = 0.0

    def hold(self, seconds):
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)

    def wait(self):
        while True:
            with self._lock:
                remaining = self._not_before - self._clock()
            if remaining <= 0:
                return
            self._sleep(remaining)


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


def _is_loopback(host):
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_api_url(api_url):
    """Return the base URL without a trailing slash, or raise ApiConfigError."""
    if not isinstance(api_url, str) or not api_url.strip():
        raise ApiConfigError('api_url must be a URL such as %s, got %r' % (DEFAULT_API_URL, api_url))
    url = api_url.strip().rstrip('/')
    try:
        parts = urlsplit(url)
        hostname, dummy = parts.hostname, parts.port
    except ValueError as exc:
        raise ApiConfigError('api_url %r is not a valid URL (%s); expected one such as %s'
                             % (api_url, exc, DEFAULT_API_URL))
    if parts.scheme not in ('https', 'http') or not hostname:
        raise ApiConfigError('api_url %r is not an http(s) URL such as %s' % (api_url, DEFAULT_API_URL))
    if parts.username or parts.password:
        # Not repeated in the message: the part before the @ may be a password.
        raise ApiConfigError('api_url must not carry credentials (user:password@): the API token is the only '
                             'credential, given in api_token')
    if '?' in url or '#' in url or any(ord(c) < 0x21 or ord(c) > 0x7e for c in url):
        raise ApiConfigError('api_url %r must not carry a query or a fragment (nor spaces or control '
                             'characters)' % (api_url,))
    if _VERSION_PATH.search(parts.path):
        # The documents give the base URL as .../sms/<version>/; appended to again, every path would 404, and a
        # 404 must never be taken for "number absent".
        raise ApiConfigError('api_url %r includes the /sms/<version> path: give only the server, e.g. %s, and the '
                             'version in api_version' % (api_url, DEFAULT_API_URL))
    if parts.scheme == 'http' and not _is_loopback(hostname):
        raise ApiConfigError(
            'api_url %r uses plain http to a host that is not this machine: the API token would travel in clear '
            'text. Use https:// (plain http is accepted only for 127.0.0.1, ::1 and localhost, e.g. a local '
            'simulator)' % (api_url,))
    return url


def validate_api_version(api_version):
    if not isinstance(api_version, str) or not _VERSION_FORMAT.fullmatch(api_version):
        raise ApiConfigError('api_version %r is not a date of the form YYYY-MM-DD such as %s'
                             % (api_version, DEFAULT_API_VERSION))
    return api_version


def validate_api_token(api_token):
    """The token as it will be sent, or ApiConfigError with a message that never contains it."""
    if not isinstance(api_token, str) or not api_token.strip():
        raise ApiConfigError('api_token is empty: set the api_token option or the INVOCA_API_TOKEN environment '
                             'variable')
    token = api_token.strip()
    for char in token:
        code = ord(char)
        if code < 0x20 or code == 0x7f:
            raise ApiConfigError('api_token contains a control character (such as a newline, carriage return or '
                                 'tab), which cannot be sent in an HTTP header; it was not sent. Check how the token '
                                 'was copied (the value is not shown here)')
        if code > 0xff or 0x80 <= code < 0xa0:
            raise ApiConfigError('api_token contains a character that cannot be sent in an HTTP header (only '
                                 'Latin-1 text is allowed); it was not sent. Check how the token was copied (the value '
                                 'is not shown here)')
    return token


def validate_timeout(timeout):
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_TIMEOUT:
        raise ApiConfigError('timeout must be a number of seconds from 1 to %d, got %r' % (MAX_TIMEOUT, timeout))
    return timeout


def validate_ca_path(ca_path):
    if ca_path and not os.path.exists(ca_path):
        raise ApiConfigError('ca_path %r does not exist: give the path of a PEM file (or a directory of them) '
                             'holding the CA that signed the server certificate' % (ca_path,))
    if ca_path and not os.access(ca_path, os.R_OK):
        raise ApiConfigError('ca_path %r cannot be read by this user' % (ca_path,))
    return ca_path or None


def encode_query(params):
    """Encode (key, value) pairs the way the API documents them.

    Keys are written with their brackets (``created_at[lte]``; urllib3 percent-encodes the brackets on the wire,
    which the server decodes back); values are fully percent-encoded, so the ``+`` of an E.164 number travels
    as ``%2B`` and no value can smuggle in another parameter. A value of None sends the bare key, as the
    ``empty`` filter operator is written (``deleted_at[empty]``).
    """
    parts = []
    for key, value in params:
        key = quote(str(key), safe='[]_')
        parts.append(key if value is None else '%s=%s' % (key, quote(str(value), safe=':')))
    return '&'.join(parts)


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None when absent/unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    try:
        return max(0.0, when.timestamp() - now)
    except (OverflowError, ValueError, OSError):
        return None


def looks_like_html(text):
    """True for a page of markup, however it begins; JSON or plain text that merely mentions a tag is not one."""
    text = (text or '').lstrip('\ufeff \t\r\n')
    return text.startswith('<') and _HTML_TAG.search(text) is not None


def excerpt(text):
    """A one-line excerpt of a server's text: HTML reduced to what a browser would show, whitespace collapsed."""
    if looks_like_html(text):
        title = _TITLE.search(text)
        shown = title.group(1) if title and title.group(1).strip() else _TAG.sub(' ', _SCRIPT.sub(' ', text))
        text = _TAG.sub(' ', shown).replace('&nbsp;', ' ').replace('&amp;', '&').replace('&lt;', '<') \
            .replace('&gt;', '>')
    text = ' '.join((text or '').split())
    return text if len(text) <= _BODY_EXCERPT else text[:_BODY_EXCERPT] + '...'


# The API overview says responses are filtered to records created today unless the request filters created_at.
# A listing that silently covered one day would make a reconciliation recreate (or, with exclusive, keep) numbers
# it did not see, or a lookup miss a sent message, so every listing sends an explicit lower bound over all time.
EPOCH = '1970-01-01T00:00:00.000Z'
ALL_TIME = ('created_at[gte]', EPOCH)


def covering_all_time(query):
    """``query`` as a list, with the ALL_TIME filter first unless it already filters on created_at."""
    query = list(query)
    if any(str(key).startswith('created_at[') for key, _value in query):
        return query
    return [ALL_TIME] + query


def describe(value):
    """A one-line excerpt of a server value (JSON when it can be), for a message naming it."""
    try:
        return excerpt(json.dumps(value, sort_keys=True, default=str))
    except (TypeError, ValueError, RecursionError):
        return excerpt(repr(value))


class Answer:
    """A response reduced to what the clients need: status, decoded JSON (or the reason there is none)."""

    def __init__(self, status, body, problem, text, headers=None, url=None):
        self.status = status
        self.body = body
        self.problem = problem
        self.text = text
        self.headers = headers or {}
        self.url = url
        self.attempts = 1
        self.redirected_from = None


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
    length = response.headers.get('Content-Length', '')
    if length.strip().isdigit() and int(length) > MAX_BODY_BYTES:
        raise _TooLarge(int(length))
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


def decode(status, content, content_type, headers=None, url=None):
    """An Answer for a body: JSON when it parses, whatever the Content-Type says, else the reason it does not."""
    try:
        text = content.decode('utf-8')
    except UnicodeDecodeError:
        return Answer(status, None, 'a body that is not UTF-8 text', '', headers, url)
    if not text.strip():
        return Answer(status, None, 'an empty body', text, headers, url)
    # The API labels some JSON answers text/html (see the 2022-05-01 schema), so the body decides, not the header.
    try:
        return Answer(status, json.loads(text), None, text, headers, url)
    except (ValueError, RecursionError):  # RecursionError: hostile nesting such as [[[[...
        if looks_like_html(text):
            return Answer(status, None, 'an HTML page (%s): %s' % (content_type, excerpt(text)), text, headers, url)
        return Answer(status, None, 'a body that is not JSON (%s, %d bytes): %r'
                      % (content_type, len(content), excerpt(text)), text, headers, url)


def _origin(url):
    parts = urlsplit(url)
    port = parts.port or {'http': 80, 'https': 443}.get(parts.scheme)
    return (parts.scheme, (parts.hostname or '').lower(), port)


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
    return excerpt(str(reason) or type(reason).__name__)


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


def page_token(body, pager):
    """The next page as the response describes it: ('cursor', value), ('page', number), None on the last page.

    Raises ValueError for a next page that is announced but unusable: following it blindly could loop, and
    stopping silently would pass a short listing off as the whole.
    """
    for holder in (pager, body):
        if isinstance(holder, dict):
            cursor = holder.get('next_cursor')
            if isinstance(cursor, str) and cursor:
                return ('cursor', cursor)
    if not isinstance(pager, dict):
        return None
    nxt = pager.get('next')
    # pagy writes page numbers as integers or as strings; bool is an int in Python but never a page.
    if isinstance(nxt, int) and not isinstance(nxt, bool):
        if nxt < 1:
            raise ValueError('next page %r is not a page number' % (nxt,))
        return ('page', nxt)
    if isinstance(nxt, str) and nxt.strip():
        if not _PAGE_NUMBER.fullmatch(nxt.strip()):
            raise ValueError('next page %r is not a page number' % (nxt,))
        return ('page', int(nxt))
    if nxt not in (None, '', False):
        raise ValueError('next page %r is not a page number' % (nxt,))
    # On the last page pagy leaves next null and next_url ending in "page=" (empty): that is not a next page.
    next_url = pager.get('next_url')
    if isinstance(next_url, str) and '?' in next_url:
        query = parse_qs(next_url.split('?', 1)[1])
        cursor = (query.get('cursor') or [''])[0]
        if cursor:
            return ('cursor', cursor)
        page = (query.get('page') or [''])[0]
        if _PAGE_NUMBER.fullmatch(page):
            return ('page', int(page))
    return None


def _says_last_cursor_page(body, pager):
    """True when a cursor page says in so many words that no page follows (next_cursor present and empty)."""
    return any(isinstance(holder, dict) and 'next_cursor' in holder and not holder['next_cursor']
               for holder in (pager, body))


def _count_of(pager):
    value = pager.get('count') if isinstance(pager, dict) else None
    if isinstance(value, str) and _PAGE_NUMBER.fullmatch(value.strip()):
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _first_page_size(wanted, largest):
    """The page size to start a listing capped at ``wanted`` records: the largest that divides ``wanted`` in as few
    pages as ``largest`` would take (600 at most 500 a page: 300 + 300), else ``largest``."""
    if wanted <= largest:
        return wanted
    pages = -(-wanted // largest)
    for size in range(largest, 0, -1):
        if -(-wanted // size) > pages:
            break
        if wanted % size == 0:
            return size
    return largest


class Listing:
    """Every item of a paginated listing, page after page, as the responses describe the next page.

    2022-08-01 names the pagy object ``pagination``, 2022-05-01 names it ``page``; a cursor (``next_cursor``)
    is followed when the server sends one. The walk is bounded: a page sent twice, a page with nothing new,
    more items or pages than the listing announced (or than MAX_ITEMS / MAX_PAGES), or a listing that ends short
    of its announced count stops it with an ApiError. A short last page without a next page is completed by
    asking for the following page by number. ``truncated`` tells whether it stopped at ``max_items``.

    ``growing``: the listing may grow while it is read (newest first, new records push older ones onto the next
    page): records seen before are skipped and a page of them, or an end short of the count, is not an error.
    """

    def __init__(self, transport, path, items_key, query=(), page_size=MAX_PAGE_SIZE, max_items=None,
                 item_key=None, extract=None, growing=False):
        self._transport = transport
        self._path = path
        self._items_key = items_key
        self._query = list(query)
        self._page_size = page_size
        self._max_items = max_items
        # Items are told apart by their key (by default their whole content), so a repeated page is noticed.
        self._item_key = item_key or (lambda item: json.dumps(item, sort_keys=True, default=str))
        self._extract = extract
        self.growing = growing
        self.truncated = False
        self.count = None
        self.pages_read = 0

    def _fail(self, detail, answer=None):
        # The detail may quote the server's pager: redacted like every server text.
        return ApiError('GET', self._path, self._transport.redact(detail), status=answer.status if answer else None,
                        kind='pagination')

    def _key(self, item):
        # A digest, not the key itself: a listing of many large records keeps 32 bytes per record it has seen.
        return hashlib.sha256(self._item_key(item).encode('utf-8', 'surrogatepass')).digest()

    def __iter__(self):
        transport, path = self._transport, self._path
        token = None
        page_number = 1
        received = 0
        cursors = False
        seen_tokens = {('page', 1)}
        seen_keys = set()
        announced_count = announced_pages = last_count = None
        # One page size for the whole walk, and the server's own next pages followed: a server that serves fewer
        # records a page than asked numbers its pages by what it serves, so pages are never renumbered here.
        size = self._page_size if self._max_items is None else _first_page_size(self._max_items, self._page_size)
        while True:
            query = self._query + [('limit', size)] + ([token] if token is not None else [])
            answer = transport.request('GET', path, query)
            if answer.status != 200:
                raise transport.error('GET', path, answer)
            self.pages_read += 1
            items, pager = self._page(answer)
            count = _count_of(pager)
            if count is not None:
                last_count = count
                announced_count = count if announced_count is None else max(announced_count, count)
                self.count = announced_count
            pages = _count_of({'count': pager.get('pages')}) if isinstance(pager, dict) else None
            if pages is not None:
                announced_pages = pages if announced_pages is None else max(announced_pages, pages)
            fresh = 0
            for item in items:
                received += 1
                key = self._key(item)
                if key in seen_keys:
                    continue
                seen_keys.add(key)
                fresh += 1
                yield item
                if self._max_items is not None and received >= self._max_items:
                    break
            # The largest count and pages any page announced: a listing that grows while it is read says so itself.
            sent = len(seen_keys) if self.growing else received
            if announced_count is not None and sent > announced_count:
                raise self._fail('the listing announced %d records but has sent %d so far; stopped instead of '
                                 'reading on' % (announced_count, sent), answer)
            if received > MAX_ITEMS or self.pages_read > MAX_PAGES:
                raise self._fail('the listing passed %d records or %d pages, more than any real network holds; '
                                 'stopped' % (MAX_ITEMS, MAX_PAGES), answer)
            # A growing listing read newest first ends short of its count (the new records went onto page 1), so
            # its end is confirmed by an empty page past the pages it announced: that page is the end, not more.
            if not cursors and announced_pages is not None and page_number > announced_pages and (
                    items or not self.growing):
                raise self._fail('the listing announced %d pages but kept sending more; stopped' % announced_pages,
                                 answer)
            try:
                token = page_token(answer.body, pager)
            except ValueError as exc:
                raise self._fail('%s, in %s; stopped instead of guessing' % (exc, excerpt(json.dumps(pager))), answer)
            if self._max_items is not None and received >= self._max_items:
                self.truncated = token is not None or (last_count is not None and received < last_count)
                return
            if token is None:
                # Against the last page's count: records deleted while we read (a filtered listing) shrink it.
                # Records told apart, not records sent: a server repeating records in place of others is short.
                short = last_count is not None and len(seen_keys) < last_count
                unconfirmed_end = last_count is None and len(items) >= size
                if cursors and unconfirmed_end and not _says_last_cursor_page(answer.body, pager):
                    raise self._fail('the listing sent a full page of %d records with neither a next cursor nor a '
                                     'count; stopped instead of taking it for the end' % len(items), answer)
                if not fresh or cursors or not (short or unconfirmed_end):
                    if short and not self.growing:
                        raise self._fail('the listing ended with %d of the %d records it announced'
                                         % (len(seen_keys), last_count), answer)
                    return
                # A page-numbered listing that stops early (or a full page with no count and no next): ask for
                # the next page by number; an empty one confirms the end, a short count fails above.
                token = ('page', page_number + 1)
            elif token in seen_tokens or (not fresh and not self.growing):
                raise self._fail('the server sent %s=%s again (or a page with no new records) while paging; '
                                 'stopped instead of looping forever' % token, answer)
            elif token[0] == 'page' and not cursors and token[1] != page_number + 1:
                raise self._fail('the server pointed from page %d to page %d, which would skip records; stopped'
                                 % (page_number, token[1]), answer)
            seen_tokens.add(token)
            if token[0] == 'page':
                page_number = token[1]
            else:
                cursors = True

    def _page(self, answer):
        body = answer.body
        items = body.get(self._items_key) if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise self._transport.malformed('GET', self._path, answer,
                                            'an object {"%s": [...], "pagination": {...}}' % self._items_key)
        if self._extract is not None:
            items = [self._extract(self._path, answer, item) for item in items]
        pager = body.get('pagination')
        if not isinstance(pager, dict):
            pager = body.get('page') if isinstance(body.get('page'), dict) else None
        return items, pager


class _Circuit:
    """Consecutive requests that got no answer, weighed by their cost; open once they add up to UNREACHABLE_AFTER
    timeouts. Not thread-safe on its own: the Transport holds its lock around every call."""

    def __init__(self):
        self.streak = 0
        self.weight = 0
        self.opened = None

    def close(self):
        self.streak = self.weight = 0

    def note_silence(self, weight, reason):
        self.streak += 1
        self.weight += weight
        if self.weight >= UNREACHABLE_AFTER * DISCONNECTS_PER_TIMEOUT and self.opened is None:
            self.opened = reason(self.streak)


class Transport:
    """One API session: configuration checked up front, then requests sent under a RetryPolicy.

    One instance per task, shared by worker threads: it holds one requests.Session (connections are reused),
    one 429 throttle, one retry budget and one count of consecutive requests that got no answer.
    """

    def __init__(self, api_token, api_url=DEFAULT_API_URL, api_version=DEFAULT_API_VERSION, validate_certs=True,
                 ca_path=None, timeout=30, max_retries=3, pool_size=1, session=None, sleep=time.sleep,
                 clock=time.monotonic, rng=None):
        if not HAS_REQUESTS:
            raise ApiConfigError('the Python library "requests" is required')
        self._token = validate_api_token(api_token)
        self.redactor = Redactor(api_token)
        self.timeout = validate_timeout(timeout)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 0 <= max_retries <= 20:
            raise ApiConfigError('max_retries must be from 0 to 20, got %r' % (max_retries,))
        self.base_url = validate_api_url(api_url)
        self.api_version = validate_api_version(api_version)
        self.prefix = '/sms/%s' % self.api_version
        self.max_retries = max_retries
        ca_path = validate_ca_path(ca_path)
        self._verify = ca_path if ca_path else bool(validate_certs)
        self._origin = _origin(self.base_url)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._throttle = Throttle(clock, sleep)
        self._lock = threading.Lock()
        self._waited = 0.0
        self._waiting_until = None
        self._retry_causes = {}
        # Reads and writes have a circuit each: a server may answer the reads that look a message up while it
        # hangs on every send, and those answers must not keep the sends going. An open read circuit stops
        # writes too (the server answers nothing); an answer to a write closes both.
        self._circuits = {'read': _Circuit(), 'write': _Circuit()}
        self._server_offset = None
        self.requests_sent = 0
        if session is None:
            session = _Session()
            adapter = _Adapter(pool_connections=1, pool_maxsize=max(1, pool_size), max_retries=0)
            session.mount('https://', adapter)
            session.mount('http://', adapter)
        session.headers.update({'Accept': 'application/json', 'Accept-Encoding': 'gzip, deflate',
                                'User-Agent': 'invoca.messaging-ansible/%s' % __version__})
        self._session = session

    def close(self):
        self._session.close()

    def path(self, *segments):
        """The API path of ``segments`` under this version, each one URL-encoded as a single segment."""
        return '/'.join([self.prefix] + [quote(s, safe='') for s in segments])

    def redact(self, text):
        return self.redactor.redact(text)

    # -- retries ----------------------------------------------------------------------------------------------

    def retry_summary(self):
        """None when nothing was retried, else {"retries": n, "causes": {"429": n, ...}, "waited": seconds}."""
        with self._lock:
            if not self._retry_causes:
                return None
            return {'retries': sum(self._retry_causes.values()), 'causes': dict(self._retry_causes),
                    'waited': round(self._waited, 1)}

    def _backoff(self, attempt):
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** attempt))
        # "Equal jitter": never less than half the ceiling, so retries spread out without collapsing to zero.
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _charge(self, delay, cause):
        """Book a wait of ``delay`` seconds starting now; False when the task's retry budget cannot cover it.

        The budget is wall-clock time during which some request was waiting: waits that overlap (every worker
        held by one 429) are charged once.
        """
        with self._lock:
            now = self._clock()
            start = now if self._waiting_until is None else max(now, self._waiting_until)
            extra = max(0.0, now + delay - start)
            if self._waited + extra > RETRY_BUDGET:
                return False
            self._waited += extra
            if self._waiting_until is None or now + delay > self._waiting_until:
                self._waiting_until = now + delay
            self._retry_causes[cause] = self._retry_causes.get(cause, 0) + 1
            return True

    def _budget_spent(self, method, path, what, attempts, status=None, may_have_applied=False):
        return ApiError(method, path, '%s; not retried because the retry budget of this task (%d s of waiting in '
                        'all) is spent after %d attempt(s)' % (what, RETRY_BUDGET, attempts), status=status,
                        kind='budget', may_have_applied=may_have_applied)

    def _note_answer(self, write):
        with self._lock:
            for kind in ('read', 'write') if write else ('read',):
                self._circuits[kind].close()

    def _note_no_answer(self, method, path, reason, timed_out, write):
        kind = 'write' if write else 'read'
        with self._lock:
            self._circuits[kind].note_silence(DISCONNECTS_PER_TIMEOUT if timed_out else 1, lambda streak: (
                '%d %s in a row got no answer from %s (last: %s %s: %s)'
                % (streak, 'writes' if write else 'requests', self.base_url, method, unquote(path), reason)))

    def _unreachable(self, write):
        """Why requests of this kind are not sent any more, or None."""
        with self._lock:
            opened = [self._circuits[kind].opened for kind in (('read', 'write') if write else ('read',))]
        return next((reason for reason in opened if reason is not None), None)

    def _check_reachable(self, method, path, write):
        reason = self._unreachable(write)
        if reason is not None:
            raise ApiError(method, path, 'not attempted: %s' % reason, kind='unreachable')

    # -- one request ------------------------------------------------------------------------------------------

    def request(self, method, path, query=None, body=None, policy=SAFE_TO_RESEND):
        """Send one API request, retrying what ``policy`` allows, and return an Answer of any final status.

        Raises ApiError when no usable answer came; ``may_have_applied`` on it tells whether a write may have
        reached the server all the same.
        """
        url = self.base_url + path
        if query:
            url += '?' + encode_query(query)
        attempt = throttled = 0
        write = method not in ('GET', 'HEAD')
        while True:
            self._check_reachable(method, path, write)
            self._throttle.wait()
            self._check_reachable(method, path, write)
            with self._lock:
                self.requests_sent += 1
            try:
                answer = self._send(method, url, path, body, follow_redirects=not write)
            except ApiError as exc:
                if exc.kind != 'transport':
                    raise
                never_sent = exc.never_sent
                if exc.silent:
                    # A connect timeout (a host that drops packets) costs the whole timeout like a read timeout; a
                    # refused connection costs milliseconds, like one closed without an answer.
                    self._note_no_answer(method, path, exc.detail, exc.cause == 'timeout', write)
                resend = (never_sent or policy.resend_after_ambiguous_failure) and not exc.final
                unreachable = self._unreachable(write) if resend else None
                if unreachable is not None:
                    exc.detail += '; not retried, because %s' % unreachable
                    resend = False
                if resend and attempt < self.max_retries:
                    delay = self._backoff(attempt)
                    if not self._charge(delay, exc.cause):
                        raise self._budget_spent(method, path, exc.detail, attempt + 1,
                                                 may_have_applied=write and not never_sent)
                    self._sleep(delay)
                    attempt += 1
                    continue
                if attempt:
                    exc.detail += ' (after %d attempts)' % (attempt + 1)
                raise ApiError(exc.method, path, exc.detail, kind='transport', may_have_applied=write and not never_sent)
            self._note_answer(write)
            if answer.status in policy.retry_statuses:
                retry_after = parse_retry_after(answer.headers.get('Retry-After'))
                scheduling = answer.status == 429 and (retry_after is None or retry_after <= MAX_RETRY_AFTER)
                if scheduling:
                    # "Not processed, try again shortly": a scheduling signal, not a failure, so it does not use up
                    # max_retries (under a rate limit the same request may be told "later" several times); it is
                    # asked again up to MAX_THROTTLED_RETRIES times within the budget. max_retries 0 means none.
                    may_retry = self.max_retries > 0 and throttled < MAX_THROTTLED_RETRIES
                    delay = retry_after if retry_after is not None else self._backoff(min(throttled, 6))
                else:
                    # An error, or a server asking for longer than we wait (capped): max_retries applies.
                    may_retry = attempt < self.max_retries
                    delay = self._backoff(attempt) if retry_after is None else min(retry_after, MAX_RETRY_AFTER)
                if may_retry:
                    if not self._charge(delay, str(answer.status)):
                        raise self._budget_spent(method, path, 'HTTP %s' % answer.status, attempt + throttled + 1,
                                                 status=answer.status)
                    if answer.status == 429:
                        self._throttle.hold(delay)
                    else:
                        self._sleep(delay)
                    if scheduling:
                        throttled += 1
                    else:
                        attempt += 1
                    continue
            answer.attempts = attempt + throttled + 1
            return answer

    def _send(self, method, url, path, body, follow_redirects):
        """One exchange (plus the redirects of a read), bounded in time and size; an Answer or ApiError."""
        redirected_from = None
        # One timeout for the whole request, redirects included: each hop gets what the earlier ones left.
        ends_at = time.monotonic() + self.timeout
        for _hop in range(MAX_REDIRECTS + 1):
            headers = {}
            # The token goes only to the configured origin: never to wherever a redirect points.
            if _origin(url) == self._origin:
                headers['Authorization'] = 'Bearer %s' % self._token
            response = self._exchange(method, url, path, body, headers, ends_at - time.monotonic())
            try:
                status = response.status_code
                if status in (301, 302, 303, 307, 308):
                    location = response.headers.get('Location')
                    target = self._redirect_target(url, location)
                    shown_location = self.redact(excerpt(str(location)))
                    if not follow_redirects:
                        raise ApiError(method, path, 'the server answered the write with a redirect (HTTP %d) to %s; a '
                                       'write is never redirected, so it was not resent there. Check api_url'
                                       % (status, target or repr(shown_location)), status=status, kind='redirect',
                                       may_have_applied=False)
                    if target is None:
                        raise ApiError(method, path, 'the server answered with a redirect (HTTP %d) whose Location %r '
                                       'is not a usable URL' % (status, shown_location), status=status,
                                       kind='malformed')
                    redirected_from = redirected_from or url
                    url = target
                    continue
                answer = self._answer(method, url, path, response)
            finally:
                response.close()
            answer.redirected_from = redirected_from
            return answer
        raise ApiError(method, path, 'more than %d redirects, the last to %s' % (MAX_REDIRECTS, self.redact(url)),
                       kind='malformed')

    def _redirect_target(self, url, location):
        if not isinstance(location, str) or not location.strip():
            return None
        try:
            target = urljoin(url, location.strip())
            parts = urlsplit(target)
            if parts.scheme not in ('http', 'https') or not parts.hostname:
                return None
            dummy = parts.port
        except ValueError:
            return None
        return self.redact(target)

    def _exchange(self, method, url, path, body, headers, seconds):
        seconds = max(seconds, 0.001)
        kwargs = dict(json=body, timeout=seconds, verify=self._verify, headers=headers, allow_redirects=False,
                      stream=True)
        deadline = _Deadline(seconds)
        try:
            with deadline:
                response = self._session.request(method, url, **kwargs)
                try:
                    response._invoca_body = _read_body(response)
                except _TooLarge as exc:
                    response.close()
                    raise self._unreadable(method, path, response.status_code, 'the answer is too large (more than '
                                           '%d MiB%s); refused without reading it all'
                                           % (MAX_BODY_BYTES // (1024 * 1024), ', %d bytes announced' % exc.args[0]
                                              if exc.args and exc.args[0] else ''))
                except _Undecodable as exc:
                    response.close()
                    raise self._unreadable(method, path, response.status_code, 'the answer is compressed (%s) but does '
                                           'not decompress: %s' % (response.headers.get('Content-Encoding'), exc))
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
                          'should start with http:// (allowed for this machine only)' % (self.base_url, reason))
            else:
                detail = ("TLS error talking to %s: %s. Set ca_path to the CA that signed the server's certificate, "
                          'or validate_certs: false for a test server' % (self.base_url, reason))
            error = ApiError(method, path, self.redact(detail), kind='transport')
            error.final = True  # a certificate problem does not go away by asking again
            # requests raises SSLError while it sets up the connection (the handshake): no request was written.
            error.never_sent = True
            raise error
        except Exception as exc:  # pylint: disable=broad-except
            # Whatever the server did (reset, malformed headers, a bad URL, a bad encoding, or what nobody foresaw),
            # it is one failed exchange, reported as such: no exception of a server's making escapes a request.
            if deadline.expired:
                detail = 'no answer within the timeout of %s s (for the whole request: connect, headers and body)' % self.timeout
            elif requests is not None and isinstance(exc, requests.exceptions.Timeout):
                detail = 'no answer within the timeout of %s s: %s' % (self.timeout, _reason(exc))
            elif requests is not None and isinstance(exc, requests.exceptions.RequestException):
                detail = 'no answer from %s: %s' % (self.base_url, _reason(exc))
            else:
                detail = 'the exchange with %s failed: %s: %s' % (self.base_url, type(exc).__name__, excerpt(str(exc)))
            error = ApiError(method, path, self.redact(detail), kind='transport')
            error.never_sent = requests is not None and _never_sent(exc)
            error.cause = 'timeout' if deadline.expired or (
                requests is not None and isinstance(exc, requests.exceptions.Timeout)) else 'connection error'
            # Only silence (a timeout, a reset) counts towards "unreachable"; garbage is an answer of sorts.
            error.silent = deadline.expired or isinstance(exc, (requests.exceptions.ConnectionError,
                                                                requests.exceptions.Timeout,
                                                                requests.exceptions.ChunkedEncodingError, OSError))
            # A URL requests cannot use, or a redirect loop, is the same on every attempt: asking again cannot help;
            # nor is a failure of a kind no one foresaw worth repeating.
            error.final = not isinstance(exc, _EXPECTED_EXCHANGE_FAILURES) or (
                requests is not None and isinstance(exc, (requests.exceptions.InvalidURL,
                                                          requests.exceptions.TooManyRedirects)))
            raise error
        return response

    def _unreadable(self, method, path, status, detail):
        """An answer that came but cannot be read: not worth asking again; a write it answered may have applied."""
        error = ApiError(method, path, self.redact(detail), status=status, kind='malformed',
                         may_have_applied=method not in ('GET', 'HEAD'))
        error.final = True
        return error

    def _answer(self, method, url, path, response):
        content = getattr(response, '_invoca_body', None)
        if content is None:
            content = response.content or b''
        content_type = response.headers.get('Content-Type', 'no content type').split(';')[0].strip()
        self._note_server_time(response.headers.get('Date'), response.headers.get('Age'))
        answer = decode(response.status_code, content, content_type, dict(response.headers), url)
        # Only the short problem text is redacted here; the whole body is redacted where an excerpt of it is used.
        answer.problem = self.redact(answer.problem)
        return answer

    def _note_server_time(self, date_header, age_header=None):
        # A cache in front of the API answers with the Date of when it stored the answer, and says how long ago in
        # Age: the server's time now is their sum.
        age = int(age_header.strip()) if isinstance(age_header, str) and _PAGE_NUMBER.fullmatch(age_header.strip()) else 0
        try:
            when = email.utils.parsedate_to_datetime(date_header) if date_header else None
            offset = when.timestamp() + age - time.time() if when is not None else None
        except (TypeError, ValueError, IndexError, OverflowError, OSError):
            return
        if offset is not None:
            with self._lock:
                self._server_offset = offset

    def server_now(self):
        """The server's current time (a UTC datetime), from the Date header of its last answer; None before any.

        Record timestamps are the server's: a window over them (such as "sent within the last hour") is measured
        on its clock, not this machine's, which may be off by minutes.
        """
        with self._lock:
            offset = self._server_offset
        if offset is None:
            return None
        return datetime.datetime.fromtimestamp(time.time() + offset, tz=datetime.timezone.utc)

    # -- reading answers --------------------------------------------------------------------------------------

    def error(self, method, path, answer):
        """Turn a non-success answer into an ApiError, recognising the unknown-version 404."""
        body = answer.body if isinstance(answer.body, dict) else {}
        message = body.get('message') if isinstance(body.get('message'), str) else None
        message = self.redact(message)
        errors = self.redactor.redact_data(body.get('errors')) if isinstance(body.get('errors'), list) else None
        if answer.status == 404 and message and _UNKNOWN_VERSION.search(message):
            found = _AVAILABLE_VERSIONS.search(message)
            versions = [v.strip() for v in found.group(1).split(',') if v.strip()] if found else []
            return ApiError(method, path, message, status=404, kind='version', api_message=message,
                            available_versions=versions)
        detail = message or answer.problem or 'an error without a message'
        if errors:
            detail += ' (%s)' % '; '.join(
                ' '.join(str(e.get(k, '')) for k in ('resource', 'field', 'code', 'message') if e.get(k))
                if isinstance(e, dict) else excerpt(str(e)) for e in errors[:10])
        if answer.attempts > 1:
            detail += ' (still failing after %d attempts)' % answer.attempts
        redirected_to = None
        if answer.redirected_from:
            redirected_to = self.redact(answer.url)
            detail += ' (after a redirect from %s to %s)' % (self.redact(answer.redirected_from), redirected_to)
        return ApiError(method, path, self.redact(detail), status=answer.status, api_message=message, errors=errors,
                        redirected_to=redirected_to)

    def malformed(self, method, path, answer, expected):
        what = answer.problem or 'JSON of an unexpected shape: %r' % (excerpt(answer.text),)
        return ApiError(method, path, self.redact('%s, where %s was expected' % (what, expected)),
                        status=answer.status, kind='malformed')

    def listing(self, path, items_key, query=(), page_size=MAX_PAGE_SIZE, max_items=None, item_key=None,
                extract=None, growing=False):
        """A Listing of ``path``: iterate it for every item; see Listing for the bounds it enforces."""
        return Listing(self, path, items_key, query, page_size, max_items, item_key, extract, growing)
