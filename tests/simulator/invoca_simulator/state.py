# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything the simulator knows, behind one lock: records, messages, clock, settings, faults, request log.

SimulatorState is put together from one mixin per concern (phone_numbers, messages, listing, faults, control);
this module holds what they share: the clock, routing, authentication and the request log.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from urllib.parse import unquote

from .common import (E164_RE, MSG_BAD_VERSION, MSG_FORBIDDEN, MSG_METHOD_NOT_ALLOWED, MSG_UNAUTHORIZED,
                     NEW_STYLE_VERSION, ApiError, ConfigError, clock_timestamp, message, reason_phrase, unknown_object_text)
from .control import ControlMixin
from .faults import FaultsMixin
from .listing import ListingMixin
from .messages import MessagesMixin
from .phone_numbers import PhoneNumbersMixin
from .settings import FAULT_KEYS, normalize_setting

MESSAGE_ROUTE_KINDS = ('send', 'list_messages', 'messages_by_number', 'message_usage', 'get_message', 'delete_message',
                       'list_delivery_reports', 'get_delivery_report')


class Route:
    """What a request path and method name, worked out before any state is read."""

    __slots__ = ('kind', 'operation', 'version', 'phone_number', 'message_uuid', 'report_uuid', 'allow')

    def __init__(self, kind, operation='other', version=None, phone_number=None, message_uuid=None, report_uuid=None, allow=None):
        self.kind = kind
        self.operation = operation
        self.version = version
        self.phone_number = phone_number
        self.message_uuid = message_uuid
        self.report_uuid = report_uuid
        self.allow = allow


class SimulatorState(PhoneNumbersMixin, MessagesMixin, ListingMixin, FaultsMixin, ControlMixin):
    """The phone-number and message stores, the runtime settings, the faults and the request log, behind one lock."""

    def __init__(self, versions, tokens, defaults, log_limit=100000, real_clock=False):
        self.versions = list(versions)
        # The real clock runs with wall time from the start (clock_start + the seconds since); the simulated one
        # moves only by a millisecond per write and by advance_clock. Both are clock_ms, read the same way.
        self.real_clock = bool(real_clock)
        self._wall_origin = time.monotonic()
        self.clock_offset_ms = 0
        self._tokens = [token.encode('utf-8') for token in tokens]
        self.defaults = dict(defaults)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.shutdown_requested = threading.Event()
        # Filled in by the command line: pid, parent watched, lifetime, pid file (GET /_sim/info).
        self.info = {}
        self.log = deque(maxlen=log_limit)
        # API requests being answered now, and the most at once since the log was last cleared.
        self.in_flight = 0
        self._list_caches = {}
        self.reset()

    # ----------------------------------------------------------------- state

    def reset(self, phone_numbers=(), deleted=()):
        """Replace every record, drop every message; the caller holds the lock (or owns the object)."""
        for number in list(phone_numbers) + list(deleted):
            if not isinstance(number, str) or not E164_RE.match(number):
                raise ConfigError('not a valid E.164 phone number: %r' % (number,))
        self._reset_phone_numbers()
        self._reset_messages()
        if not self.real_clock:
            self.clock_ms = 0
        elif not hasattr(self, 'clock_ms'):
            self.clock_ms = 0
        # A real clock never goes back, not even through a reset.
        self.sync_clock()
        self.generation = 0
        self.seq = 0
        self.log.clear()
        self.peak_in_flight = self.in_flight
        self.config = dict(self.defaults)
        self._restart_faults()
        self._list_caches = {}
        for number in list(phone_numbers) + list(deleted):
            if number not in self.by_number:
                self._insert(number)
        for number in deleted:
            record = self.by_number[number]
            if record['deleted_at'] is None:
                record['deleted_at'] = self._tick()

    def sync_clock(self):
        """On the real clock, catch clock_ms up with the wall time (plus what advance_clock added); never back."""
        if self.real_clock:
            wall_ms = int((time.monotonic() - self._wall_origin) * 1000) + self.clock_offset_ms
            if wall_ms > self.clock_ms:
                self.clock_ms = wall_ms

    def clock_name(self):
        return 'real' if self.real_clock else 'simulated'

    def _tick(self):
        """Every write moves the clock by one millisecond, so timestamps are unique and increasing (on the real clock
        too: two writes in the same millisecond of wall time are a millisecond apart)."""
        self.clock_ms += 1
        self.generation += 1
        return clock_timestamp(self.clock_ms)

    def _peek_time(self):
        return clock_timestamp(self.clock_ms + 1)

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
        if rest and rest[0] == 'messages':
            return self._route_messages(method, version, rest)
        create_path = self.config['create_path']
        if rest == ['phone_numbers']:
            if method == 'GET':
                return Route('list', 'list', version)
            if method == 'POST' and create_path in ('both', 'collection'):
                return Route('create_collection', 'create', version)
            return Route('method_not_allowed', 'other', version, allow='GET, POST')
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
            return Route('method_not_allowed', 'other', version, number, allow='GET, POST, DELETE')
        return Route('unknown', 'other', version)

    @staticmethod
    def _route_messages(method, version, rest):
        def only(allowed, **ids):
            if method in allowed:
                name = allowed[method]
                return Route(name, name, version, **ids)
            return Route('method_not_allowed', 'other', version, allow=', '.join(allowed), **ids)

        if rest == ['messages']:
            return only({'GET': 'list_messages', 'POST': 'send'})
        if len(rest) in (3, 4) and rest[1] == 'phone_number' and rest[2]:
            if len(rest) == 3:
                return only({'GET': 'messages_by_number'}, phone_number=rest[2])
            if rest[3] == 'usage':
                return only({'GET': 'message_usage'}, phone_number=rest[2])
        if len(rest) >= 3 and rest[1] == 'uuid' and rest[2]:
            if len(rest) == 3:
                return only({'GET': 'get_message', 'DELETE': 'delete_message'}, message_uuid=rest[2])
            if len(rest) == 4 and rest[3] == 'delivery_reports':
                return only({'GET': 'list_delivery_reports'}, message_uuid=rest[2])
            if len(rest) == 6 and rest[3] == 'delivery_reports' and rest[4] == 'uuid' and rest[5]:
                return only({'GET': 'get_delivery_report'}, message_uuid=rest[2], report_uuid=rest[5])
        return Route('unknown', 'other', version)

    def process(self, request):
        """Decide the answer to one API request; the caller holds the lock."""
        self.sync_clock()
        self._deliver_due()
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
            'message_uuid': route.message_uuid,
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

    def _answer(self, request, route):
        """Return (reply, fault, applied) for a request that passed the gateway-level faults."""
        if route.kind == 'bad_version':
            return message(404, MSG_BAD_VERSION.format(path=request['path'], versions=', '.join(self.versions))), None, False
        if request['auth'] in ('missing', 'malformed'):
            return message(401, MSG_UNAUTHORIZED), None, False
        if request['auth'] == 'forbidden':
            return message(403, MSG_FORBIDDEN), None, False
        if route.kind == 'unknown':
            return message(404, unknown_object_text(route.version)), None, False
        if route.kind == 'method_not_allowed':
            return message(405, MSG_METHOD_NOT_ALLOWED, headers=[('Allow', route.allow)]), None, False
        config = self.config
        if route.operation in ('create', 'delete') and route.phone_number in config['fail_numbers']:
            status = config['fail_status']
            return message(status, reason_phrase(status)), 'fail_numbers', False
        faulty = self._rule_fault(request, route)
        if faulty is not None:
            return faulty
        try:
            reply, applied = self._handle(request, route, apply=True)
        except ApiError as exc:
            return exc.reply(), None, False
        return reply, None, applied

    def _handle(self, request, route, apply):
        """Return (reply, applied) for a routed, authorized request; ApiError for error answers."""
        old_style = route.version < NEW_STYLE_VERSION
        if route.kind in MESSAGE_ROUTE_KINDS:
            return self._handle_message(request, route, apply, old_style)
        return self._handle_phone_number(request, route, apply, old_style)
