# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control API under /_sim/: inspect and drive the simulator (no auth, never faulted, delayed or logged)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from .common import E164_RE, MSG_METHOD_NOT_ALLOWED, ConfigError, Reply, as_number, clock_timestamp, message


class ControlMixin:
    """Part of SimulatorState. The caller holds the lock."""

    def control(self, method, raw_path, query, body):
        """Answer a /_sim/ request; the caller holds the lock."""
        self.sync_clock()
        self._deliver_due()
        name = raw_path[len('/_sim/'):].rstrip('/') if raw_path.startswith('/_sim/') else ''
        routes = {
            'health': ('GET',),
            'state': ('GET',),
            'log': ('GET', 'DELETE'),
            'reset': ('POST',),
            'seed': ('POST',),
            'config': ('GET', 'POST'),
            'messages': ('GET', 'POST'),
            'clock': ('GET', 'POST'),
            'inbound': ('POST',),
            'info': ('GET',),
            'shutdown': ('POST',),
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
                    self.peak_in_flight = self.in_flight
                    return Reply(200, {'ok': True})
                return Reply(200, {'requests': list(self.log), 'peak_in_flight': self.peak_in_flight})
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
            if name == 'messages' and method == 'POST':
                return Reply(200, {'message': self.inject_message(payload)})
            if name == 'messages':
                active = dict(parse_qsl(query)).get('active', '').lower() in ('1', 'true', 'yes')
                return Reply(200, {'messages': self.messages_state(active)})
            if name == 'clock':
                if method == 'POST':
                    unknown = set(payload) - {'advance_seconds'}
                    if unknown:
                        raise ConfigError('clock: unknown keys %s' % ', '.join(sorted(unknown)))
                    return Reply(200, self.advance_clock(as_number(payload.get('advance_seconds', 0), 'advance_seconds')))
                return Reply(200, {'now': clock_timestamp(self.clock_ms), 'clock': self.clock_name()})
            if name == 'inbound':
                return Reply(200, {'message': self.inject_inbound(payload)})
            if name == 'info':
                return Reply(200, dict(self.info))
            if name == 'shutdown':
                self.shutdown_requested.set()
                return Reply(200, {'ok': True, 'pid': self.info.get('pid')})
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
