# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The /messages endpoints: send, list, by number, usage, get, soft delete, delivery reports.

Delivery runs on the simulator's clock (real or simulated, see state.py): each outbound message is due
``delivery_delay_seconds`` after it was created, and its outcome (delivered, failed, pending) is fixed when it is
sent, from ``message_outcomes`` (by destination number) or ``default_outcome``. A due message is delivered (or
failed) before the next request is answered, and at once when the clock is advanced through POST /_sim/clock.
"""

from __future__ import annotations

import datetime
import heapq
import random
import uuid

from .common import (clock_start, E164_RE, MSG_INVALID_NUMBER, MSG_NO_DELIVERY_REPORT, MSG_NO_MESSAGE_FOR_UUID, MSG_NO_MESSAGES_FOR_NUMBER,
                     MSG_NUMBER_NOT_FOUND, NETWORK_ID, NEW_STYLE_VERSION, ApiError, ConfigError, Reply, as_bool, clock_timestamp, format_timestamp,
                     parse_timestamp, record_fields, timestamp_clock_ms)
from .listing import CollectionSpec
from .message_settings import normalize_outcome
from .sending import SendingMixin

DELIVERED_DESCRIPTION = 'Message delivered to carrier.'
FIRST_CARRIER_MESSAGE_ID = 90001
# 2022-08-01 says out/in, 2022-05-01 says outbound/inbound; either spelling is accepted in a filter.
DIRECTION_NAMES = {'out': 'out', 'outbound': 'out', 'in': 'in', 'inbound': 'in'}
OLD_DIRECTION = {'out': 'outbound', 'in': 'inbound'}

# The published record fields (tests/api_reference/api.json): 2022-08-01's full record; its list example
# (list_item_fields "contract": no delivered_at, failed_at or carrier fields); 2022-05-01's records (no text, no
# cuid); a delivery report as a message lists it, and in full.
MESSAGE_FIELDS_NEW = record_fields('message', NEW_STYLE_VERSION, 'full')
LIST_ITEM_FIELDS_CONTRACT = record_fields('message', NEW_STYLE_VERSION, 'list_item')
MESSAGE_FIELDS_OLD = record_fields('message', '2022-05-01', 'list_item')
REPORT_SUMMARY_FIELDS = record_fields('delivery_report', NEW_STYLE_VERSION, 'list_item')
REPORT_FIELDS = record_fields('delivery_report', NEW_STYLE_VERSION, 'full')
# Kept on a record for the simulator's own use, never shown.
INTERNAL_FIELDS = ('created_ms', 'listed_ms', 'delivery_reports')
# POST /_sim/messages
INJECT_KEYS = ('from', 'to', 'text', 'direction', 'created_at', 'outcome', 'deleted')

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


class MessagesMixin(SendingMixin):
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
        """Move the clock forward and deliver what became due; returns what happened.

        On the real clock the jump stays: from then on the clock runs that many seconds ahead of the wall time.
        """
        before = len([record for record in self.messages if record['delivered_at'] or record['failed_at']])
        step = int(round(seconds * 1000))
        self.clock_ms += step
        if self.real_clock:
            self.clock_offset_ms += step
        self.generation += 1
        self._deliver_due()
        after = len([record for record in self.messages if record['delivered_at'] or record['failed_at']])
        return {'now': clock_timestamp(self.clock_ms), 'clock': self.clock_name(), 'settled': after - before,
                'pending': sum(1 for record in self.messages if record['outcome']['outcome'] != 'pending'
                               and not (record['delivered_at'] or record['failed_at']))}

    def _deliver_due(self):
        while self.pending_deliveries and self.pending_deliveries[0][0] <= self.clock_ms:
            due_ms, dummy, message_uuid = heapq.heappop(self.pending_deliveries)
            self._settle(self.messages_by_uuid[message_uuid], due_ms)

    def _settle(self, record, due_ms):
        """Deliver (or fail) one outbound message at due_ms: its timestamp, carrier id and delivery report."""
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
        today = (clock_start() + datetime.timedelta(milliseconds=self.clock_ms)).replace(hour=0, minute=0, second=0, microsecond=0)
        start = format_timestamp(today)
        end = format_timestamp(today.replace(hour=23, minute=59, second=59, microsecond=999000))
        return (('created_at', 'gte', start), ('created_at', 'lte', end))

    # ------------------------------------------------------------ identifiers

    def _new_uuid(self):
        return str(uuid.UUID(int=self.message_rng.getrandbits(128), version=4))

    def _new_cuid(self):
        return '%04X-%012X' % (self.message_rng.getrandbits(16), self.message_rng.getrandbits(48))

    # -------------------------------------------------------------- rendering

    def _render_message(self, record, old_style, list_item=False):
        """One record as the API shows it; a list item of 2022-08-01 has only the contract example's fields when
        list_item_fields is "contract" (2022-05-01 list items are its schema's records either way)."""
        if old_style:
            fields = MESSAGE_FIELDS_OLD
        elif list_item and self.config['list_item_fields'] == 'contract':
            fields = LIST_ITEM_FIELDS_CONTRACT
        else:
            fields = MESSAGE_FIELDS_NEW
        result = {}
        for field in fields:
            value = record[field]
            if field == 'direction' and old_style:
                value = OLD_DIRECTION[value]
            elif field == 'delivery_reports':
                value = [{name: report[name] for name in REPORT_SUMMARY_FIELDS} for report in value]
            result[field] = value
        return result

    @staticmethod
    def _control_view(record):
        """A stored message as the control API shows it: everything, with listed_at (null: listed from the start)."""
        item = {key: value for key, value in record.items() if key not in INTERNAL_FIELDS}
        item['listed_at'] = None if record['listed_ms'] is None else clock_timestamp(record['listed_ms'])
        item['outcome'] = dict(record['outcome'])
        item['delivery_reports'] = [dict(report) for report in record['delivery_reports']]
        return item

    def messages_state(self, active=False):
        """Every stored message, soft-deleted ones too unless active, listed yet or not: what the control API shows."""
        return [self._control_view(record) for record in self.messages if not (active and record['deleted_at'] is not None)]

    def _listed_messages(self):
        """The stored messages the lists show: all but those sent less than listing_lag_seconds ago (when they were sent)."""
        now = self.clock_ms
        return [record for record in self.messages if record['listed_ms'] is None or record['listed_ms'] <= now]

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
            'listed_ms': None,
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

    def _store_message(self, record, settle_now=False):
        """Store a record; an outbound one is delivered or failed when due on the clock (settle_now: at once, dated as
        if it had been delivered when due)."""
        self.messages.append(record)
        self.messages_by_uuid[record['uuid']] = record
        outcome = record['outcome']
        if record['direction'] == 'in':
            record['delivered_at'] = record['created_at']
        elif outcome['outcome'] != 'pending':
            delay = outcome.get('delay_seconds', self.config['delivery_delay_seconds'])
            due_ms = record['created_ms'] + int(round(delay * 1000))
            if settle_now:
                self._settle(record, due_ms)
            else:
                heapq.heappush(self.pending_deliveries, (due_ms, len(self.messages), record['uuid']))

    def inject_inbound(self, payload):
        """A message received by one of the network's numbers (control API): it only shows in lists and usage."""
        unknown = set(payload) - {'from', 'to', 'text'}
        if unknown:
            raise ConfigError('inbound: unknown keys %s' % ', '.join(sorted(unknown)))
        return self.inject_message(dict(payload, direction='in'), 'inbound')

    def inject_message(self, payload, name='messages'):
        """Store any message (control API): outbound or inbound, created at any time, settled at once, soft-deleted or not.

        It is listed at once, whatever listing_lag_seconds, and sorts by its created_at. Answers the stored record.
        """
        unknown = set(payload) - set(INJECT_KEYS)
        if unknown:
            raise ConfigError('%s: unknown keys %s (known: %s)' % (name, ', '.join(sorted(unknown)), ', '.join(INJECT_KEYS)))
        sender, recipient, text = payload.get('from'), payload.get('to'), payload.get('text', '')
        for key, number in (('from', sender), ('to', recipient)):
            if not isinstance(number, str) or not E164_RE.match(number):
                raise ConfigError('%s: %s must be an E.164 phone number, not %r' % (name, key, number))
        if not isinstance(text, str):
            raise ConfigError('%s: text must be a string, not %r' % (name, text))
        direction = DIRECTION_NAMES.get(payload.get('direction', 'out')) if isinstance(payload.get('direction', 'out'), str) else None
        if direction is None:
            raise ConfigError('%s: direction must be out or in (outbound, inbound), not %r' % (name, payload.get('direction')))
        created_at = payload.get('created_at')
        if created_at is not None:
            created_at = parse_timestamp(created_at) if isinstance(created_at, str) else None
            if created_at is None:
                raise ConfigError('%s: created_at must be an ISO 8601 timestamp, not %r' % (name, payload.get('created_at')))
        outcome = payload.get('outcome')
        if outcome is not None:
            outcome = normalize_outcome(outcome, name + '.outcome')
            if direction == 'in' and outcome['outcome'] != 'delivered':
                raise ConfigError('%s: an inbound message has no outcome but "delivered", not %r' % (name, payload.get('outcome')))
        deleted = as_bool(payload.get('deleted', False), name + '.deleted')
        line = self.by_number.get(sender if direction == 'out' else recipient)
        record = self._new_message(sender, recipient, text, direction, line['virtual_line_id'] if line else None, apply=True)
        if created_at is not None:
            record['created_at'], record['created_ms'] = created_at, timestamp_clock_ms(created_at)
        if outcome is not None and direction == 'out':
            record['outcome'] = outcome
        self._store_message(record, settle_now=True)
        if deleted:
            record['deleted_at'] = clock_timestamp(max(self.clock_ms, record['created_ms']))
        return self._control_view(record)

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
            return self._message_list(request, route, old_style, self._listed_messages(), extra, 'messages'), False
        if route.kind in ('messages_by_number', 'message_usage'):
            number = route.phone_number
            if not isinstance(number, str) or not E164_RE.match(number):
                raise ApiError(422, MSG_INVALID_NUMBER)
            if route.kind == 'message_usage':
                return self._usage(number), False
            matches = [record for record in self._listed_messages() if number in (record['from'], record['to'])]
            if not matches:
                raise ApiError(404, MSG_NO_MESSAGES_FOR_NUMBER)
            return self._message_list(request, route, old_style, matches), False
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

    def _message_list(self, request, route, old_style, records, extra_filters=(), cache_name=None):
        """A list of messages, in the order message_list_order says, ignoring created_at filters if told to."""
        order = self.config['message_list_order']
        sort = None if order == 'honour' else ('created_at', 'desc' if order == 'newest_first' else 'asc')
        ignored = ('created_at',) if self.config['ignore_created_at_filter'] else ()
        return self._list_reply(request, route, old_style, MESSAGES, records, 'messages',
                                lambda record: self._render_message(record, old_style, list_item=True), extra_filters, cache_name,
                                sort=sort, ignored_filters=ignored)

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
