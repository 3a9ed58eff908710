# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a failed HTTP exchange proves, and how to say it: the failure in a user's words, whether the request never
reached the server (so even a message may be sent again), and whether asking again can help.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.client
import re
import socket

from urllib.parse import urlsplit

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.excerpts import excerpt
from ansible_collections.invoca.messaging.plugins.module_utils._api.requests_import import Urllib3Error, requests

_NOT_TLS = re.compile(r'wrong version number|record layer failure|unknown protocol|packet length too long|'
                      r'http request', re.IGNORECASE)

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


def tls_error(method, path, exc, base_url, redact):
    """The ApiError of a TLS failure: final (a certificate problem does not go away by asking again), and never
    sent (requests raises SSLError while it sets up the connection, before a request is written)."""
    reason = _reason(exc)
    if _NOT_TLS.search(reason):
        detail = ('the server at %s is not speaking TLS on that port (%s): if it serves plain HTTP, the URL '
                  'should start with http:// (allowed for this machine only)' % (base_url, reason))
    else:
        detail = ("TLS error talking to %s: %s. Set ca_path to the CA that signed the server's certificate, "
                  'or validate_certs: false for a test server' % (base_url, reason))
    error = ApiError(method, path, redact(detail), kind='transport')
    error.final = True
    error.never_sent = True
    return error


def exchange_error(method, path, exc, url, base_url, timeout, expired, redact):
    """The ApiError (kind transport) of an exchange that raised ``exc``; ``expired`` when the deadline cut it."""
    if expired:
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
    error.cause = 'timeout' if expired or (
        requests is not None and isinstance(exc, requests.exceptions.Timeout)) else 'connection error'
    # Only silence (a timeout, a reset) counts towards "unreachable"; garbage is an answer of sorts.
    error.silent = expired or isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                                               requests.exceptions.ChunkedEncodingError, OSError))
    # A URL requests cannot use, or a redirect loop, is the same on every attempt: asking again cannot help; nor is
    # a failure of a kind no one foresaw worth repeating. A name that does not exist will not exist a second later.
    error.final = _name_resolution(exc) == 'unknown' or not isinstance(exc, _EXPECTED_EXCHANGE_FAILURES) or (
        requests is not None and isinstance(exc, (requests.exceptions.InvalidURL,
                                                  requests.exceptions.TooManyRedirects)))
    return error
