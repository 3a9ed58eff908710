# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The request loop shared by every resource client: authentication, retries by operation safety, redirects,
server time, and turning answers into errors. It knows HTTP and nothing of phone numbers or messages. No
Ansible here, so it can be unit-tested on its own.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import email.utils
import random
import threading
import time

from urllib.parse import quote, unquote, urljoin, urlsplit

from ansible_collections.invoca.messaging.plugins.module_utils._api.answers import decimal, decode
from ansible_collections.invoca.messaging.plugins.module_utils._api.conventions import (
    _AVAILABLE_VERSIONS,
    _UNKNOWN_VERSION,
    encode_query,
)
from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiConfigError, ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.excerpts import excerpt
from ansible_collections.invoca.messaging.plugins.module_utils._api.http import exchange, new_session, origin
from ansible_collections.invoca.messaging.plugins.module_utils._api.listing import MAX_PAGE_SIZE, Listing
from ansible_collections.invoca.messaging.plugins.module_utils._api.redaction import Redactor
from ansible_collections.invoca.messaging.plugins.module_utils._api.requests_import import HAS_REQUESTS
from ansible_collections.invoca.messaging.plugins.module_utils._api.retry import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    DISCONNECTS_PER_TIMEOUT,
    MAX_RETRY_AFTER,
    RETRY_BUDGET,
    SAFE_TO_RESEND,
    Throttle,
    _Circuit,
    parse_retry_after,
)
from ansible_collections.invoca.messaging.plugins.module_utils._api.settings import (
    DEFAULT_API_URL,
    DEFAULT_API_VERSION,
    __version__,
    validate_api_token,
    validate_api_url,
    validate_api_version,
    validate_ca_path,
    validate_timeout,
)

MAX_REDIRECTS = 5


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
        self._origin = origin(self.base_url)
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
        # Requests a task may have in flight at once: its workers, or the pages of a listing read ahead.
        self.concurrency = max(1, pool_size)
        session = session or new_session(pool_size)
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
                # max_retries bounds every request's attempts, a 429 included: a server that answers 429 to
                # everything cannot hold a task past max_retries + 1 requests of each.
                may_retry = attempt + throttled < self.max_retries
                if scheduling:
                    # "Not processed, try again shortly": waited as the server asks, or backed off when it does not
                    # say how long.
                    delay = retry_after if retry_after is not None else self._backoff(throttled)
                else:
                    # An error, or a server asking for longer than we wait (capped).
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
            if origin(url) == self._origin:
                headers['Authorization'] = 'Bearer %s' % self._token
            response = exchange(self._session, method, url, path, body, headers, ends_at - time.monotonic(), self._verify,
                                self.base_url, self.timeout, self.redact)
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
        age = decimal(age_header) or 0
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
        return Listing(self, path, items_key, query, page_size, max_items, item_key, extract, growing,
                       concurrency=self.concurrency)
