# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""message_plan: segment counting, the text comparison a server's rewriting must survive, what a stored copy
counts for in the dedupe, and the recipient plan."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._messages.plan import (
    copy_counts,
    failed_at_carrier,
    normalize_text,
    plan_send,
    same_text,
    segment_count,
)
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, N3

WHEN = '2024-01-01T00:00:02.000Z'


@pytest.mark.parametrize('text, expected', [
    ('', (0, 'GSM-7')),
    ('a' * 160, (1, 'GSM-7')),
    ('a' * 161, (2, 'GSM-7')),
    ('a' * 306, (2, 'GSM-7')),
    ('a' * 307, (3, 'GSM-7')),
    ('{' * 80, (1, 'GSM-7')),
    ('{' * 81, (2, 'GSM-7')),
    (u'\u00e7' * 70, (1, 'UCS-2')),
    (u'\u00e7' * 71, (2, 'UCS-2')),
    (u'\u00e7' * 134, (2, 'UCS-2')),
    (u'\U0001F680' * 35, (1, 'UCS-2')),
    (u'\U0001F680' * 36, (2, 'UCS-2')),
])
def test_segment_count(text, expected):
    assert segment_count(text) == expected


@pytest.mark.parametrize('text, expected', [
    ('hello', 'hello'),
    ('  hello\n', 'hello'),
    ('line one\r\nline two\r', 'line one line two'),
    ('a \t\n  b', 'a b'),
    (u'it\u2019s \u2018ok\u2019 \u201cyes\u201d \u201elow\u201d \u2032 \u2033 \u201a', u'it\'s \'ok\' "yes" "low" \' " \''),
    (u'caf\u00e9 \u2014 done', u'caf\u00e9 \u2014 done'),
    (None, None),
    (5, None),
], ids=['plain', 'trimmed', 'line-endings', 'white-space-runs', 'typographic-quotes', 'other-characters-kept',
        'none', 'not-a-string'])
def test_normalize_text(text, expected):
    assert normalize_text(text) == expected


def test_same_text_forgives_what_a_server_rewrites_and_nothing_more():
    sent = "Don't forget: \"bring 'ID'\"\n"
    assert same_text(u'Don\u2019t forget: \u201cbring \u2018ID\u2019\u201d', sent)
    assert same_text('  Don\'t   forget:\r\n"bring \'ID\'"', sent)
    assert not same_text("Dont forget: \"bring 'ID'\"", sent)
    assert not same_text("don't forget: \"bring 'ID'\"", sent)
    assert not same_text(None, sent) and not same_text(None, None)


@pytest.mark.parametrize('record, failed', [
    ({}, False),
    ({'failed_at': WHEN}, True),
    ({'carrier_errorcode': 4720}, True),
    ({'carrier_error_code': 4720}, True),
    ({'delivery_reports': [{'carrier_errorcode': 4720}, {'carrier_errorcode': None}]}, False),
    ({'delivery_reports': [{'carrier_errorcode': None}, {'carrier_errorcode': 4720}]}, True),
    ({'delivery_reports': 5}, False),
], ids=['nothing', 'failed-at', 'carrier-errorcode', 'carrier-error-code', 'older-report-failed',
        'newest-report-failed', 'reports-not-a-list'])
def test_failed_at_carrier(record, failed):
    assert failed_at_carrier(record) is failed


@pytest.mark.parametrize('record, counts', [
    ({'delivered_at': WHEN, 'failed_at': None}, True),
    ({'delivered_at': None, 'failed_at': None}, True),
    ({'delivered_at': WHEN, 'failed_at': None, 'deleted_at': WHEN}, True),
    ({'delivered_at': None, 'failed_at': WHEN}, False),
    ({'delivered_at': None, 'failed_at': None, 'delivery_reports': [{'carrier_errorcode': 4720}]}, False),
    ({'delivered_at': None, 'failed_at': None, 'deleted_at': WHEN}, False),
    ({'delivery_reports': [], 'deleted_at': None}, None),
    ({'delivery_reports': [{'uuid': 'r1'}], 'deleted_at': WHEN}, None),
    ({'delivered_at': WHEN}, True),
    ({'carrier_errorcode': 4720}, False),
], ids=['delivered', 'pending', 'delivered-then-deleted', 'failed', 'failed-by-report', 'deleted-before-delivery',
        'list-item', 'deleted-list-item', '2022-05-01-delivered', 'carrier-error'])
def test_copy_counts(record, counts):
    assert copy_counts(record) is counts


def test_plan_send_keeps_the_order_and_skips_the_received():
    assert plan_send([N1, N2, N3], {N1}) == ([N2, N3], [N1])
    assert plan_send([N3, N1], set()) == ([N3, N1], [])
