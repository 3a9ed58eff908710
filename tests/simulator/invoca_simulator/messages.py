# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The /messages endpoints: send, list, by number, usage, get, soft delete, delivery reports.

Delivery runs on the simulated clock: each outbound message is due ``delivery_delay_seconds`` after it was
created, and its outcome (delivered, failed, pending) is fixed when it is sent, from ``message_outcomes`` (by
destination number) or ``default_outcome``. A due message is delivered (or failed) before the next request is
answered, and at once when the clock is advanced through POST /_sim/clock.
"""

from __future__ import annotations

import datetime
import heapq
import random
import uuid

from .common import (CLOCK_START, E164_RE, MSG_BAD_BODY, MSG_BAD_JSON, MSG_INVALID_NUMBER, MSG_NO_DELIVERY_REPORT, MSG_NO_MESSAGE_FOR_UUID,
                     MSG_NO_MESSAGES_FOR_NUMBER, MSG_NUMBER_NOT_FOUND, MSG_VALIDATION_FAILED, NETWORK_ID, ApiError, ConfigError, Reply,
                     as_bool, as_number, clock_timestamp, format_timestamp)
from .listing import CollectionSpec

OUTCOMES = ('delivered', 'failed', 'pending')
DEFAULT_FAILURE_ERRORCODE = 4720
DEFAULT_FAILURE_DESCRIPTION = 'Invalid destination'
DELIVERED_DESCRIPTION = 'Message delivered to carrier.'
FIRST_CARRIER_MESSAGE_ID = 90001
MESSAGE_SETTINGS = ('message_outcomes', 'default_outcome', 'delivery_delay_seconds', 'default_today_filter', 'send_page_size',
                    'strict_send_body')

# 2022-08-01 says out/in, 2022-05-01 says outbound/inbound; either spelling is accepted in a filter.
DIRECTION_NAMES = {'out': 'out', 'outbound': 'out', 'in': 'in', 'inbound': 'in'}
OLD_DIRECTION = {'out': 'outbound', 'in': 'inbound'}

MESSAGE_FIELDS_NEW = ('uuid', 'cuid', 'from', 'to', 'text', 'direction', 'created_at', 'deleted_at', 'delivered_at', 'failed_at', 'segments',
                      'carrier_message_id', 'virtual_line_id', 'delivery_reports')
# The 2022-05-01 schema's records: no text, no cuid.
MESSAGE_FIELDS_OLD = ('uuid', 'virtual_line_id', 'from', 'to', 'direction', 'created_at', 'deleted_at', 'delivered_at', 'delivery_reports')
REPORT_SUMMARY_FIELDS = ('progress_bit', 'created_at', 'uuid')
REPORT_FIELDS = ('uuid', 'message_uuid', 'progress_bit', 'created_at', 'destination', 'carrier_description', 'carrier_errorcode')

MESSAGES = CollectionSpec(
    'messages',
    sortable=('created_at', 'delivered_at', 'deleted_at', 'failed_at', 'from', 'to', 'direction', 'uuid'),
    filterable=('from', 'to', 'uuid', 'direction', 'created_at', 'deleted_at', 'delivered_at', 'failed_at'),
    timestamp_fields=('created_at', 'deleted_at', 'delivered_at', 'failed_at'),
    operators={'direction': ('eq',)},
    values={'direction': DIRECTION_NAMES.get},
)
DELIVERY_REPORTS = CollectionSpec('delivery_reports', sortable=('created_at', 'progress_bit'), filterable=('created_at', 'progress_bit'),
                                  timestamp_fields=('created_at',), integer_fields=('progress_bit',), quote_sort_columns=True)

# GSM 03.38: the basic set (one septet each, ESC excluded) and the extension set (ESC + one septet).
GSM7_BASIC = frozenset('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
                       '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà')
GSM7_EXTENSION = frozenset('\f^{}\\[~]|€')


def segment_count(text):
    """(segments, encoding) of an SMS text, as a carrier splits it.

    GSM-7: 160 septets in one part, else 153 per part (an extension character takes two septets and is never split).
    Otherwise UCS-2: 70 UTF-16 code units in one part, else 67 per part (a surrogate pair is never split).
    """
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        sizes, single, multi, encoding = [2 if char in GSM7_EXTENSION else 1 for char in text], 160, 153, 'GSM-7'
    else:
        sizes, single, multi, encoding = [2 if ord(char) > 0xFFFF else 1 for char in text], 70, 67, 'UCS-2'
    if sum(sizes) <= single:
        return (1 if sizes else 0), encoding
    parts, used = 1, 0
    for size in sizes:
        if used + size > multi:
            parts += 1
            used = 0
        used += size
    return parts, encoding


def normalize_outcome(value, name):
    """An outcome: "delivered", "failed", "pending", or an object with outcome, carrier_errorcode, carrier_description,
    delay_seconds."""
    if isinstance(value, str):
        value = {'outcome': value}
    if not isinstance(value, dict) or value.get('outcome') not in OUTCOMES:
        raise ConfigError('%s must be one of %s, or {"outcome": ..., "carrier_errorcode": ..., "carrier_description": ..., '
                          '"delay_seconds": ...}' % (name, ', '.join(OUTCOMES)))
    unknown = set(value) - {'outcome', 'carrier_errorcode', 'carrier_description', 'delay_seconds'}
    if unknown:
        raise ConfigError('%s: unknown keys %s' % (name, ', '.join(sorted(unknown))))
    outcome = {'outcome': value['outcome']}
    if value['outcome'] == 'failed':
        outcome['carrier_errorcode'] = value.get('carrier_errorcode', DEFAULT_FAILURE_ERRORCODE)
        outcome['carrier_description'] = value.get('carrier_description', DEFAULT_FAILURE_DESCRIPTION)
    if value.get('delay_seconds') is not None:
        outcome['delay_seconds'] = as_number(value['delay_seconds'], name + '.delay_seconds')
    return outcome


def normalize_message_setting(key, value):
    if key == 'message_outcomes':
        if value in (None, ''):
            return {}
        if not isinstance(value, dict):
            raise ConfigError('message_outcomes must be an object {"+18885550100": "delivered" | "failed" | "pending" | {...}}')
        result = {}
        for number, outcome in value.items():
            if not E164_RE.match(number):
                raise ConfigError('message_outcomes: not a valid E.164 phone number: %r' % (number,))
            result[number] = normalize_outcome(outcome, 'message_outcomes[%s]' % number)
        return result
    if key == 'default_outcome':
        return normalize_outcome(value, key)
    if key == 'delivery_delay_seconds':
        return as_number(value, key)
    if key == 'default_today_filter':
        return as_bool(value, key)
    if key == 'send_page_size':
        return as_number(value, key, integer=True)
    if key == 'strict_send_body':
        return as_bool(value, key)
    raise ConfigError('unknown setting %r' % key)


def _error(field, code):
    return {'resource': 'Message', 'field': field, 'code': code}


class MessagesMixin:
    """Part of SimulatorState: the message store, delivery on the simulated clock, and the endpoints."""

    def _reset_messages(self):
        self.messages = []
        self.messages_by_uuid = {}
        self.pending_deliveries = []
        self.next_carrier_message_id = FIRST_CARRIER_MESSAGE_ID
        # Identifiers are random-looking but the same from run to run, like everything else here.
        self.message_rng = random.Random('invoca-sim-messages')

    # ---------------------------------------------------------------- the clock

    def advance_clock(self, seconds):
        """Move the simulated clock forward and deliver what became due; returns what happened."""
        before = len([record for record in self.messages if record['delivered_at'] or record['failed_at']])
        self.clock_ms += int(round(seconds * 1000))
        self.generation += 1
        self._deliver_due()
        after = len([record for record in self.messages if record['delivered_at'] or record['failed_at']])
        return {'now': clock_timestamp(self.clock_ms), 'settled': after - before,
                'pending': sum(1 for record in self.messages if record['outcome']['outcome'] != 'pending'
                               and not (record['delivered_at'] or record['failed_at']))}

    def _deliver_due(self):
        while self.pending_deliveries and self.pending_deliveries[0][0] <= self.clock_ms:
            due_ms, dummy, message_uuid = heapq.heappop(self.pending_deliveries)
            record = self.messages_by_uuid[message_uuid]
            outcome = record['outcome']
            when = clock_timestamp(due_ms)
            record['carrier_message_id'] = str(self.next_carrier_message_id)
            self.next_carrier_message_id += 1
            report = {
                'uuid': self._new_uuid(),
                'message_uuid': record['uuid'],
                'progress_bit': 1,
                'created_at': when,
                'destination': record['to'],
                'carrier_description': DELIVERED_DESCRIPTION,
                'carrier_errorcode': None,
            }
            if outcome['outcome'] == 'delivered':
                record['delivered_at'] = when
            else:
                record['failed_at'] = when
                report.update(progress_bit=0, carrier_description=outcome['carrier_description'],
                              carrier_errorcode=outcome['carrier_errorcode'])
            record['delivery_reports'].append(report)
            self.generation += 1

    def _today_filters(self):
        today = (CLOCK_START + datetime.timedelta(milliseconds=self.clock_ms)).replace(hour=0, minute=0, second=0, microsecond=0)
        start = format_timestamp(today)
        end = format_timestamp(today.replace(hour=23, minute=59, second=59, microsecond=999000))
        return (('created_at', 'gte', start), ('created_at', 'lte', end))

    # ------------------------------------------------------------ identifiers

    def _new_uuid(self):
        return str(uuid.UUID(int=self.message_rng.getrandbits(128), version=4))

    def _new_cuid(self):
        return '%04X-%012X' % (self.message_rng.getrandbits(16), self.message_rng.getrandbits(48))

    # -------------------------------------------------------------- rendering

    @staticmethod
    def _render_message(record, old_style):
        fields = MESSAGE_FIELDS_OLD if old_style else MESSAGE_FIELDS_NEW
        result = {}
        for field in fields:
            value = record[field]
            if field == 'direction' and old_style:
                value = OLD_DIRECTION[value]
            elif field == 'delivery_reports':
                value = [{name: report[name] for name in REPORT_SUMMARY_FIELDS} for report in value]
            result[field] = value
        return result

    def messages_state(self, active=False):
        """Every stored message, soft-deleted ones too unless active: what the control API shows."""
        result = []
        for record in self.messages:
            if active and record['deleted_at'] is not None:
                continue
            item = {key: value for key, value in record.items() if key not in ('created_ms', 'delivery_reports')}
            item['outcome'] = dict(record['outcome'])
            item['delivery_reports'] = [dict(report) for report in record['delivery_reports']]
            result.append(item)
        return result

    # ---------------------------------------------------------------- storing

    def _new_message(self, sender, recipient, text, direction, virtual_line_id, apply, offset_ms=0):
        segments, encoding = segment_count(text)
        if apply:
            created_at = self._tick()
            created_ms = self.clock_ms
        else:
            created_ms = self.clock_ms + 1 + offset_ms
            created_at = clock_timestamp(created_ms)
        if direction == 'out':
            outcome = self.config['message_outcomes'].get(recipient, self.config['default_outcome'])
        else:
            outcome = {'outcome': 'delivered'}
        return {
            'uuid': self._new_uuid(),
            'cuid': self._new_cuid(),
            'from': sender,
            'to': recipient,
            'text': text,
            'direction': direction,
            'created_at': created_at,
            'created_ms': created_ms,
            'deleted_at': None,
            'delivered_at': None,
            'failed_at': None,
            'segments': segments,
            'encoding': encoding,
            'carrier_message_id': None,
            'virtual_line_id': virtual_line_id,
            'network_id': NETWORK_ID,
            'outcome': outcome,
            'delivery_reports': [],
        }

    def _store_message(self, record):
        self.messages.append(record)
        self.messages_by_uuid[record['uuid']] = record
        outcome = record['outcome']
        if record['direction'] == 'out' and outcome['outcome'] != 'pending':
            delay = outcome.get('delay_seconds', self.config['delivery_delay_seconds'])
            heapq.heappush(self.pending_deliveries, (record['created_ms'] + int(round(delay * 1000)), len(self.messages), record['uuid']))

    def inject_inbound(self, payload):
        """A message received by one of the network's numbers (control API): it only shows in lists and usage."""
        unknown = set(payload) - {'from', 'to', 'text'}
        if unknown:
            raise ConfigError('inbound: unknown keys %s' % ', '.join(sorted(unknown)))
        sender, recipient, text = payload.get('from'), payload.get('to'), payload.get('text', '')
        for name, number in (('from', sender), ('to', recipient)):
            if not isinstance(number, str) or not E164_RE.match(number):
                raise ConfigError('inbound: %s must be an E.164 phone number' % name)
        if not isinstance(text, str):
            raise ConfigError('inbound: text must be a string')
        line = self.by_number.get(recipient)
        record = self._new_message(sender, recipient, text, 'in', line['virtual_line_id'] if line else None, apply=True)
        record['delivered_at'] = record['created_at']
        self._store_message(record)
        return {key: value for key, value in record.items() if key != 'created_ms'}

    # --------------------------------------------------------------- requests

    def _handle_message(self, request, route, apply, old_style):
        """Return (reply, applied) for a /messages request; ApiError for error answers."""
        def render(record):
            return self._render_message(record, old_style)

        if route.kind == 'send':
            return self._send(request, route, apply, old_style)
        if route.kind == 'list_messages':
            extra = ()
            if self.config['default_today_filter'] and not any(key.startswith('created_at[') for key, dummy in request['pairs']):
                extra = self._today_filters()
            return self._list_reply(request, route, old_style, MESSAGES, self.messages, 'messages', render, extra, 'messages'), False
        if route.kind in ('messages_by_number', 'message_usage'):
            number = route.phone_number
            if not isinstance(number, str) or not E164_RE.match(number):
                raise ApiError(422, MSG_INVALID_NUMBER)
            if route.kind == 'message_usage':
                return self._usage(number), False
            matches = [record for record in self.messages if number in (record['from'], record['to'])]
            if not matches:
                raise ApiError(404, MSG_NO_MESSAGES_FOR_NUMBER)
            return self._list_reply(request, route, old_style, MESSAGES, matches, 'messages', render), False
        record = self.messages_by_uuid.get(route.message_uuid)
        if record is None:
            raise ApiError(404, MSG_NO_MESSAGE_FOR_UUID)
        if route.kind == 'get_message':
            return Reply(200, {'message': render(record)}), False
        if route.kind == 'delete_message':
            if record['deleted_at'] is not None:
                # Deleting a deleted object does nothing (Invoca design principles), as for phone numbers.
                return Reply(200, {'message': render(record)}), False
            if not apply:
                return Reply(200, {'message': dict(render(record), deleted_at=clock_timestamp(self.clock_ms + 1))}), False
            record['deleted_at'] = self._tick()
            return Reply(200, {'message': render(record)}), True
        if route.kind == 'list_delivery_reports':
            return self._list_reply(request, route, old_style, DELIVERY_REPORTS, record['delivery_reports'], 'delivery_reports',
                                    lambda report: {name: report[name] for name in REPORT_SUMMARY_FIELDS}), False
        # get_delivery_report
        for report in record['delivery_reports']:
            if report['uuid'] == route.report_uuid:
                return Reply(200, {'delivery_report': {name: report[name] for name in REPORT_FIELDS}}), False
        raise ApiError(404, MSG_NO_DELIVERY_REPORT)

    def _usage(self, number):
        if number not in self.by_number:
            raise ApiError(404, MSG_NUMBER_NOT_FOUND.format(number))
        outgoing = [record for record in self.messages if record['direction'] == 'out' and record['from'] == number]
        incoming = [record for record in self.messages if record['direction'] == 'in' and record['to'] == number]
        return Reply(200, {'messages': {
            'phone_number': number,
            'outgoing': {'segments': sum(record['segments'] for record in outgoing), 'messages': len(outgoing)},
            'incoming': {'segments': sum(record['segments'] for record in incoming), 'messages': len(incoming)},
        }})

    def _send_items(self, request, old_style=False):
        """The message requests of a POST body: a list of {to: [...], from, text} (2022-08-01) or one object (2022-05-01).

        With strict_send_body, 2022-05-01 takes one object only, as its schema documents (its examples are one object, and
        its body parser answers 400 "must be a JSON hash" to anything else).
        """
        kind, value = request['body_kind'], request['body_value']
        if kind in ('empty', 'invalid'):
            raise ApiError(400, MSG_BAD_JSON)
        if old_style and self.config.get('strict_send_body') and not isinstance(value, dict):
            raise ApiError(400, MSG_BAD_BODY)
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ApiError(400, MSG_BAD_BODY)
        return value

    def _validate_send(self, items):
        errors = []
        if not items:
            errors.append(_error('to', 'missing'))
        for item in items:
            sender = item.get('from')
            if sender is None or sender == '':
                errors.append(_error('from', 'missing'))
            elif not isinstance(sender, str) or not E164_RE.match(sender):
                errors.append(_error('from', 'invalid'))
            elif self.active_number(sender) is None:
                errors.append(_error('from', 'not_found'))
            recipients = item.get('to')
            if isinstance(recipients, str):
                recipients = [recipients]
            if recipients is None:
                errors.append(_error('to', 'missing'))
            elif not isinstance(recipients, list):
                errors.append(_error('to', 'invalid'))
            elif not recipients:
                errors.append(_error('to', 'blank'))
            elif not all(isinstance(number, str) and E164_RE.match(number) for number in recipients):
                errors.append(_error('to', 'invalid'))
            text = item.get('text')
            if text is None:
                errors.append(_error('text', 'missing'))
            elif not isinstance(text, str):
                errors.append(_error('text', 'invalid'))
            elif not text.strip():
                errors.append(_error('text', 'blank'))
        unique = []
        for error in errors:
            if error not in unique:
                unique.append(error)
        if unique:
            raise ApiError(422, MSG_VALIDATION_FAILED, errors=unique)

    def _send(self, request, route, apply, old_style):
        """All or nothing: every message request of the body is validated before any message is stored."""
        items = self._send_items(request, old_style)
        self._validate_send(items)
        rng_state = None if apply else self.message_rng.getstate()
        records = []
        for item in items:
            recipients = [item['to']] if isinstance(item['to'], str) else item['to']
            line = self.by_number[item['from']]
            for recipient in recipients:
                record = self._new_message(item['from'], recipient, item['text'], 'out', line['virtual_line_id'], apply, offset_ms=len(records))
                if apply:
                    self._store_message(record)
                records.append(record)
        if rng_state is not None:
            self.message_rng.setstate(rng_state)
        count = len(records)
        page_size = self.config['send_page_size'] or max(10, count)
        body = {
            'messages': [self._render_message(record, old_style) for record in records[:page_size]],
            self._pagination_key(old_style): self._pagy(request['path'], [], 1, None, page_size, count, old_style),
        }
        return Reply(202, body), apply
