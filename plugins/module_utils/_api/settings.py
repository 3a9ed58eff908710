# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connection settings (URL, version, token, timeout, CA path), checked before any request is sent.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import re

from urllib.parse import urlsplit

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiConfigError

__version__ = '2.0.0'
DEFAULT_API_URL = 'https://messaging.invoca.net'
DEFAULT_API_VERSION = '2022-08-01'
# A timeout of days is a typo, not a wish; it would also hold an AWX job slot that long.
MAX_TIMEOUT = 3600
_VERSION_FORMAT = re.compile(r'[0-9]{4}-[0-9]{2}-[0-9]{2}')
_VERSION_PATH = re.compile(r'/sms(/[^/]*)?/*$')


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
