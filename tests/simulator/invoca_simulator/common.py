# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Constants, answer objects and value helpers shared by every part of the simulator."""

from __future__ import annotations

import base64
import binascii
import datetime
import http
import json
import math
import os
import re
from urllib.parse import quote_plus

DEFAULT_VERSIONS = ('2022-05-01', '2022-08-01')
# The first version whose list items are the short 2022-08-01 shape (no id).
NEW_STYLE_VERSION = '2022-08-01'
DEFAULT_TOKEN = 'sim-token'
LOOPBACK_HOSTS = ('127.0.0.1', '::1', 'localhost')
NETWORK_ID = 12345
CARRIER_INTERFACE = 'bandwidth'
# Fixed epoch of the simulated clock: every write advances it by one millisecond,
# so timestamps are deterministic and strictly increasing.
# Where the simulated clock starts: the real time at start-up (--clock-start now, the default, so that a client
# measuring a window on its own clock sees today's messages), or a fixed time for tests that pin timestamps.
CLOCK_START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
_clock_start = [CLOCK_START]


def set_clock_start(when):
    """Start the simulated clock at ``when`` (a UTC datetime); once, before the server answers anything."""
    _clock_start[0] = when


def clock_start():
    return _clock_start[0]


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

PHONE_NUMBER_OPERATIONS = ('list', 'get', 'count', 'create', 'delete')
MESSAGE_OPERATIONS = ('send', 'list_messages', 'messages_by_number', 'message_usage', 'get_message', 'delete_message',
                      'list_delivery_reports', 'get_delivery_report')
OPERATIONS = PHONE_NUMBER_OPERATIONS + MESSAGE_OPERATIONS
SORTABLE_FIELDS = ('phone_number', 'created_at', 'enabled_at', 'deleted_at', 'virtual_line_id')
FILTERABLE_FIELDS = ('phone_number', 'created_at', 'enabled_at', 'deleted_at', 'virtual_line_id', 'carrier_interface')
FILTER_OPERATORS = ('eq', 'lte', 'gte', 'empty')
TIMESTAMP_FIELDS = ('created_at', 'enabled_at', 'deleted_at')
LIST_CONTROL_PARAMS = ('limit', 'page', 'sort', 'cursor')
# Answers that are broken, or that hide whether the request was applied (lost_answer, applied_error, applied_hang).
MALFORMED_KINDS = ('html', 'empty', 'truncated', 'wrong_shape', 'close', 'hang', 'lost_answer')
# Added for messages, where "was it applied?" decides whether a resend doubles a text: error and rate_limited
# answer before anything is stored, applied_error and applied_hang after the message is stored.
FAULT_KINDS = MALFORMED_KINDS + ('applied_error', 'applied_hang', 'error', 'rate_limited')
# Added for an API that stores late: the store completes behind a gateway that has already answered 504 (its own HTML
# page, not the API's JSON); and the API's own 404 for the route, not applied (a DELETE that did not delete).
FAULT_KINDS += ('applied_gateway_timeout', 'not_found')
APPLIED_FAULT_KINDS = ('lost_answer', 'applied_error', 'applied_hang', 'applied_gateway_timeout')
CREATE_PATHS = ('both', 'member', 'collection')


def _load_api_reference():
    """The one record of the API, tests/api_reference/api.json (found from this file upwards): the published record
    fields, pagination names and texts, which the unit fakes, the hostile server and this simulator all read."""
    directory = os.path.dirname(os.path.abspath(__file__))
    while True:
        path = os.path.join(directory, 'api_reference', 'api.json')
        if os.path.isfile(path):
            with open(path, encoding='utf-8') as handle:
                return json.load(handle)
        parent = os.path.dirname(directory)
        if parent == directory:
            raise RuntimeError('tests/api_reference/api.json not found above %s' % __file__)
        directory = parent


API_REFERENCE = _load_api_reference()


def record_fields(resource, version, shape):
    """The published fields of a record (``shape`` 'full' or 'list_item'), in the published order."""
    return tuple(API_REFERENCE['records'][resource][version][shape]['fields'])


def api_text(name):
    """The API's published text ``name`` (api.json ``texts``), placeholders and all."""
    return API_REFERENCE['texts'][name]['text']


FULL_FIELDS_NEW = record_fields('phone_number', NEW_STYLE_VERSION, 'full')
LIST_FIELDS_NEW = record_fields('phone_number', NEW_STYLE_VERSION, 'list_item')
FULL_FIELDS_OLD = record_fields('phone_number', '2022-05-01', 'full')
# The simulator's own state dump (/_sim/state), not an API answer.
STATE_FIELDS = ('id', 'phone_number', 'virtual_line_id', 'network_id', 'created_at', 'enabled_at', 'deleted_at', 'carrier_interface')
# What the pagination object of a list is named: 'page' before NEW_STYLE_VERSION, 'pagination' from it on.
PAGINATION_KEY_OLD = API_REFERENCE['pagination']['2022-05-01']['key']
PAGINATION_KEY_NEW = API_REFERENCE['pagination'][NEW_STYLE_VERSION]['key']

PAGY_SIZE = [1, 4, 4, 1]
# pagy's vars.metadata: the fields of the 2022-05-01 pagination object, in their order.
PAGY_METADATA = list(API_REFERENCE['pagination']['2022-05-01']['fields'])

# The API's published texts (tests/api_reference/api.json).
_UNKNOWN_OBJECT_OLD = api_text('unknown_object_2022_05_01')
_UNKNOWN_OBJECT_NEW = api_text('unknown_object_2022_08_01')
MSG_UNAUTHORIZED = api_text('unauthorized')
MSG_FORBIDDEN = api_text('forbidden')
MSG_BAD_VERSION = api_text('bad_version')  # {path}, {versions}
MSG_INVALID_NUMBER = api_text('invalid_number')
MSG_NUMBER_NOT_FOUND = api_text('number_not_in_system').replace('{phone_number}', '{0}')
MSG_BAD_BODY = api_text('not_a_hash')
MSG_BAD_JSON = api_text('bad_json')
MSG_VALIDATION_FAILED = api_text('validation_failed')
MSG_NO_MESSAGES_FOR_NUMBER = api_text('no_messages_for_number')
MSG_NO_MESSAGE_FOR_UUID = api_text('no_message_for_uuid')
MSG_NO_DELIVERY_REPORT = api_text('no_delivery_report')
# A create of a number already active: 409 with the published body (an empty object), whatever the version.
CONFLICT_BODY = API_REFERENCE['bodies_without_text']['create_conflict']['body']
# The simulator's own texts, where the record publishes none (405 and 429 are not documented).
MSG_METHOD_NOT_ALLOWED = 'Method Not Allowed'
MSG_TOO_MANY = 'Too Many Requests'


def unknown_object_text(version):
    """The API's generic 404, for a path or object it does not know, in the words of ``version``: 2022-08-01
    publishes its own (a hyphen, "due to"), which the versions after it are taken to keep."""
    return _UNKNOWN_OBJECT_NEW if version is not None and version >= NEW_STYLE_VERSION else _UNKNOWN_OBJECT_OLD


HTML_PAGE = (b'<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n'
             b'<body><h1>Bad Gateway</h1><p>The upstream server returned an invalid response.</p></body></html>\n')


def gateway_page(status):
    """A load balancer's own error answer: a short text/html page, nothing of the API's JSON."""
    title = '%d %s' % (status, reason_phrase(status))
    page = '<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n</body>\r\n</html>\r\n' % (title, title)
    return Reply(status, raw=page.encode('ascii'), content_type='text/html')


class ConfigError(ValueError):
    """A control-API or command-line setting is not acceptable."""


class ApiError(Exception):
    """Ends API request processing with a JSON ``{"message": ...}`` answer (plus ``errors`` when given)."""

    def __init__(self, status, message, errors=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def reply(self):
        if self.errors is None:
            return message(self.status, self.message)
        return Reply(self.status, {'message': self.message, 'errors': self.errors})


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


def clock_timestamp(clock_ms):
    """The timestamp of a simulated-clock reading (milliseconds since CLOCK_START)."""
    return format_timestamp(clock_start() + datetime.timedelta(milliseconds=clock_ms))


def timestamp_clock_ms(text):
    """The simulated-clock reading (milliseconds since CLOCK_START, negative before it) of a canonical timestamp."""
    value = datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=datetime.timezone.utc)
    return (value - clock_start()) // datetime.timedelta(milliseconds=1)


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
