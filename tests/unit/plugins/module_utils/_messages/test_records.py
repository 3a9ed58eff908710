# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_messages/records.py: delivery status from the timestamps and reports, and
timestamps read and written."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._messages.records import (
    delivery_status,
    format_timestamp,
    parse_timestamp,
)
from ansible_collections.invoca.messaging.tests.unit.fakes import N1


SENDER = '+18885550199'


def record(uuid, to, text='hi', created_at='2024-01-01T12:00:01.000Z', **extra):
    item = {'uuid': uuid, 'from': SENDER, 'to': to, 'text': text, 'direction': 'out', 'created_at': created_at,
            'deleted_at': None}
    item.update(extra)
    return item


@pytest.mark.parametrize('fields, status', [
    ({}, 'pending'),
    ({'delivered_at': '2024-01-01T00:00:01.000Z'}, 'delivered'),
    ({'failed_at': '2024-01-01T00:00:01.000Z'}, 'failed'),
    ({'carrier_errorcode': 4720}, 'failed'),
    # progress_bit is undefined in the contract: it says nothing here.
    ({'progress_bit': 1}, 'pending'),
])
def test_delivery_status_comes_from_the_timestamps(fields, status):
    assert delivery_status(dict(record('u1', N1), **fields)) == status


def test_delivery_status_reads_the_newest_reports_carrier_error():
    reports = [{'uuid': 'r1', 'carrier_errorcode': None}, {'uuid': 'r2', 'carrier_errorcode': 4720}]
    assert delivery_status(dict(record('u1', N1), delivery_reports=reports)) == 'failed'
    assert delivery_status(dict(record('u1', N1), delivery_reports=5)) == 'pending'


def test_timestamps_round_trip():
    when = datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)
    assert format_timestamp(when) == '2024-01-02T03:04:05.678Z'
    assert parse_timestamp('2024-01-02T03:04:05.678Z') == when
    assert parse_timestamp('2024-01-02 03:04:05 UTC') == when.replace(microsecond=0)
    assert parse_timestamp('yesterday') is None and parse_timestamp(None) is None
