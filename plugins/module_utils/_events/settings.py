# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The arguments of the sms_events event source, checked before any request, with the modules' environment
fallbacks.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import os

from ansible_collections.invoca.messaging.plugins.module_utils._api.redaction import Redactor
from ansible_collections.invoca.messaging.plugins.module_utils._api.settings import DEFAULT_API_URL, DEFAULT_API_VERSION
from ansible_collections.invoca.messaging.plugins.module_utils._api.transport import Transport
from ansible_collections.invoca.messaging.plugins.module_utils._messages.records import parse_timestamp
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import InvalidPhoneNumber, normalize_phone_numbers


ARGUMENTS = ('api_token', 'api_url', 'api_version', 'validate_certs', 'ca_path', 'timeout', 'max_retries',
             'phone_numbers', 'interval', 'since', 'state_file', 'delivery_failures', 'lag', 'failure_window')


ENV_FALLBACKS = {'api_token': 'INVOCA_API_TOKEN', 'api_url': 'INVOCA_API_URL', 'api_version': 'INVOCA_API_VERSION',
                 'validate_certs': 'INVOCA_VALIDATE_CERTS', 'ca_path': 'INVOCA_CA_PATH'}


_TRUE = ('1', 'true', 'yes', 'on', 'y', 't')


_FALSE = ('0', 'false', 'no', 'off', 'n', 'f')


class InvalidArgument(ValueError):
    """An argument of the source that cannot work; raised before any request."""


def _bool(name, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise InvalidArgument('%s must be true or false, got %r' % (name, value))


def _seconds(name, value, minimum, allow_zero=False):
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or \
            value < minimum or (value == 0 and not allow_zero):
        raise InvalidArgument('%s must be a number of seconds%s, got %r'
                              % (name, ' of 0 or more' if allow_zero else ' above %s' % minimum, value))
    return float(value)


class Settings:
    """The arguments of the source, checked; the token is held here and in the transport only."""

    def __init__(self, args, environ=None):
        environ = os.environ if environ is None else environ
        args = dict((key, value) for key, value in (args or {}).items() if not str(key).startswith('eda_'))
        unknown = sorted(set(args) - set(ARGUMENTS))
        if unknown:
            raise InvalidArgument('unknown argument(s) %s; known: %s' % (', '.join(unknown), ', '.join(ARGUMENTS)))
        for name, variable in ENV_FALLBACKS.items():
            if args.get(name) in (None, '') and environ.get(variable):
                args[name] = environ[variable]
        self.api_token = args.get('api_token')
        if not isinstance(self.api_token, str) or not self.api_token.strip():
            raise InvalidArgument('no API token: set the api_token argument (from a variable, never written in the '
                                  'rulebook) or the INVOCA_API_TOKEN environment variable')
        self.api_url = args.get('api_url') or DEFAULT_API_URL
        self.api_version = args.get('api_version') or DEFAULT_API_VERSION
        self.validate_certs = _bool('validate_certs', args.get('validate_certs', True))
        self.ca_path = args.get('ca_path') or None
        self.timeout = int(_seconds('timeout', args.get('timeout', 30), 0))
        max_retries = args.get('max_retries', 3)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 0 <= max_retries <= 20:
            raise InvalidArgument('max_retries must be from 0 to 20, got %r' % (max_retries,))
        self.max_retries = max_retries
        numbers = args.get('phone_numbers')
        if numbers in (None, ''):
            self.phone_numbers = None
        else:
            if isinstance(numbers, str):
                numbers = [item for item in numbers.replace(',', ' ').split() if item]
            if not isinstance(numbers, list) or not numbers:
                raise InvalidArgument('phone_numbers must be a list of E.164 numbers such as "+18885550100", got %r'
                                      % (args.get('phone_numbers'),))
            try:
                self.phone_numbers = normalize_phone_numbers(numbers)
            except InvalidPhoneNumber as exc:
                raise InvalidArgument('phone_numbers: %s' % exc)
        self.interval = _seconds('interval', args.get('interval', 30), 0)
        self.lag = _seconds('lag', args.get('lag', 60), 0, allow_zero=True)
        self.failure_window = _seconds('failure_window', args.get('failure_window', 900), 0, allow_zero=True)
        self.delivery_failures = _bool('delivery_failures', args.get('delivery_failures', False))
        since = args.get('since', 'now')
        if since in (None, '', 'now'):
            self.since = None
        else:
            self.since = parse_timestamp(since) if isinstance(since, str) else None
            if self.since is None:
                raise InvalidArgument('since must be "now" or an ISO 8601 time such as 2026-01-01T00:00:00Z, got %r'
                                      % (since,))
        self.state_file = args.get('state_file') or None
        if self.state_file is not None:
            if not isinstance(self.state_file, str):
                raise InvalidArgument('state_file must be a path, got %r' % (self.state_file,))
            self.state_file = os.path.abspath(os.path.expanduser(self.state_file))
            directory = os.path.dirname(self.state_file)
            if not os.path.isdir(directory) or not os.access(directory, os.W_OK):
                raise InvalidArgument('state_file %s: its directory %s does not exist or cannot be written by this '
                                      'user' % (self.state_file, directory))
        self.redactor = Redactor(self.api_token)

    def transport(self):
        """A new Transport (its own retry budget and unreachable circuit); ApiConfigError for settings that cannot
        work."""
        return Transport(api_token=self.api_token, api_url=self.api_url, api_version=self.api_version,
                         validate_certs=self.validate_certs, ca_path=self.ca_path, timeout=self.timeout,
                         max_retries=self.max_retries)
