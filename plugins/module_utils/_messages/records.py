# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a message record says: its uuid, timestamps, direction and delivery status, read defensively.

Internal use only: not a public API of the collection, and it may change in any release. No Ansible here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re


from ansible_collections.invoca.messaging.plugins.module_utils._messages.plan import failed_at_carrier

# A message uuid goes into a URL path: only the characters a uuid (or a cuid) can hold.
_MESSAGE_ID = re.compile(r'[A-Za-z0-9][A-Za-z0-9._-]{0,99}')
# 2022-08-01 writes out/in, 2022-05-01 outbound/inbound.
_OUTGOING = ('out', 'outbound')


class InvalidMessageId(ValueError):
    """A message uuid that cannot be one; the message names the value."""


def is_message_id(value):
    return isinstance(value, str) and _MESSAGE_ID.fullmatch(value) is not None


def delivery_reports_of(record):
    """The delivery reports (dicts) a record lists, oldest first, or None when it lists none in a readable way
    (absent, or not a list)."""
    reports = record.get('delivery_reports') if isinstance(record, dict) else None
    if not isinstance(reports, list):
        return None
    return [report for report in reports if isinstance(report, dict)]


def format_timestamp(when):
    """A timezone-aware datetime as the API writes timestamps: 2022-11-03T23:59:00.000Z."""
    when = when.astimezone(datetime.timezone.utc)
    return when.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (when.microsecond // 1000)


def parse_timestamp(value):
    """A datetime (UTC) from an API timestamp, or None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace(' UTC', '+00:00')
    if text.endswith('Z'):
        text = text[:-1] + '+00:00'
    try:
        when = datetime.datetime.fromisoformat(text.replace(' ', 'T', 1) if 'T' not in text else text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.astimezone(datetime.timezone.utc)


def delivery_status(record):
    """delivered, failed or pending, from the record's own timestamps.

    progress_bit is undefined in the contract (1 on a delivered and on an undelivered example), so it is not
    read: delivered_at set means delivered (to the carrier), failed_at or a carrier error code means failed.
    """
    if not isinstance(record, dict):
        return 'pending'
    if failed_at_carrier(record):
        return 'failed'
    if record.get('delivered_at'):
        return 'delivered'
    return 'pending'


def is_outgoing(record):
    """Whether a record is an outgoing message; one that does not say is taken for one (its from decides)."""
    return 'direction' not in record or str(record.get('direction', '')).lower() in _OUTGOING


def check_message_id(value):
    if not isinstance(value, str) or not _MESSAGE_ID.fullmatch(value):
        raise InvalidMessageId('message uuid %r is not a message identifier: expected letters, digits and dashes, '
                               'such as 3f0e8d8a-63c2-4d4e-9c36-6a1c1d3c2b10' % (value,))
    return value
