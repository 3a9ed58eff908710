# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting until the messages a task sent are delivered or have failed, within a wall-clock deadline.

Internal use only: not a public API of the collection, and it may change in any release. No Ansible here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.excerpts import describe
from ansible_collections.invoca.messaging.plugins.module_utils._api.listing import MAX_PAGE_SIZE
from ansible_collections.invoca.messaging.plugins.module_utils._messages.plan import failed_at_carrier
from ansible_collections.invoca.messaging.plugins.module_utils._messages.records import (
    InvalidMessageId,
    delivery_reports_of,
    delivery_status,
    is_message_id,
)

# Poll intervals while waiting for delivery: quick at first (most messages settle within seconds), then every
# POLL_CAP seconds. With wait_timeout T the number of rounds is at most polls_bound(T).
POLL_FIRST = 1.0
POLL_CAP = 10.0


def poll_delays(timeout):
    """The waits between rounds: 1, 2, 4, 8, 10, 10, ... seconds, adding up to at most ``timeout``."""
    delays, total, delay = [], 0.0, POLL_FIRST
    while total < timeout:
        step = min(delay, timeout - total)
        delays.append(step)
        total += step
        delay = min(delay * 2, POLL_CAP)
    return delays


def polls_bound(timeout):
    """Rounds of polling at most, the first one included: one listing each (more pages past 500 messages)."""
    return len(poll_delays(timeout)) + 1


def delivery_entry(record, recipient=None):
    """What the module reports about one message's delivery, from its record."""
    return {
        'uuid': record.get('uuid'),
        'to': record.get('to') if isinstance(record.get('to'), str) else recipient,
        'status': delivery_status(record),
        'delivered_at': record.get('delivered_at'),
        'failed_at': record.get('failed_at'),
        'carrier_error_code': record.get('carrier_errorcode', record.get('carrier_error_code')),
        'carrier_description': record.get('carrier_description'),
    }


def _entry(uuid, to, status):
    return {'uuid': uuid, 'to': to, 'status': status, 'delivered_at': None, 'failed_at': None,
            'carrier_error_code': None, 'carrier_description': None}


def _settled_in_listing(record):
    """Whether a listed record is enough to decide its delivery without reading it by uuid.

    It is when it shows an outcome, when its shape carries delivered_at and failed_at (nothing there: pending),
    or when it lists no delivery report at all (nothing happened yet: pending; the 2022-08-01 contract's list
    items carry delivery_reports but neither timestamp). A record with reports but neither timestamp, or of
    a shape that says nothing, is read by uuid.
    """
    if record.get('delivered_at') or failed_at_carrier(record):
        return True
    if 'delivered_at' in record and 'failed_at' in record:
        return True
    reports = delivery_reports_of(record)
    if reports is not None and not reports:
        return True
    # 2022-05-01: delivered_at but no failed_at; its reports are read by _decide_from_reports instead.
    return 'delivered_at' in record and reports is not None


def _decide_from_reports(client, record, entry, notes):
    """For a record without failed_at (the 2022-05-01 shape) that has delivery reports: the newest report's
    carrier error code decides failed (such a record may carry delivered_at all the same). One report read."""
    reports = delivery_reports_of(record)
    if not reports:
        return entry
    newest = reports[-1]
    if 'carrier_errorcode' not in newest and is_message_id(newest.get('uuid')):
        try:
            newest = client.delivery_report(record['uuid'], newest['uuid']) or newest
        except ApiError as exc:
            notes.append('the delivery report of message %s could not be read (%s): its delivery is taken as '
                         'pending' % (record['uuid'], exc))
            return dict(entry, status='pending')
    if newest.get('carrier_errorcode') is not None:
        return dict(entry, status='failed', failed_at=newest.get('created_at'),
                    carrier_error_code=newest.get('carrier_errorcode'),
                    carrier_description=newest.get('carrier_description'))
    return entry


def _carrier_error(client, record):
    """carrier_error_code and carrier_description from the newest delivery report of a failed message."""
    reports = delivery_reports_of(record)
    if not reports:
        try:
            reports = [report for report in client.delivery_reports(record['uuid'], max_records=MAX_PAGE_SIZE)
                       if isinstance(report, dict)]
        except (ApiError, InvalidMessageId):
            return {}
    for report in reversed(reports):
        if report.get('carrier_errorcode') is None and is_message_id(report.get('uuid')):
            try:
                report = client.delivery_report(record['uuid'], report['uuid']) or report
            except (ApiError, InvalidMessageId):
                continue
        if report.get('carrier_errorcode') is not None:
            return {'carrier_error_code': report.get('carrier_errorcode'),
                    'carrier_description': report.get('carrier_description')}
    return {}


class _OutOfTime(Exception):
    """The wall-clock deadline passed within a round."""


def _settle(client, record, recipient, notes):
    """The delivery entry of one message from its (listed or read) record."""
    uuid = record['uuid']
    if 'delivery_reports' in record and delivery_reports_of(record) is None:
        notes.append('message %s lists its delivery reports as %s, not as a list: they are not read from it'
                     % (uuid, describe(record['delivery_reports'])))
    entry = delivery_entry(record, recipient)
    if entry['status'] != 'failed' and 'failed_at' not in record:
        entry = _decide_from_reports(client, record, entry, notes)
    if entry['status'] == 'failed' and entry['carrier_error_code'] is None:
        entry.update(_carrier_error(client, record))
    return entry


def wait_for_delivery(sender, sent, timeout, sleep=time.sleep, clock=time.monotonic, notes=None):
    """Poll until every message of ``sent`` (a list of (recipient, uuid or None)) is delivered or failed, or until
    ``timeout`` wall-clock seconds have passed.

    ``sender`` is the task's ExactlyOnceSender: each round reads its number's messages since its mark in one
    listing (one more page per 500), not one GET per message, and a message the API accepted without naming it
    is looked for there (by the same rule as after an unclear send); one never found is reported ``unknown``.
    A listed record that shows no outcome and no delivery report is pending, with no more requests; one that has
    delivery reports but neither delivered_at nor failed_at (the 2022-08-01 list shape), or that the listing does
    not show, is read by uuid. The deadline is checked before every request, so the wait returns within
    ``timeout`` plus one request's timeout, with what is still pending. Returns (entries in the order of
    ``sent``, rounds).
    """
    client = sender.client
    notes = notes if notes is not None else []
    entries = [_entry(uuid, to, 'pending') for to, uuid in sent]
    deadline = clock() + timeout
    delays = poll_delays(timeout)
    rounds = 0

    def in_time():
        if clock() >= deadline:
            raise _OutOfTime()

    try:
        while True:
            rounds += 1
            waiting = [entry for entry in entries if entry['status'] == 'pending']
            by_uuid = dict((entry['uuid'], entry) for entry in waiting if entry['uuid'])
            unnamed = [entry for entry in waiting if not entry['uuid']]
            listed = {}
            for record in client.outgoing(sender.sender, sender.mark):
                in_time()
                if record['uuid'] in by_uuid:
                    listed[record['uuid']] = record
                    continue
                for entry in unnamed:
                    ours, dummy = sender.find(entry['to'], [record])
                    if ours and is_message_id(ours[0]['uuid']) and not entry['uuid']:
                        entry['uuid'] = ours[0]['uuid']
                        listed[entry['uuid']] = record
                        by_uuid[entry['uuid']] = entry
                        break
            for uuid, entry in sorted(by_uuid.items()):
                record = listed.get(uuid)
                if record is None or not _settled_in_listing(record):
                    in_time()
                    record = client.get(uuid) or record
                if record is not None:
                    in_time()
                    entry.update(_settle(client, record, entry['to'], notes))
            unsettled = [entry for entry in entries if entry['status'] == 'pending']
            if not unsettled or not delays:
                break
            delay = min(delays.pop(0), deadline - clock())
            if delay <= 0:
                break
            sleep(delay)
    except _OutOfTime:
        pass
    for entry in entries:
        if not entry['uuid']:
            entry['status'] = 'unknown'
    return entries, rounds
