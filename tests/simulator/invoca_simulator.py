#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local simulator of the Invoca SMS Messaging API (phone numbers).

A real HTTP(S) server on the loopback interface, used by the demo, the
integration tests, fault-injection tests and the benchmark.  Standard library
only (TLS certificates come from ``cryptography`` or the ``openssl`` CLI).
See README.md beside this file for every option and the control API.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime
import hmac
import http
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote_plus, unquote

DEFAULT_VERSIONS = ('2022-05-01', '2022-08-01')
# The first version whose list items are the short 2022-08-01 shape (no id).
NEW_STYLE_VERSION = '2022-08-01'
DEFAULT_TOKEN = 'sim-token'
LOOPBACK_HOSTS = ('127.0.0.1', '::1', 'localhost')
NETWORK_ID = 12345
CARRIER_INTERFACE = 'bandwidth'
# Fixed epoch of the simulated clock: every write advances it by one millisecond,
# so timestamps are deterministic and strictly increasing.
CLOCK_START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
FIRST_ID = 1001
FIRST_VIRTUAL_LINE_ID = 201
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
MAX_BODY = 10 * 1024 * 1024

E164_RE = re.compile(r'^\+[1-9][0-9]{6,14}$')
FILTER_KEY_RE = re.compile(r'^([^\[\]]*)\[([^\[\]]*)\]$')
INT_RE = re.compile(r'^[+-]?[0-9]+$')
TIMESTAMP_RE = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})'
    r'(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?'
    r'\s*(Z|UTC|[+-]\d{2}:?\d{2})?$',
    re.IGNORECASE,
)

OPERATIONS = ('list', 'get', 'count', 'create', 'delete')
SORTABLE_FIELDS = ('phone_number', 'created_at', 'enabled_at', 'deleted_at', 'virtual_line_id')
FILTERABLE_FIELDS = ('phone_number', 'created_at', 'enabled_at', 'deleted_at', 'virtual_line_id', 'carrier_interface')
FILTER_OPERATORS = ('eq', 'lte', 'gte', 'empty')
TIMESTAMP_FIELDS = ('created_at', 'enabled_at', 'deleted_at')
LIST_CONTROL_PARAMS = ('limit', 'page', 'sort', 'cursor')
MALFORMED_KINDS = ('html', 'empty', 'truncated', 'wrong_shape', 'close', 'hang', 'lost_answer')
CREATE_PATHS = ('both', 'member', 'collection')

FULL_FIELDS_NEW = ('phone_number', 'virtual_line_id', 'network_id', 'created_at', 'deleted_at', 'carrier_interface', 'enabled_at')
LIST_FIELDS_NEW = ('phone_number', 'created_at', 'deleted_at', 'carrier_interface', 'enabled_at')
FULL_FIELDS_OLD = ('id', 'virtual_line_id', 'phone_number', 'network_id', 'carrier_interface', 'created_at', 'enabled_at', 'deleted_at')
STATE_FIELDS = ('id', 'phone_number', 'virtual_line_id', 'network_id', 'created_at', 'enabled_at', 'deleted_at', 'carrier_interface')

PAGY_SIZE = [1, 4, 4, 1]
PAGY_METADATA = ['scaffold_url', 'first_url', 'prev_url', 'page_url', 'next_url', 'last_url', 'count', 'page', 'items', 'vars',
                 'pages', 'last', 'in', 'from', 'to', 'prev', 'next', 'series']

MSG_UNKNOWN_OBJECT = 'Not Found — The request could not be completed due the requested object identifier being unknown to SMS Messaging.'
MSG_UNAUTHORIZED = 'Unauthorized — Missing or malformed authorization request header for any SMS Messaging API contract.'
MSG_FORBIDDEN = 'Forbidden'
MSG_BAD_VERSION = ("Not Found - the request '{path}' did not include a valid version. "
                   "The request path must start with '/sms/YYYY-MM-DD'. Available versions are: {versions}.")
MSG_INVALID_NUMBER = 'Unprocessable Entity - the requested phone number is not valid'
MSG_NUMBER_NOT_FOUND = 'Not Found - the requested phone number, {0}, is not in the system'
MSG_CONFLICT = 'Conflict - the requested phone number, {0}, already exists'
MSG_BAD_BODY = 'The request body you provide must be a JSON hash'
MSG_METHOD_NOT_ALLOWED = 'Method Not Allowed'
MSG_TOO_MANY = 'Too Many Requests'

HTML_PAGE = (b'<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n'
             b'<body><h1>Bad Gateway</h1><p>The upstream server returned an invalid response.</p></body></html>\n')


class ConfigError(ValueError):
    """A control-API or command-line setting is not acceptable."""


class ApiError(Exception):
    """Ends API request processing with a JSON ``{"message": ...}`` answer."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class Reply:
    """What the handler thread must send for one request."""

    __slots__ = ('status', 'payload', 'raw', 'content_type', 'headers', 'action', 'delay')

    def __init__(self, status, payload=None, raw=None, content_type='application/json; charset=utf-8', headers=None, action=None, delay=0.0):
        self.status = status
        self.payload = payload
        self.raw = raw
        self.content_type = content_type
        self.headers = headers or []
        # None = send it; 'close' = drop the connection; 'truncate' = send half the body.
        self.action = action
        self.delay = delay

    def body(self):
        if self.raw is not None:
            return self.raw
        if self.payload is None:
            return b''
        data = json.dumps(self.payload, ensure_ascii=False, separators=(',', ':')).encode('utf-8')
        if self.action == 'truncate':
            return data[:len(data) // 2]
        return data


def reason_phrase(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return 'Error'


def message(status, text, headers=None):
    return Reply(status, {'message': text}, headers=headers)


def format_timestamp(value):
    return value.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (value.microsecond // 1000)


def parse_timestamp(text):
    """Return the canonical simulator form of a filter timestamp, or None if it is not one."""
    match = TIMESTAMP_RE.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        value = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                                  int((fraction or '0').ljust(6, '0')[:6]), tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    if zone and zone.upper() not in ('Z', 'UTC'):
        sign = -1 if zone[0] == '-' else 1
        digits = zone[1:].replace(':', '')
        offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        value = value - sign * offset
    return format_timestamp(value)


def number_repr(value):
    """Render a number the way it was given (``1`` stays ``1``, ``0.2`` stays ``0.2``)."""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def parse_number(text):
    text = str(text).strip()
    if INT_RE.match(text):
        return int(text)
    return float(text)


def pagy_series(page, last):
    """The ``series`` of pagy 5 with size [1, 4, 4, 1]: current page as a string, gaps as "gap"."""
    left_gap_start = 1 + PAGY_SIZE[0]
    left_gap_end = page - PAGY_SIZE[1] - 1
    right_gap_start = page + PAGY_SIZE[2] + 1
    right_gap_end = last - PAGY_SIZE[3]
    left_gap_end = min(left_gap_end, right_gap_end)
    right_gap_start = max(right_gap_start, left_gap_start)
    series = []
    start = 1
    if left_gap_end - left_gap_start > 0:
        series.extend(range(start, left_gap_start))
        series.append('gap')
        start = left_gap_end + 1
    if right_gap_end - right_gap_start > 0:
        series.extend(range(start, right_gap_start))
        series.append('gap')
        start = right_gap_end + 1
    series.extend(range(start, last + 1))
    series[series.index(page)] = str(page)
    return series


def encode_query(pairs):
    # Brackets stay literal and values are form-encoded, as in the reference's pagy URLs
    # ("created_at[lte]=2022-01-31+23%3A49%3A06+UTC", "sort=created_at%3Adesc").
    return '&'.join(quote_plus(key, safe='[]') + '=' + quote_plus(value, safe='') for key, value in pairs)


def encode_cursor(offset):
    return base64.urlsafe_b64encode(('sim-cursor:%d' % offset).encode('ascii')).decode('ascii').rstrip('=')


def decode_cursor(cursor):
    try:
        text = base64.urlsafe_b64decode((cursor + '=' * (-len(cursor) % 4)).encode('ascii')).decode('ascii')
    except (binascii.Error, UnicodeError, ValueError):
        return None
    prefix, _sep, offset = text.partition(':')
    if prefix != 'sim-cursor' or not offset.isdigit():
        return None
    return int(offset)


def normalize_operations(value, name):
    if value is None:
        return list(OPERATIONS)
    if isinstance(value, str):
        value = [item.strip() for item in value.split(',') if item.strip()]
    if not isinstance(value, list) or not value:
        raise ConfigError('%s must be a non-empty list of operations' % name)
    allowed = OPERATIONS + ('other',)
    for item in value:
        if item not in allowed:
            raise ConfigError('%s: unknown operation %r (use %s)' % (name, item, ', '.join(allowed)))
    return list(value)


def as_bool(value, name):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ('1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'):
        return value.lower() in ('1', 'true', 'yes', 'on')
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ConfigError('%s must be a boolean' % name)


def as_number(value, name, minimum=0.0, maximum=None, integer=False):
    if isinstance(value, bool):
        raise ConfigError('%s must be a number' % name)
    try:
        number = parse_number(value) if isinstance(value, str) else value
    except ValueError:
        raise ConfigError('%s must be a number' % name)
    if not isinstance(number, (int, float)) or math.isnan(number):
        raise ConfigError('%s must be a number' % name)
    if integer:
        if isinstance(number, float) and not number.is_integer():
            raise ConfigError('%s must be an integer' % name)
        number = int(number)
    if number < minimum or (maximum is not None and number > maximum):
        raise ConfigError('%s must be between %s and %s' % (name, minimum, maximum if maximum is not None else 'infinity'))
    return number


def as_status(value, name):
    status = as_number(value, name, 100, 599, integer=True)
    return status


def normalize_setting(key, value):
    """Validate one runtime setting and return its normalized value."""
    if key == 'latency_ms':
        return as_number(value, key)
    if key == 'pagination_key':
        if value in (None, '', 'auto'):
            return None
        if value not in ('pagination', 'page'):
            raise ConfigError('pagination_key must be "pagination", "page" or null')
        return value
    if key == 'pagination':
        if value not in ('page', 'cursor'):
            raise ConfigError('pagination must be "page" or "cursor"')
        return value
    if key == 'count_endpoint':
        return as_bool(value, key)
    if key == 'create_path':
        if value not in CREATE_PATHS:
            raise ConfigError('create_path must be one of %s' % ', '.join(CREATE_PATHS))
        return value
    if key == 'seed':
        return as_number(value, key, minimum=-(2 ** 63), integer=True)
    if key == 'error_rate':
        return float(as_number(value, key, 0.0, 1.0))
    if key == 'error_statuses':
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            value = [item for item in str(value).split(',') if item.strip()]
        if not isinstance(value, list) or not value:
            raise ConfigError('error_statuses must be a non-empty list of HTTP status codes')
        return [as_status(item, key) for item in value]
    if key == 'rate_limit_every':
        return as_number(value, key, integer=True)
    if key == 'retry_after':
        return as_number(value, key)
    if key == 'fail_numbers':
        if value is None:
            return []
        if isinstance(value, str):
            value = [item.strip() for item in value.split(',') if item.strip()]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError('fail_numbers must be a list of phone numbers')
        return list(value)
    if key == 'fail_status':
        return as_status(value, key)
    if key == 'hang_seconds':
        return as_number(value, key)
    if key == 'malformed':
        if value in (None, '', 'none'):
            return None
        if isinstance(value, str):
            value = {'kind': value}
        if not isinstance(value, dict) or value.get('kind') not in MALFORMED_KINDS:
            raise ConfigError('malformed must be null or {"kind": one of %s, "operations": [...], "every": n}' % ', '.join(MALFORMED_KINDS))
        unknown = set(value) - {'kind', 'operations', 'every'}
        if unknown:
            raise ConfigError('malformed: unknown keys %s' % ', '.join(sorted(unknown)))
        return {
            'kind': value['kind'],
            'operations': normalize_operations(value.get('operations'), 'malformed.operations'),
            'every': as_number(value.get('every', 1), 'malformed.every', minimum=1, integer=True),
        }
    if key == 'redirect':
        if value in (None, '', 'none'):
            return None
        if isinstance(value, str):
            value = {'to': value}
        if not isinstance(value, dict) or not isinstance(value.get('to'), str) or not re.match(r'^https?://[^/?#]+$', value['to'].rstrip('/')):
            raise ConfigError('redirect must be null or {"to": "http://host:port", "operations": [...]}')
        unknown = set(value) - {'to', 'operations'}
        if unknown:
            raise ConfigError('redirect: unknown keys %s' % ', '.join(sorted(unknown)))
        return {'to': value['to'].rstrip('/'), 'operations': normalize_operations(value.get('operations'), 'redirect.operations')}
    raise ConfigError('unknown setting %r' % key)


# Changing any of these restarts the deterministic fault sequence (counters and random generator).
FAULT_KEYS = ('seed', 'error_rate', 'error_statuses', 'rate_limit_every', 'retry_after', 'fail_numbers', 'fail_status',
              'malformed', 'hang_seconds', 'redirect')
SETTING_KEYS = ('latency_ms', 'pagination_key', 'pagination', 'count_endpoint', 'create_path') + FAULT_KEYS


class Route:
    """What a request path and method name, worked out before any state is read."""

    __slots__ = ('kind', 'operation', 'version', 'phone_number')

    def __init__(self, kind, operation='other', version=None, phone_number=None):
        self.kind = kind
        self.operation = operation
        self.version = version
        self.phone_number = phone_number


class SimulatorState:
    """The phone-number store, the runtime settings, the faults and the request log, behind one lock."""

    def __init__(self, versions, tokens, defaults, log_limit=100000):
        self.versions = list(versions)
        self._tokens = [token.encode('utf-8') for token in tokens]
        self.defaults = dict(defaults)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.log = deque(maxlen=log_limit)
        self._list_cache = None
        self.reset()

    # ----------------------------------------------------------------- state

    def reset(self, phone_numbers=(), deleted=()):
        """Replace every record; the caller holds the lock (or owns the object)."""
        for number in list(phone_numbers) + list(deleted):
            if not isinstance(number, str) or not E164_RE.match(number):
                raise ConfigError('not a valid E.164 phone number: %r' % (number,))
        self.records = []
        self.by_number = {}
        self.clock_ms = 0
        self.next_id = FIRST_ID
        self.next_virtual_line_id = FIRST_VIRTUAL_LINE_ID
        self.generation = 0
        self.seq = 0
        self.log.clear()
        self.config = dict(self.defaults)
        self._restart_faults()
        self._list_cache = None
        for number in list(phone_numbers) + list(deleted):
            if number not in self.by_number:
                self._insert(number)
        for number in deleted:
            record = self.by_number[number]
            if record['deleted_at'] is None:
                record['deleted_at'] = self._tick()

    def _restart_faults(self):
        self.rng = random.Random(self.config['seed'])
        self.api_request_count = 0
        self.malformed_count = 0

    def _tick(self):
        self.clock_ms += 1
        self.generation += 1
        return format_timestamp(CLOCK_START + datetime.timedelta(milliseconds=self.clock_ms))

    def _peek_time(self):
        return format_timestamp(CLOCK_START + datetime.timedelta(milliseconds=self.clock_ms + 1))

    def _new_record(self, number, now, record_id, virtual_line_id):
        return {
            'id': record_id,
            'phone_number': number,
            'virtual_line_id': virtual_line_id,
            'network_id': NETWORK_ID,
            'created_at': now,
            'enabled_at': now,
            'deleted_at': None,
            'carrier_interface': CARRIER_INTERFACE,
        }

    def _insert(self, number):
        record = self._new_record(number, self._tick(), self.next_id, self.next_virtual_line_id)
        self.next_id += 1
        self.next_virtual_line_id += 1
        self.records.append(record)
        self.by_number[number] = record
        return record

    def seed_numbers(self, numbers):
        added = 0
        for number in numbers:
            if not isinstance(number, str) or not E164_RE.match(number):
                raise ConfigError('not a valid E.164 phone number: %r' % (number,))
        for number in numbers:
            record = self.by_number.get(number)
            if record is None:
                self._insert(number)
                added += 1
            elif record['deleted_at'] is not None:
                now = self._tick()
                record['deleted_at'] = None
                record['enabled_at'] = now
                added += 1
        return added

    def state(self, active=False):
        return [{field: record[field] for field in STATE_FIELDS} for record in self.records if not active or record['deleted_at'] is None]

    def set_config(self, updates):
        if not isinstance(updates, dict):
            raise ConfigError('the settings must be a JSON object')
        normalized = {key: normalize_setting(key, value) for key, value in updates.items()}
        self.config.update(normalized)
        if any(key in FAULT_KEYS for key in normalized):
            self._restart_faults()
        return dict(self.config)

    # ------------------------------------------------------------ API requests

    def classify_auth(self, header):
        if header is None:
            return 'missing'
        scheme, _sep, token = header.strip().partition(' ')
        token = token.strip()
        if scheme.lower() != 'bearer' or not token or ' ' in token:
            return 'malformed'
        candidate = token.encode('utf-8')
        # compare_digest on every accepted token so a probe cannot time which prefix matched.
        valid = False
        for accepted in self._tokens:
            valid = hmac.compare_digest(candidate, accepted) or valid
        return 'valid' if valid else 'forbidden'

    def route(self, method, raw_path):
        segments = raw_path.split('/')
        if len(segments) < 3 or segments[0] != '' or segments[1] != 'sms' or segments[2] not in self.versions:
            return Route('bad_version')
        version = segments[2]
        rest = segments[3:]
        if rest and rest[-1].endswith('.json'):
            rest[-1] = rest[-1][:-len('.json')]
        rest = [unquote(segment) for segment in rest]
        create_path = self.config['create_path']
        if rest == ['phone_numbers']:
            if method == 'GET':
                return Route('list', 'list', version)
            if method == 'POST' and create_path in ('both', 'collection'):
                return Route('create_collection', 'create', version)
            return Route('method_not_allowed', 'other', version)
        if len(rest) == 2 and rest[0] == 'phone_numbers' and rest[1]:
            number = rest[1]
            if method == 'GET':
                if number == 'count' and self.config['count_endpoint']:
                    return Route('count', 'count', version)
                return Route('get', 'get', version, number)
            if method == 'POST':
                if create_path in ('both', 'member'):
                    return Route('create_member', 'create', version, number)
                return Route('unknown', 'other', version, number)
            if method == 'DELETE':
                return Route('delete', 'delete', version, number)
            return Route('method_not_allowed', 'other', version, number)
        return Route('unknown', 'other', version)

    def process(self, request):
        """Decide the answer to one API request; the caller holds the lock."""
        route = self.route(request['method'], request['path'])
        if route.kind == 'create_collection':
            route.phone_number = request['body_number']
        self.seq += 1
        entry = {
            'seq': self.seq,
            'time': time.time(),
            'method': request['method'],
            'path': request['path'],
            'query': request['query'],
            'params': request['params'],
            'body': request['body_json'],
            'status': None,
            'auth': request['auth'],
            'authorization_header_present': request['auth'] != 'missing',
            'host_header': request['host'],
            'version': route.version,
            'operation': route.operation,
            'phone_number': route.phone_number,
            'applied': False,
            'fault': None,
        }
        reply, fault = self._fault_before_auth(request, route)
        if reply is None:
            reply, fault, applied = self._answer(request, route)
            entry['applied'] = applied
        entry['fault'] = fault
        entry['status'] = None if reply.action == 'close' else reply.status
        self.log.append(entry)
        return reply

    def _fault_before_auth(self, request, route):
        config = self.config
        self.api_request_count += 1
        every = config['rate_limit_every']
        if every and self.api_request_count % every == 0:
            return message(429, MSG_TOO_MANY, headers=[('Retry-After', number_repr(config['retry_after']))]), 'rate_limit'
        if config['error_rate'] > 0 and self.rng.random() < config['error_rate']:
            status = self.rng.choice(config['error_statuses'])
            return message(status, reason_phrase(status)), 'error_rate'
        redirect = config['redirect']
        if redirect and route.operation in redirect['operations']:
            location = redirect['to'] + request['path'] + ('?' + request['query'] if request['query'] else '')
            return message(307, 'Temporary Redirect', headers=[('Location', location)]), 'redirect'
        return None, None

    def _answer(self, request, route):
        """Return (reply, fault, applied) for a request that passed the gateway-level faults."""
        if route.kind == 'bad_version':
            return message(404, MSG_BAD_VERSION.format(path=request['path'], versions=', '.join(self.versions))), None, False
        if request['auth'] in ('missing', 'malformed'):
            return message(401, MSG_UNAUTHORIZED), None, False
        if request['auth'] == 'forbidden':
            return message(403, MSG_FORBIDDEN), None, False
        if route.kind == 'unknown':
            return message(404, MSG_UNKNOWN_OBJECT), None, False
        if route.kind == 'method_not_allowed':
            allow = 'GET, POST' if route.phone_number is None else 'GET, POST, DELETE'
            return message(405, MSG_METHOD_NOT_ALLOWED, headers=[('Allow', allow)]), None, False
        config = self.config
        if route.operation in ('create', 'delete') and route.phone_number in config['fail_numbers']:
            status = config['fail_status']
            return message(status, reason_phrase(status)), 'fail_numbers', False
        malformed = config['malformed']
        if malformed and route.operation in malformed['operations']:
            self.malformed_count += 1
            if self.malformed_count % malformed['every'] == 0:
                if malformed['kind'] == 'lost_answer':
                    return self._lost_answer(request, route)
                return self._malformed(malformed['kind'], request, route), malformed['kind'], False
        try:
            reply, applied = self._handle(request, route, apply=True)
        except ApiError as exc:
            return message(exc.status, exc.message), None, False
        return reply, None, applied

    def _lost_answer(self, request, route):
        """Apply the request, then close the connection: the one fault after which the change HAS happened."""
        try:
            reply, applied = self._handle(request, route, apply=True)
        except ApiError as exc:
            reply, applied = message(exc.status, exc.message), False
        reply.action = 'close'
        return reply, 'lost_answer', applied

    def _malformed(self, kind, request, route):
        if kind == 'html':
            return Reply(200, raw=HTML_PAGE, content_type='text/html; charset=utf-8')
        if kind == 'empty':
            return Reply(200, raw=b'')
        if kind == 'close':
            return Reply(200, action='close')
        if kind == 'hang':
            # After the hang the answer is a gateway timeout: the change was never applied.
            reply = message(504, 'Gateway Timeout')
            reply.delay = self.config['hang_seconds']
            return reply
        if kind == 'wrong_shape':
            shapes = {'list': {'phone_numbers': 'oops'}, 'count': {'count': 'many'}}
            return Reply(200, shapes.get(route.operation, [1, 2]))
        # truncated: half of the answer that would have been given, computed without applying it.
        try:
            reply, _applied = self._handle(request, route, apply=False)
        except ApiError as exc:
            reply = message(exc.status, exc.message)
        reply.action = 'truncate'
        return reply

    def _handle(self, request, route, apply):
        """Return (reply, applied) for a routed, authorized request; ApiError for error answers."""
        old_style = route.version < NEW_STYLE_VERSION
        if route.kind == 'list':
            return self._list(request, route, old_style), False
        if route.kind == 'count':
            return Reply(200, {'count': len(self._select(request['pairs'], 'created_at', 'asc'))}), False
        if route.kind == 'create_collection' and request['body_error']:
            raise ApiError(400, MSG_BAD_BODY)
        number = route.phone_number
        if not isinstance(number, str) or not E164_RE.match(number):
            raise ApiError(422, MSG_INVALID_NUMBER)
        fields = FULL_FIELDS_OLD if old_style else FULL_FIELDS_NEW
        record = self.by_number.get(number)
        if route.kind == 'get':
            if record is None:
                raise ApiError(404, MSG_NUMBER_NOT_FOUND.format(number))
            return Reply(200, {'phone_number': {field: record[field] for field in fields}}), False
        if route.kind == 'delete':
            if record is None:
                raise ApiError(404, MSG_NUMBER_NOT_FOUND.format(number))
            if record['deleted_at'] is not None:
                # Deleting a deleted object does nothing (Invoca design principles).
                return Reply(200, {'phone_number': {field: record[field] for field in fields}}), False
            result = dict(record)
            if apply:
                record['deleted_at'] = self._tick()
                result = record
            else:
                result['deleted_at'] = self._peek_time()
            return Reply(200, {'phone_number': {field: result[field] for field in fields}}), apply
        # create (member or collection route)
        if record is not None and record['deleted_at'] is None:
            raise ApiError(409, MSG_CONFLICT.format(number))
        if record is not None:
            result = dict(record)
            if apply:
                now = self._tick()
                record['deleted_at'] = None
                record['enabled_at'] = now
                result = record
            else:
                result.update(deleted_at=None, enabled_at=self._peek_time())
        elif apply:
            result = self._insert(number)
        else:
            result = self._new_record(number, self._peek_time(), self.next_id, self.next_virtual_line_id)
        # The contract's create examples expect the new resource's URL (as a Location header).
        location = '%s/sms/%s/phone_numbers/%s' % (request['base_url'], route.version, number)
        return Reply(201, {'phone_number': {field: result[field] for field in fields}}, headers=[('Location', location)]), apply

    # ----------------------------------------------------------------- listing

    def _list(self, request, route, old_style):
        pairs = request['pairs']
        params = dict(pairs)  # the last occurrence of a repeated parameter wins, as in Rack
        limit_text = params.get('limit')
        limit = DEFAULT_LIMIT
        if limit_text is not None:
            if not INT_RE.match(limit_text.strip()) or int(limit_text) < 1:
                raise ApiError(422, 'The requested limit is invalid: %s' % limit_text)
            limit = min(int(limit_text), MAX_LIMIT)
        field, direction = self._parse_sort(params.get('sort'))
        matches = self._select(pairs, field, direction)
        fields = FULL_FIELDS_OLD if old_style else LIST_FIELDS_NEW
        key = self.config['pagination_key']
        count = len(matches)
        if self.config['pagination'] == 'cursor':
            offset = 0
            if params.get('cursor'):
                offset = decode_cursor(params['cursor'])
                if offset is None:
                    raise ApiError(422, 'The requested cursor is invalid: %s' % params['cursor'])
            items = [{name: record[name] for name in fields} for record in matches[offset:offset + limit]]
            next_cursor = encode_cursor(offset + limit) if offset + limit < count else None
            return Reply(200, {'phone_numbers': items, key or 'pagination': {'count': count, 'items': limit, 'next_cursor': next_cursor}})
        page_text = params.get('page')
        page = 1
        if page_text not in (None, ''):
            if not page_text.strip().isdigit() or int(page_text) < 1:
                raise ApiError(422, 'The requested page is invalid: %s' % page_text)
            page = int(page_text)
        offset = (page - 1) * limit
        items = [{name: record[name] for name in fields} for record in matches[offset:offset + limit]]
        page_object = self._pagy(request['path'], pairs, page, page_text, limit, count, old_style)
        if key is None:
            key = 'page' if old_style else 'pagination'
        return Reply(200, {'phone_numbers': items, key: page_object})

    def _parse_sort(self, text):
        if text is None or text.strip() == '':
            return 'created_at', 'asc'
        parts = text.strip().split(':')
        if len(parts) == 1:
            token = parts[0]
            if token in ('asc', 'desc'):
                return 'created_at', token
            field, direction = token, 'asc'
        elif len(parts) == 2:
            field, direction = parts[0] or 'created_at', parts[1] or 'asc'
        else:
            raise ApiError(422, 'The requested sort is invalid: %s' % ' '.join(parts))
        if field not in SORTABLE_FIELDS:
            raise ApiError(422, "The request contains unsupported sort columns: '%s'. Supported columns: %s" % (field, ', '.join(SORTABLE_FIELDS)))
        if direction not in ('asc', 'desc'):
            raise ApiError(422, 'The requested sort is invalid: %s %s' % (field, direction))
        return field, direction

    def _parse_filters(self, pairs):
        filters = []
        bad_columns = []
        bad_operators = []
        for key, value in pairs:
            if key in LIST_CONTROL_PARAMS:
                continue
            match = FILTER_KEY_RE.match(key)
            if not match:
                continue  # plain parameters that are not filters are ignored, as Rails would
            field, operator = match.groups()
            if field not in FILTERABLE_FIELDS:
                bad_columns.append(field)
                continue
            if operator not in FILTER_OPERATORS:
                bad_operators.append('%s %s' % (field, operator))
                continue
            if operator != 'empty':
                if field in TIMESTAMP_FIELDS:
                    converted = parse_timestamp(value)
                elif field == 'virtual_line_id':
                    converted = int(value) if INT_RE.match(value.strip()) else None
                else:
                    converted = value
                if converted is None:
                    raise ApiError(422, "The request contains an invalid filter value: '%s %s %s'" % (field, operator, value))
                value = converted
            filters.append((field, operator, value))
        if bad_columns:
            raise ApiError(422, 'The request contains unsupported filter columns: %s. Supported columns: %s' % (
                ', '.join("'%s'" % item for item in bad_columns), ', '.join(FILTERABLE_FIELDS)))
        if bad_operators:
            raise ApiError(422, 'The request contains unsupported filter operators: %s. Supported operators: %s' % (
                ', '.join("'%s'" % item for item in bad_operators), ', '.join(FILTER_OPERATORS)))
        return tuple(filters)

    def _select(self, pairs, field, direction):
        filters = self._parse_filters(pairs)
        cache_key = (self.generation, len(self.records), filters, field, direction)
        if self._list_cache is not None and self._list_cache[0] == cache_key:
            return self._list_cache[1]
        matches = [record for record in self.records if all(self._matches(record, flt) for flt in filters)]
        if field != 'created_at':
            # NULLs first ascending and last descending (MySQL); created_at breaks ties, being unique.
            matches.sort(key=lambda record: (record[field] is not None, record[field] if record[field] is not None else 0, record['created_at']),
                         reverse=direction == 'desc')
        elif direction == 'desc':
            matches.reverse()
        self._list_cache = (cache_key, matches)
        return matches

    @staticmethod
    def _matches(record, flt):
        field, operator, value = flt
        actual = record[field]
        if operator == 'empty':
            return actual is None or actual == '' or actual == 0
        if actual is None:
            return False
        if operator == 'eq':
            return actual == value
        if operator == 'lte':
            return actual <= value
        return actual >= value

    def _pagy(self, path, pairs, page, page_text, limit, count, old_style):
        last = max(1, int(math.ceil(count / float(limit))))
        if page <= last:
            offset = (page - 1) * limit
            first_item = min(offset + 1, count)
            last_item = min(offset + limit, count)
            in_page = min(last_item - first_item + 1, count)
            prev_page = page - 1 if page > 1 else None
            next_page = page + 1 if page < last else None
            series = pagy_series(page, last)
        else:
            # pagy's :empty_page overflow: nothing in the page, prev is the last page, no current page in the series.
            first_item = last_item = in_page = 0
            prev_page = last
            next_page = None
            series = [last if item == str(last) else item for item in pagy_series(last, last)]
        query = encode_query([(key, value) for key, value in pairs if key != 'page'])
        base = path + '?' + (query + '&' if query else '') + 'page='
        result = {
            'scaffold_url': base + '__pagy_page__',
            'first_url': base + '1',
            'prev_url': base + ('' if prev_page is None else str(prev_page)),
            'page_url': base + str(page),
            'next_url': base + ('' if next_page is None else str(next_page)),
            'last_url': base + str(last),
            'count': count,
            'page': page,
            'items': limit,
        }
        if old_style:
            result['vars'] = {
                'page': page_text if page_text not in (None, '') else 1,
                'items': limit,
                'outset': 0,
                'size': list(PAGY_SIZE),
                'page_param': 'page',
                'params': {},
                'fragment': '',
                'link_extra': '',
                'i18n_key': 'pagy.item_name',
                'cycle': False,
                'metadata': list(PAGY_METADATA),
                'count': count,
            }
        result.update({
            'pages': last,
            'last': last,
            'in': in_page,
            'from': first_item,
            'to': last_item,
            'prev': prev_page,
            'next': next_page,
            'series': series,
        })
        return result

    # ------------------------------------------------------------ control API

    def control(self, method, raw_path, query, body):
        """Answer a /_sim/ request; the caller holds the lock."""
        name = raw_path[len('/_sim/'):].rstrip('/') if raw_path.startswith('/_sim/') else ''
        routes = {
            'health': ('GET',),
            'state': ('GET',),
            'log': ('GET', 'DELETE'),
            'reset': ('POST',),
            'seed': ('POST',),
            'config': ('GET', 'POST'),
        }
        if name not in routes:
            return message(404, 'unknown control endpoint %s; known: %s' % (raw_path, ', '.join('/_sim/' + key for key in routes)))
        if method not in routes[name]:
            return message(405, MSG_METHOD_NOT_ALLOWED, headers=[('Allow', ', '.join(routes[name]))])
        try:
            payload = self._control_body(body) if method == 'POST' else {}
            if name == 'health':
                return Reply(200, {'ok': True})
            if name == 'state':
                active = dict(parse_qsl(query)).get('active', '').lower() in ('1', 'true', 'yes')
                return Reply(200, {'phone_numbers': self.state(active)})
            if name == 'log':
                if method == 'DELETE':
                    self.log.clear()
                    return Reply(200, {'ok': True})
                return Reply(200, {'requests': list(self.log)})
            if name == 'reset':
                unknown = set(payload) - {'phone_numbers', 'deleted'}
                if unknown:
                    raise ConfigError('reset: unknown keys %s' % ', '.join(sorted(unknown)))
                phone_numbers = payload.get('phone_numbers') or []
                deleted = payload.get('deleted') or []
                if not isinstance(phone_numbers, list) or not isinstance(deleted, list):
                    raise ConfigError('reset: phone_numbers and deleted must be lists')
                self.reset(phone_numbers, deleted)
                return Reply(200, {'ok': True, 'phone_numbers': len(self.records), 'active': len(self.state(active=True))})
            if name == 'seed':
                return Reply(200, self._seed(payload))
            if method == 'POST':
                return Reply(200, self.set_config(payload))
            return Reply(200, dict(self.config))
        except ConfigError as exc:
            return message(400, str(exc))

    @staticmethod
    def _control_body(body):
        if not body.strip():
            return {}
        try:
            payload = json.loads(body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            raise ConfigError('the request body must be a JSON object')
        if not isinstance(payload, dict):
            raise ConfigError('the request body must be a JSON object')
        return payload

    def _seed(self, payload):
        unknown = set(payload) - {'count', 'start', 'phone_numbers'}
        if unknown:
            raise ConfigError('seed: unknown keys %s' % ', '.join(sorted(unknown)))
        numbers = payload.get('phone_numbers')
        if numbers is not None and not isinstance(numbers, list):
            raise ConfigError('seed: phone_numbers must be a list')
        numbers = list(numbers or [])
        if payload.get('count') is not None:
            count = as_number(payload['count'], 'count', integer=True)
            start = payload.get('start') or '+15550000000'
            if not isinstance(start, str) or not E164_RE.match(start):
                raise ConfigError('seed: start must be an E.164 phone number')
            digits = len(start) - 1
            first = int(start[1:])
            numbers.extend('+' + str(first + index).zfill(digits) for index in range(count))
        added = self.seed_numbers(numbers)
        return {'added': added, 'phone_numbers': len(self.records), 'active': sum(1 for record in self.records if record['deleted_at'] is None)}


class RequestHandler(BaseHTTPRequestHandler):
    """Turns HTTP requests into SimulatorState calls; one instance per connection."""

    protocol_version = 'HTTP/1.1'
    server_version = 'InvocaSmsSimulator/1.0'
    sys_version = ''
    # Without this, writing headers and body separately meets delayed ACKs (40 ms per keep-alive request).
    disable_nagle_algorithm = True
    timeout = 300

    def do_GET(self):
        self._handle('GET')

    def do_POST(self):
        self._handle('POST')

    def do_DELETE(self):
        self._handle('DELETE')

    def do_PUT(self):
        self._handle('PUT')

    def do_PATCH(self):
        self._handle('PATCH')

    def do_HEAD(self):
        self._handle('HEAD')

    def do_OPTIONS(self):
        self._handle('OPTIONS')

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        # Request lines carry no credentials, but stay quiet unless asked: stderr is read by test fixtures.
        if self.server.verbose:
            sys.stderr.write('%s - %s\n' % (self.address_string(), format % args))

    def _read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline(1024).split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b'\r\n', b'\n', b''):
                        pass
                    return b''.join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ValueError('request body too large')
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = int(self.headers.get('Content-Length') or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError('bad Content-Length')
        return self.rfile.read(length) if length else b''

    def _handle(self, method):
        try:
            try:
                body = self._read_body()
            except ValueError as exc:
                self.close_connection = True
                self._send(message(400, str(exc)), method)
                return
            raw_path, _sep, query = self.path.partition('?')
            raw_path = raw_path.split('#', 1)[0]
            state = self.server.state
            if raw_path == '/_sim' or raw_path.startswith('/_sim/'):
                with state.lock:
                    reply = state.control(method, raw_path, query, body)
                self._send(reply, method)
                return
            request = self._describe(method, raw_path, query, body)
            with state.lock:
                latency = state.config['latency_ms']
            if latency:
                # Outside the lock, so concurrent requests overlap their delays.
                state.stopping.wait(latency / 1000.0)
            with state.lock:
                reply = state.process(request)
            self._send(reply, method)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, ssl.SSLError):
            self.close_connection = True
        except Exception as exc:
            # Answer like the real API's 500 ({"message": "divided by 0"}) rather than dropping the connection.
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            try:
                self._send(message(500, str(exc) or exc.__class__.__name__), method)
            except OSError:
                pass

    def _describe(self, method, raw_path, query, body):
        """Everything process() needs from the request, parsed without the lock."""
        pairs = parse_qsl(query, keep_blank_values=True)
        params = {}
        for key, value in pairs:
            params.setdefault(key, []).append(value)
        content_type = (self.headers.get('Content-Type') or '').lower()
        body_json = None
        body_number = None
        body_error = True
        if 'application/x-www-form-urlencoded' in content_type:
            form = dict(parse_qsl(body.decode('utf-8', 'replace'), keep_blank_values=True))
            body_json = form or None
            body_number = form.get('phone_number')
            body_error = not form
        elif body.strip():
            try:
                body_json = json.loads(body.decode('utf-8'))
            except (ValueError, UnicodeDecodeError):
                body_json = None
            else:
                if isinstance(body_json, dict):
                    body_error = False
                    body_number = body_json.get('phone_number')
        return {
            'method': method,
            'path': raw_path,
            'query': query,
            'pairs': pairs,
            'params': params,
            'body_json': body_json,
            'body_number': body_number,
            'body_error': body_error,
            'auth': self.server.state.classify_auth(self.headers.get('Authorization')),
            'host': self.headers.get('Host'),
            'base_url': '%s://%s' % ('https' if self.server.ssl_context else 'http',
                                     self.headers.get('Host') or '%s:%d' % (self.server.server_name, self.server.server_port)),
        }

    def _send(self, reply, method):
        if reply.delay:
            self.server.state.stopping.wait(reply.delay)
            self.close_connection = True
        if reply.action == 'close':
            self.close_connection = True
            return
        body = reply.body()
        self.send_response(reply.status)
        self.send_header('Content-Type', reply.content_type)
        self.send_header('Content-Length', str(len(body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header('Connection', 'close')
        self.end_headers()
        if method != 'HEAD' and body:
            self.wfile.write(body)


class SimulatorServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with daemon threads, optional TLS per connection and no reverse DNS at bind."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, state, ssl_context=None, verbose=False):
        self.address_family = socket.AF_INET6 if ':' in address[0] else socket.AF_INET
        self.state = state
        self.ssl_context = ssl_context
        self.verbose = verbose
        super().__init__(address, RequestHandler)

    def server_bind(self):
        # HTTPServer.server_bind calls socket.getfqdn(), a DNS lookup that can stall start-up.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        if self.ssl_context is None:
            self.RequestHandlerClass(request, client_address, self)
            return
        # The handshake runs here, in the connection's own thread, so a silent client cannot stall accept().
        request.settimeout(30)
        try:
            tls_request = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls_request, client_address, self)
        finally:
            try:
                tls_request.close()
            except OSError:
                pass


# ------------------------------------------------------------------ TLS

def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(data)


def generate_tls_with_cryptography(directory):
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Invoca SMS API simulator throwaway CA')])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName('localhost'),
            x509.IPAddress(ipaddress.ip_address('127.0.0.1')),
            x509.IPAddress(ipaddress.ip_address('::1')),
        ]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
                       critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False)
        # Python 3.13+ verifies strictly (VERIFY_X509_STRICT) and rejects a leaf without an authority key identifier.
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    with open(os.path.join(directory, 'ca.pem'), 'wb') as handle:
        handle.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(directory, 'server.pem'), 'wb') as handle:
        handle.write(server_cert.public_bytes(serialization.Encoding.PEM))
    _write_private(os.path.join(directory, 'server.key'), server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def generate_tls_with_openssl(directory):
    openssl = shutil.which('openssl')
    if not openssl:
        raise RuntimeError('neither the cryptography package nor the openssl command is available to make a TLS certificate')
    work = tempfile.mkdtemp(prefix='invoca-sim-ca-')
    try:
        ca_key = os.path.join(work, 'ca.key')
        csr = os.path.join(work, 'server.csr')
        extfile = os.path.join(work, 'server.ext')
        with open(extfile, 'w', encoding='ascii') as handle:
            handle.write('basicConstraints=critical,CA:FALSE\n'
                         'keyUsage=critical,digitalSignature\n'
                         'extendedKeyUsage=serverAuth\n'
                         'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n'
                         'subjectKeyIdentifier=hash\n'
                         'authorityKeyIdentifier=keyid\n')
        ec_args = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
        commands = [
            [openssl, 'req', '-x509'] + ec_args + ['-keyout', ca_key, '-out', os.path.join(directory, 'ca.pem'), '-days', '30',
                                                   '-subj', '/CN=Invoca SMS API simulator throwaway CA',
                                                   '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
                                                   '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
                                                   '-addext', 'subjectKeyIdentifier=hash'],
            [openssl, 'req', '-new'] + ec_args + ['-keyout', os.path.join(directory, 'server.key'), '-out', csr, '-subj', '/CN=localhost'],
            [openssl, 'x509', '-req', '-in', csr, '-CA', os.path.join(directory, 'ca.pem'), '-CAkey', ca_key,
             '-set_serial', str(random.SystemRandom().getrandbits(63)), '-days', '30', '-sha256', '-extfile', extfile,
             '-out', os.path.join(directory, 'server.pem')],
        ]
        for command in commands:
            result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
            if result.returncode != 0:
                raise RuntimeError('%s failed: %s' % (' '.join(command[:3]), result.stderr.decode('utf-8', 'replace').strip()))
        os.chmod(os.path.join(directory, 'server.key'), 0o600)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def generate_tls(directory, backend='auto'):
    if backend in ('auto', 'cryptography'):
        try:
            generate_tls_with_cryptography(directory)
            return
        except ImportError:
            if backend == 'cryptography':
                raise
    generate_tls_with_openssl(directory)


# ---------------------------------------------------------------- process

def parse_args(argv):
    parser = argparse.ArgumentParser(
        description='Local simulator of the Invoca SMS Messaging API (phone numbers). Loopback only.',
        epilog='The control API lives under /_sim/ (health, state, log, reset, seed, config); see README.md.')
    parser.add_argument('--host', default='127.0.0.1', help='address to bind: 127.0.0.1, ::1 or localhost only (default %(default)s)')
    parser.add_argument('--port', type=int, default=0, help='port to bind; 0 picks a free one (default %(default)s)')
    parser.add_argument('--versions', default=','.join(DEFAULT_VERSIONS), help='comma-separated API versions served (default %(default)s)')
    parser.add_argument('--token', action='append', default=[], help='an accepted bearer token (repeatable; default sim-token when no token is given)')
    parser.add_argument('--token-file', action='append', default=[], help='file with accepted tokens, one a line (repeatable)')
    parser.add_argument('--ready-file', help='write {"url","port","pid","ca_path"} JSON here (atomically) once accepting connections')
    parser.add_argument('--max-lifetime', type=float, default=1800.0, help='exit after this many seconds; 0 = never (default %(default)s)')
    parser.add_argument('--parent-pid', type=int, default=None, help='exit once this process is gone; 0 = never (default: the parent at start)')
    parser.add_argument('--log-limit', type=int, default=100000, help='request-log entries kept, oldest dropped first (default %(default)s)')
    parser.add_argument('--verbose', action='store_true', help='print one line per request to stderr (never headers)')
    group = parser.add_argument_group('behaviour (also settable at runtime through POST /_sim/config)')
    group.add_argument('--latency-ms', type=float, default=0.0, help='delay added to every API answer (default %(default)s)')
    group.add_argument('--pagination-key', choices=('pagination', 'page'), default=None,
                       help='name of the pagination object for every version (default: page for 2022-05-01, pagination after)')
    group.add_argument('--pagination', choices=('page', 'cursor'), default='page', help='list dialect (default %(default)s)')
    group.add_argument('--no-count-endpoint', action='store_true', help='behave as if GET /phone_numbers/count did not exist')
    group.add_argument('--create-path', choices=CREATE_PATHS, default='both', help='which create routes exist (default %(default)s)')
    faults = parser.add_argument_group('fault injection (also settable at runtime through POST /_sim/config)')
    faults.add_argument('--seed', type=int, default=0, help='seed of the one random generator behind every fault (default %(default)s)')
    faults.add_argument('--error-rate', type=float, default=0.0, help='share (0..1) of API requests answered with an error status')
    faults.add_argument('--error-statuses', default='500,502,503', help='statuses drawn for --error-rate (default %(default)s)')
    faults.add_argument('--rate-limit-every', type=int, default=0, help='answer every k-th API request with 429; 0 = off')
    faults.add_argument('--retry-after', default='1', help='Retry-After value sent with 429, as given (default %(default)s)')
    faults.add_argument('--fail-numbers', default='', help='comma-separated numbers whose create/delete always fails')
    faults.add_argument('--fail-status', type=int, default=500, help='status for --fail-numbers (default %(default)s)')
    faults.add_argument('--malformed', choices=MALFORMED_KINDS, default=None, help='answer matching requests with a malformed response')
    faults.add_argument('--malformed-operations', default=','.join(OPERATIONS), help='operations --malformed applies to (default %(default)s)')
    faults.add_argument('--malformed-every', type=int, default=1, help='apply --malformed to every n-th matching request (default %(default)s)')
    faults.add_argument('--hang-seconds', type=float, default=60.0, help='how long --malformed hang waits before a 504 (default %(default)s)')
    faults.add_argument('--redirect-to', default=None, help='answer matching requests with 307 to this base URL (same path and query)')
    faults.add_argument('--redirect-operations', default=','.join(OPERATIONS), help='operations --redirect-to applies to (default %(default)s)')
    tls = parser.add_argument_group('TLS')
    tls.add_argument('--tls', action='store_true', help='serve HTTPS with a throwaway CA made at start-up')
    tls.add_argument('--tls-dir', default=None, help='where to write ca.pem, server.pem and server.key (default: a temporary directory)')
    tls.add_argument('--tls-cert', default=None, help='use this server certificate (PEM) instead of generating one (needs --tls-key)')
    tls.add_argument('--tls-key', default=None, help='private key for --tls-cert')
    tls.add_argument('--tls-backend', choices=('auto', 'cryptography', 'openssl'), default='auto', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def build_defaults(args):
    settings = {
        'latency_ms': args.latency_ms,
        'pagination_key': args.pagination_key,
        'pagination': args.pagination,
        'count_endpoint': not args.no_count_endpoint,
        'create_path': args.create_path,
        'seed': args.seed,
        'error_rate': args.error_rate,
        'error_statuses': args.error_statuses,
        'rate_limit_every': args.rate_limit_every,
        'retry_after': args.retry_after,
        'fail_numbers': args.fail_numbers,
        'fail_status': args.fail_status,
        'hang_seconds': args.hang_seconds,
        'malformed': {'kind': args.malformed, 'operations': args.malformed_operations, 'every': args.malformed_every} if args.malformed else None,
        'redirect': {'to': args.redirect_to, 'operations': args.redirect_operations} if args.redirect_to else None,
    }
    return {key: normalize_setting(key, value) for key, value in settings.items()}


def load_tokens(args):
    tokens = list(args.token)
    for path in args.token_file:
        with open(path, encoding='utf-8') as handle:
            tokens.extend(line.strip() for line in handle if line.strip())
    for token in tokens:
        if not token or any(char.isspace() for char in token):
            raise ConfigError('a token must be non-empty and contain no whitespace')
    return tokens or [DEFAULT_TOKEN]


def write_ready_file(path, info):
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix='.ready-', dir=directory)
    with os.fdopen(fd, 'w', encoding='utf-8') as handle:
        json.dump(info, handle)
    os.replace(temp, path)


def parent_alive(pid, original_ppid):
    if pid == original_ppid and os.getppid() != original_ppid:
        return False  # re-parented: the parent has exited
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open('/proc/%d/stat' % pid, encoding='utf-8', errors='replace') as handle:
            # An exited but unreaped parent still answers kill(0); its state letter is Z.
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return True


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.host not in LOOPBACK_HOSTS:
        sys.stderr.write('invoca_simulator: refusing to bind %r: only loopback addresses (127.0.0.1, ::1, localhost) are allowed\n' % args.host)
        return 2
    versions = [item.strip() for item in args.versions.split(',') if item.strip()]
    if not versions or not all(re.match(r'^\d{4}-\d{2}-\d{2}$', item) for item in versions):
        sys.stderr.write('invoca_simulator: --versions must be comma-separated YYYY-MM-DD dates\n')
        return 2
    if bool(args.tls_cert) != bool(args.tls_key):
        sys.stderr.write('invoca_simulator: --tls-cert and --tls-key go together\n')
        return 2
    try:
        args.retry_after = parse_number(args.retry_after)
        defaults = build_defaults(args)
        tokens = load_tokens(args)
    except (ConfigError, ValueError, OSError) as exc:
        sys.stderr.write('invoca_simulator: %s\n' % exc)
        return 2

    original_ppid = os.getppid()
    parent_pid = original_ppid if args.parent_pid is None else args.parent_pid
    state = SimulatorState(versions, tokens, defaults, log_limit=max(1, args.log_limit))

    ssl_context = None
    ca_path = None
    created_tls_dir = None
    use_tls = args.tls or bool(args.tls_cert)
    if use_tls:
        try:
            if args.tls_cert:
                cert_path, key_path = args.tls_cert, args.tls_key
            else:
                tls_dir = args.tls_dir
                if tls_dir is None:
                    tls_dir = created_tls_dir = tempfile.mkdtemp(prefix='invoca-sim-tls-')
                os.makedirs(tls_dir, exist_ok=True)
                generate_tls(tls_dir, args.tls_backend)
                cert_path, key_path = os.path.join(tls_dir, 'server.pem'), os.path.join(tls_dir, 'server.key')
                ca_path = os.path.abspath(os.path.join(tls_dir, 'ca.pem'))
            ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ssl_context.minimum_version = ssl.TLSVersion.TLSv1_2
            ssl_context.load_cert_chain(cert_path, key_path)
        except (RuntimeError, OSError, ssl.SSLError, ValueError) as exc:
            sys.stderr.write('invoca_simulator: TLS set-up failed: %s\n' % exc)
            return 1

    bind_host = '::1' if args.host == '::1' else '127.0.0.1'
    try:
        server = SimulatorServer((bind_host, args.port), state, ssl_context=ssl_context, verbose=args.verbose)
    except OSError as exc:
        sys.stderr.write('invoca_simulator: cannot listen on %s port %d: %s\n' % (bind_host, args.port, exc))
        return 1
    port = server.server_address[1]
    url = '%s://%s:%d' % ('https' if use_tls else 'http', '[::1]' if bind_host == '::1' else bind_host, port)

    stop = threading.Event()

    def request_stop(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    serve_thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.2}, name='serve', daemon=True)
    serve_thread.start()
    # The socket is already listening (bound in the constructor), so it is safe to announce readiness now.
    line = 'Invoca SMS API simulator listening on %s' % url
    if ca_path:
        line += ' (CA certificate: %s)' % ca_path
    print(line, flush=True)
    if args.ready_file:
        write_ready_file(args.ready_file, {'url': url, 'port': port, 'pid': os.getpid(), 'ca_path': ca_path})

    deadline = time.monotonic() + args.max_lifetime if args.max_lifetime > 0 else None
    reason = 'stopped'
    while not stop.wait(0.25):
        if deadline is not None and time.monotonic() >= deadline:
            reason = 'max lifetime reached'
            break
        if parent_pid and os.name == 'posix' and not parent_alive(parent_pid, original_ppid):
            reason = 'parent process %d is gone' % parent_pid
            break
    state.stopping.set()
    server.shutdown()
    server.server_close()
    if args.ready_file:
        try:
            os.remove(args.ready_file)
        except OSError:
            pass
    if created_tls_dir:
        shutil.rmtree(created_tls_dir, ignore_errors=True)
    if args.verbose or reason != 'stopped':
        sys.stderr.write('invoca_simulator: %s, exiting\n' % reason)
    return 0


if __name__ == '__main__':
    sys.exit(main())
