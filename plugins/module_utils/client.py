# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP client for the phone-number endpoints of the Invoca SMS Messaging API.

This file speaks HTTP and nothing else: authentication, retries, pagination and error decoding. It does not
import Ansible, so it can be unit-tested on its own and reused by other plugins.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import ipaddress
import json
import random
import re
import threading
import time
import traceback

from urllib.parse import parse_qs, quote, unquote, urlsplit

try:
    import requests
    from requests.adapters import HTTPAdapter
    from requests.auth import AuthBase
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    requests = None
    HTTPAdapter = object
    AuthBase = object
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

__version__ = '1.0.0'

DEFAULT_API_URL = 'https://messaging.invoca.net'
DEFAULT_API_VERSION = '2022-08-01'
MAX_PAGE_SIZE = 500

# Statuses worth asking again: the request was not processed, or the server says "later".
RETRY_STATUSES = frozenset((429, 502, 503, 504))
# A Retry-After of minutes (or a hostile one of days) must not stall a playbook: wait at most this long per answer...
MAX_RETRY_AFTER = 60.0
# ...and at most this long in all, across every retry of every request the client makes for one task.
RETRY_BUDGET = 300.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0

_VERSION_FORMAT = re.compile(r'[0-9]{4}-[0-9]{2}-[0-9]{2}')
_VERSION_PATH = re.compile(r'/sms(/[^/]*)?/*$')
_UNKNOWN_VERSION = re.compile(r'did not include a valid version', re.IGNORECASE)
_AVAILABLE_VERSIONS = re.compile(r'Available versions are:\s*(.+?)\.?\s*$', re.IGNORECASE)
_BODY_EXCERPT = 200
# The API overview says responses are filtered to records created today unless the request filters created_at.
# A listing that silently covered one day would make a reconciliation recreate (or, with exclusive, keep)
# numbers it did not see, so every listing and count sends an explicit lower bound that covers all time.
ALL_TIME = ('created_at[gte]', '1970-01-01T00:00:00.000Z')
# str.isdigit() also accepts characters such as superscript digits, which int() refuses.
_PAGE_NUMBER = re.compile(r'[0-9]{1,9}')


class ApiConfigError(ValueError):
    """Settings that cannot work (bad URL, plain HTTP to a remote host, bad version); raised before any request."""


class ApiError(Exception):
    """A request that did not give a usable answer.

    ``kind`` says which way it went wrong:
    ``http`` (an error status), ``transport`` (no answer: connection, TLS or timeout), ``malformed`` (an answer
    that cannot be read), ``version`` (the server does not offer the API version asked for) or ``pagination``
    (the server's pages do not add up).
    """

    def __init__(self, method, path, detail, status=None, kind='http', api_message=None, errors=None,
                 available_versions=None):
        self.method = method
        # As a person would write it: +18885550100, not %2B18885550100.
        self.path = unquote(path) if path else path
        self.detail = detail
        self.status = status
        self.kind = kind
        self.api_message = api_message
        self.errors = errors or []
        self.available_versions = available_versions or []
        super(ApiError, self).__init__(self.__str__())

    def __str__(self):
        status = ' answered HTTP %s' % self.status if self.status is not None else ''
        return '%s %s%s: %s' % (self.method, self.path, status, self.detail)

    def to_dict(self):
        """What a module can return about this error; never holds credentials."""
        return {'method': self.method, 'path': self.path, 'status': self.status, 'kind': self.kind,
                'message': self.api_message or self.detail}


class Throttle:
    """Shared by every worker of one client: after a 429, nobody sends until the server's Retry-After has passed.

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


class _BearerAuth(AuthBase):
    """Sets the Authorization header per request.

    Given as session auth (rather than a default header) so that requests does not replace it with .netrc
    credentials, and so that it is not re-sent on a redirect: requests drops it when the host changes.
    """

    def __init__(self, token):
        self._token = token

    def __call__(self, request):
        request.headers['Authorization'] = 'Bearer %s' % self._token
        return request

    def __repr__(self):
        return '<BearerAuth ********>'


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
    parts = urlsplit(url)
    if parts.scheme not in ('https', 'http') or not parts.hostname:
        raise ApiConfigError('api_url %r is not an http(s) URL such as %s' % (api_url, DEFAULT_API_URL))
    if parts.username or parts.password:
        # Not repeated in the message: the part before the @ may be a password.
        raise ApiConfigError('api_url must not carry credentials (user:password@): the API token is the only '
                             'credential, given in api_token')
    if '?' in url or '#' in url:
        raise ApiConfigError('api_url %r must not carry a query or a fragment' % (api_url,))
    if _VERSION_PATH.search(parts.path):
        # The documents give the base URL as .../sms/<version>/; appended to again, every path would 404, and a
        # 404 must never be taken for "number absent".
        raise ApiConfigError('api_url %r includes the /sms/<version> path: give only the server, e.g. %s, and the '
                             'version in api_version' % (api_url, DEFAULT_API_URL))
    if parts.scheme == 'http' and not _is_loopback(parts.hostname):
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
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _excerpt(text):
    text = ' '.join(text.split())
    return text if len(text) <= _BODY_EXCERPT else text[:_BODY_EXCERPT] + '...'


class _Answer:
    """A response reduced to what the client needs: status, decoded JSON (or the reason there is none)."""

    def __init__(self, status, body, problem, text):
        self.status = status
        self.body = body
        self.problem = problem
        self.text = text
        self.attempts = 1


def _decode(response):
    content = response.content or b''
    content_type = response.headers.get('Content-Type', 'no content type').split(';')[0].strip()
    try:
        text = content.decode('utf-8')
    except UnicodeDecodeError:
        return _Answer(response.status_code, None, 'a body that is not UTF-8 text', '')
    if not text.strip():
        return _Answer(response.status_code, None, 'an empty body', text)
    # The API labels some JSON answers text/html (see the 2022-05-01 schema), so the body decides, not the header.
    try:
        return _Answer(response.status_code, json.loads(text), None, text)
    except (ValueError, RecursionError):  # RecursionError: hostile nesting such as [[[[...
        return _Answer(response.status_code, None,
                       'a body that is not JSON (%s, %d bytes): %r' % (content_type, len(content), _excerpt(text)), text)


def _page_token(body, pager):
    """The next page as the response describes it: ('cursor', value), ('page', number) or None on the last page."""
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
        return ('page', nxt)
    if isinstance(nxt, str) and _PAGE_NUMBER.fullmatch(nxt):
        return ('page', int(nxt))
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


def covering_all_time(query):
    """``query`` as a list, with the ALL_TIME filter first unless it already filters on created_at."""
    query = list(query)
    if any(str(key).startswith('created_at[') for key, _value in query):
        return query
    return [ALL_TIME] + query


def _count_from(body):
    """The count endpoint's body is undocumented: accept a bare number or an object holding one."""
    candidates = [body]
    if isinstance(body, dict):
        candidates += [body.get('count'), body.get('phone_numbers_count'), body.get('total')]
        for key in ('phone_numbers', 'pagination', 'page'):
            if isinstance(body.get(key), dict):
                candidates.append(body[key].get('count'))
            elif key == 'phone_numbers':
                candidates.append(body.get(key))
    for value in candidates:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


class PhoneNumberClient:
    """The phone-number endpoints: get, list (every page), count, create and delete.

    One instance per task: it holds one requests.Session, so connections are reused, and it may be shared by
    worker threads (the Throttle and the create-route discovery are thread-safe).
    """

    def __init__(self, api_token, api_url=DEFAULT_API_URL, api_version=DEFAULT_API_VERSION, validate_certs=True,
                 ca_path=None, timeout=30, max_retries=3, pool_size=1, session=None, sleep=time.sleep,
                 clock=time.monotonic, rng=None):
        if not HAS_REQUESTS:
            raise ApiConfigError('the Python library "requests" is required')
        if not isinstance(api_token, str) or not api_token.strip():
            raise ApiConfigError('api_token is empty: set it or the INVOCA_API_TOKEN environment variable')
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ApiConfigError('timeout must be a number of seconds greater than 0, got %r' % (timeout,))
        if not isinstance(max_retries, int) or max_retries < 0:
            raise ApiConfigError('max_retries must be 0 or more, got %r' % (max_retries,))
        self.base_url = validate_api_url(api_url)
        self.api_version = validate_api_version(api_version)
        self.prefix = '/sms/%s' % self.api_version
        self.timeout = timeout
        self.max_retries = max_retries
        self._verify = ca_path if ca_path else bool(validate_certs)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._throttle = Throttle(clock, sleep)
        self._lock = threading.Lock()
        self._retry_waited = 0.0
        self._retry_causes = {}
        self._create_on_collection = False
        self.requests_sent = 0
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(1, pool_size), max_retries=0)
            session.mount('https://', adapter)
            session.mount('http://', adapter)
        session.auth = _BearerAuth(api_token.strip())
        session.headers.update({'Accept': 'application/json',
                                'User-Agent': 'invoca.messaging-ansible/%s' % __version__})
        session.max_redirects = 5
        self._session = session

    def close(self):
        self._session.close()

    # -- requests and retries ---------------------------------------------------------------------------------

    def _path(self, *segments):
        return '/'.join([self.prefix, 'phone_numbers'] + [quote(s, safe='') for s in segments])

    def _backoff(self, attempt):
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** attempt))
        # "Equal jitter": never less than half the ceiling, so retries spread out without collapsing to zero.
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _retry_wait(self, attempt, retry_after=None):
        """Seconds to wait before another attempt, or None when the retries or the task's retry budget are used up."""
        if attempt >= self.max_retries:
            return None
        delay = self._backoff(attempt) if retry_after is None else min(retry_after, MAX_RETRY_AFTER)
        with self._lock:
            if self._retry_waited + delay > RETRY_BUDGET:
                return None
            self._retry_waited += delay
        return delay

    def _note_retry(self, cause):
        with self._lock:
            self._retry_causes[cause] = self._retry_causes.get(cause, 0) + 1

    def retry_summary(self):
        """None when no request was retried, else {"retries": n, "causes": {"429": n, ...}, "waited": seconds}."""
        with self._lock:
            if not self._retry_causes:
                return None
            return {'retries': sum(self._retry_causes.values()), 'causes': dict(self._retry_causes),
                    'waited': self._retry_waited}

    def request(self, method, path, query=None, body=None):
        """Send one API request, retrying what is safe to retry, and return an _Answer of any final status."""
        url = self.base_url + path
        if query:
            url += '?' + encode_query(query)
        attempt = 0
        while True:
            self._throttle.wait()
            with self._lock:
                self.requests_sent += 1
            try:
                response = self._session.request(method, url, json=body, timeout=self.timeout, verify=self._verify)
            except requests.exceptions.SSLError as exc:
                # A certificate problem does not go away by asking again.
                raise ApiError(method, path, 'TLS error talking to %s: %s. Set ca_path to the CA that signed the '
                               "server's certificate, or validate_certs: false for a test server"
                               % (self.base_url, _reason(exc)), kind='transport')
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                    requests.exceptions.ChunkedEncodingError) as exc:
                # Safe to resend even a POST or DELETE: if the first one landed, the resend answers 409 or 404,
                # which the callers read as "already present" / "already absent".
                delay = self._retry_wait(attempt)
                if delay is None:
                    raise ApiError(method, path, 'no answer from %s after %d attempt(s): %s'
                                   % (self.base_url, attempt + 1, _reason(exc)), kind='transport')
                self._note_retry('connection error')
                self._sleep(delay)
                attempt += 1
                continue
            except requests.exceptions.RequestException as exc:
                raise ApiError(method, path, 'request to %s failed: %s' % (self.base_url, _reason(exc)),
                               kind='transport')
            if response.status_code in RETRY_STATUSES:
                delay = self._retry_wait(attempt, parse_retry_after(response.headers.get('Retry-After')))
                if delay is not None:
                    self._note_retry(str(response.status_code))
                    response.close()
                    if response.status_code == 429:
                        self._throttle.hold(delay)
                    else:
                        self._sleep(delay)
                    attempt += 1
                    continue
            answer = _decode(response)
            answer.attempts = attempt + 1
            return answer

    def _error(self, method, path, answer):
        """Turn a non-success answer into an ApiError, recognising the unknown-version 404."""
        body = answer.body if isinstance(answer.body, dict) else {}
        message = body.get('message') if isinstance(body.get('message'), str) else None
        errors = body.get('errors') if isinstance(body.get('errors'), list) else None
        if answer.status == 404 and message and _UNKNOWN_VERSION.search(message):
            found = _AVAILABLE_VERSIONS.search(message)
            versions = [v.strip() for v in found.group(1).split(',') if v.strip()] if found else []
            return ApiError(method, path, message, status=404, kind='version', api_message=message,
                            available_versions=versions)
        detail = message or answer.problem or 'an error without a message'
        if errors:
            detail += ' (%s)' % '; '.join(
                '%s %s %s' % (e.get('resource', ''), e.get('field', ''), e.get('code', ''))
                if isinstance(e, dict) else str(e) for e in errors)
        if answer.status in RETRY_STATUSES:
            detail += ' (still failing after %d attempt(s))' % answer.attempts
        return ApiError(method, path, detail, status=answer.status, api_message=message, errors=errors)

    def _malformed(self, method, path, answer, expected):
        what = answer.problem or 'JSON of an unexpected shape: %r' % (_excerpt(answer.text),)
        return ApiError(method, path, '%s, where %s was expected' % (what, expected), status=answer.status,
                        kind='malformed')

    def _record(self, method, path, answer, required):
        """The phone_number object of a single-record answer.

        Unless ``required``, an answer documented to carry no record gives None: 204 No Content, or ``{}`` (the
        2022-05-01 create). Any other answer without a record is malformed: a 200 with an empty body is not
        proof that the write happened.
        """
        body = answer.body
        if not required and (body == {} or answer.status == 204):
            return None
        record = body.get('phone_number') if isinstance(body, dict) else None
        if not isinstance(record, dict) or not isinstance(record.get('phone_number'), str):
            raise self._malformed(method, path, answer, 'an object {"phone_number": {...}}')
        return record

    @staticmethod
    def _is_not_found(error):
        # A 404 about the version (or from something that is not the API) must not pass for "number absent".
        return error.status == 404 and error.kind == 'http' and error.api_message is not None

    # -- the endpoints ----------------------------------------------------------------------------------------

    def get(self, phone_number):
        """The record of one number (soft-deleted ones included), or None when the API does not know it."""
        path = self._path(phone_number)
        answer = self.request('GET', path)
        if answer.status == 200:
            return self._record('GET', path, answer, required=True)
        error = self._error('GET', path, answer)
        if self._is_not_found(error):
            return None
        raise error

    def create(self, phone_number):
        """Create (or re-enable) a number. Returns (record or None, created): created is False on 409."""
        if not self._create_on_collection:
            path = self._path(phone_number)
            answer = self.request('POST', path)
            # The published contract creates at /phone_numbers/{n}; the older page documents POST /phone_numbers.
            # A server without the first route answers 404/405, and the client switches for the rest of the task.
            if answer.status in (404, 405) and self._error('POST', path, answer).kind != 'version':
                self._create_on_collection = True
            else:
                return self._created('POST', path, answer)
        path = self._path()
        return self._created('POST', path, self.request('POST', path, body={'phone_number': phone_number}))

    def _created(self, method, path, answer):
        if answer.status in (200, 201, 204):
            return self._record(method, path, answer, required=False), True
        if answer.status == 409:
            return None, False
        raise self._error(method, path, answer)

    def delete(self, phone_number):
        """Soft-delete a number. Returns (record or None, deleted): deleted is False when it was already gone."""
        path = self._path(phone_number)
        answer = self.request('DELETE', path)
        if answer.status in (200, 202, 204):
            return self._record('DELETE', path, answer, required=False), True
        error = self._error('DELETE', path, answer)
        if self._is_not_found(error):
            return None, False
        raise error

    def iter_phone_numbers(self, query=(), limit=MAX_PAGE_SIZE):
        """Yield the records of every page, following what each response says about the next one.

        ``limit`` is the page size, or a callable asked before each request (see the loop).

        2022-08-01 names the pagy object ``pagination``, 2022-05-01 names it ``page``, and a cursor
        (``next_cursor``) is followed when the server sends one. A page sent twice, or a page that brings nothing
        new while claiming a successor, stops the walk with an error instead of looping forever.
        """
        path = self._path()
        query = covering_all_time(query)
        token = None
        page_size = None
        seen_tokens = {('page', 1)}
        seen_numbers = set()
        while True:
            # ``limit`` may be a callable giving the records still wanted: below 1, the walk stops unsent.
            wanted = limit() if callable(limit) else limit
            if wanted < 1:
                return
            if token is None or token[0] == 'cursor':
                page_size = wanted
            elif wanted < page_size and (token[1] - 1) * page_size % wanted == 0:
                # A page number is an offset of (page - 1) * limit: a smaller page must start at the same offset.
                # Where it cannot, the page keeps its size: one request that reads a few records too many costs
                # less than several smaller ones.
                token = ('page', (token[1] - 1) * page_size // wanted + 1)
                page_size = wanted
            page_query = query + [('limit', page_size)]
            answer = self.request('GET', path, page_query if token is None else page_query + [token])
            if answer.status != 200:
                raise self._error('GET', path, answer)
            records, pager = self._page(path, answer)
            fresh = 0
            for record in records:
                if record['phone_number'] in seen_numbers:
                    continue
                seen_numbers.add(record['phone_number'])
                fresh += 1
                yield record
            token = _page_token(answer.body, pager)
            if token is None:
                return
            if token in seen_tokens or not fresh:
                raise ApiError('GET', path, 'the server sent %s=%s again (or a page with no new records) while '
                               'paging; stopped instead of looping forever' % token, status=200, kind='pagination')
            seen_tokens.add(token)

    def _page(self, path, answer):
        body = answer.body
        records = body.get('phone_numbers') if isinstance(body, dict) else None
        if not isinstance(records, list) or not all(
                isinstance(r, dict) and isinstance(r.get('phone_number'), str) for r in records):
            raise self._malformed('GET', path, answer, 'an object {"phone_numbers": [{"phone_number": ...}, ...]}')
        pager = body.get('pagination')
        if not isinstance(pager, dict):
            pager = body.get('page') if isinstance(body.get('page'), dict) else None
        return records, pager

    def count(self, query=()):
        """How many numbers match. Uses GET /phone_numbers/count where the server has it; else the list's count."""
        query = covering_all_time(query)
        path = self._path('count')
        answer = self.request('GET', path, query)
        if answer.status == 200:
            number = _count_from(answer.body)
            if number is None:
                raise self._malformed('GET', path, answer, 'a count')
            return number
        if answer.status not in (404, 405, 422) or self._error('GET', path, answer).kind == 'version':
            # 404/405/422 mean this server has no count route (count is taken for a phone number); others are real.
            raise self._error('GET', path, answer)
        path = self._path()
        answer = self.request('GET', path, query + [('limit', 1)])
        if answer.status != 200:
            raise self._error('GET', path, answer)
        records, pager = self._page(path, answer)
        number = _count_from({'pagination': pager}) if pager else None
        if number is None:
            if records or pager is not None:
                raise self._malformed('GET', path, answer, 'a pagination object with a count')
            number = 0
        return number


def _reason(exc):
    """The innermost cause of a requests exception (urllib3 nests several), without the wrapping noise."""
    reason = exc
    for _depth in range(5):
        inner = getattr(reason, 'reason', None)
        if not isinstance(inner, Exception):
            # urllib3's ProtocolError carries ('Connection aborted.', RemoteDisconnected(...)).
            inner = next((arg for arg in reason.args if isinstance(arg, Exception)), None)
        if inner is None:
            break
        reason = inner
    return _excerpt(str(reason) or type(reason).__name__)
