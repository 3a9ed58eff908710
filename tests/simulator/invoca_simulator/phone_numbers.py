# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The phone-number endpoints: list, count, get, create (both routes), soft delete."""

from __future__ import annotations

from .common import (CARRIER_INTERFACE, CONFLICT_BODY, E164_RE, FILTERABLE_FIELDS, FIRST_ID, FIRST_VIRTUAL_LINE_ID, FULL_FIELDS_NEW, FULL_FIELDS_OLD,
                     LIST_FIELDS_NEW, MSG_BAD_BODY, MSG_INVALID_NUMBER, MSG_NUMBER_NOT_FOUND, NETWORK_ID, SORTABLE_FIELDS,
                     STATE_FIELDS, TIMESTAMP_FIELDS, ApiError, ConfigError, Reply)
from .listing import CollectionSpec

PHONE_NUMBERS = CollectionSpec('phone_numbers', SORTABLE_FIELDS, FILTERABLE_FIELDS, TIMESTAMP_FIELDS, integer_fields=('virtual_line_id',))


class PhoneNumbersMixin:
    """Part of SimulatorState: the phone-number store and its endpoints. The caller holds the lock."""

    def _reset_phone_numbers(self):
        self.records = []
        self.by_number = {}
        self.next_id = FIRST_ID
        self.next_virtual_line_id = FIRST_VIRTUAL_LINE_ID

    @staticmethod
    def _new_record(number, now, record_id, virtual_line_id):
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

    def active_number(self, number):
        """The record of an SMS number of the network that is not soft-deleted, or None."""
        record = self.by_number.get(number)
        return record if record is not None and record['deleted_at'] is None else None

    def _handle_phone_number(self, request, route, apply, old_style):
        """Return (reply, applied) for a phone-number request; ApiError for error answers."""
        if route.kind == 'list':
            fields = FULL_FIELDS_OLD if old_style else LIST_FIELDS_NEW
            return self._list_reply(request, route, old_style, PHONE_NUMBERS, self.records, 'phone_numbers',
                                    lambda record: {name: record[name] for name in fields}, cache_name='phone_numbers'), False
        if route.kind == 'count':
            return Reply(200, {'count': len(self._select(self.records, request['pairs'], PHONE_NUMBERS, 'created_at', 'asc',
                                                         cache_name='phone_numbers'))}), False
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
                # Deleting a deleted object does nothing (Invoca design principles): 200, the record unchanged.
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
            return Reply(409, dict(CONFLICT_BODY)), False
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
