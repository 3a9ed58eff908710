# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Property tests of the response parsers: whatever a server answers, the client returns values of the
documented types or raises ApiError; never KeyError, TypeError, AttributeError, ValueError and the like."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import normalize_phone_number
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, Harness, response

# Keys the parsers look for, so that generated objects reach past the first isinstance check.
KEYS = st.sampled_from([
    'phone_number', 'phone_numbers', 'pagination', 'page', 'next', 'next_url', 'next_cursor', 'count', 'total',
    'phone_numbers_count', 'message', 'errors', 'deleted_at', 'resource', 'field', 'code',
]) | st.text(max_size=6)
# Values a real answer holds, and ones that have tripped parsers before.
TRICKY_TEXT = st.sampled_from([
    '', '2', '02', '-1', '²', '٢', '1.5', '+18885550100', '?page=2', '/sms/2022-08-01/phone_numbers?page=',
    '/sms/2022-08-01/phone_numbers?page=3', '/x?cursor=abc', '/x?page=²', 'http://[::1?page=2', '//[x]?page=2',
    "Not Found - the request did not include a valid version. Available versions are: 2022-08-01.",
])
LEAVES = (st.none() | st.booleans() | st.integers(min_value=-3, max_value=2 ** 70) | st.floats()
          | st.text(max_size=12) | TRICKY_TEXT)
JSON = st.recursive(LEAVES, lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
                    max_leaves=25)


@st.composite
def record_like(draw):
    """Objects shaped like records, pages and pagination objects, with arbitrary values inside."""
    record = draw(st.dictionaries(KEYS, JSON, max_size=3))
    if draw(st.booleans()):
        record['phone_number'] = draw(st.sampled_from(['+18885550100', '+18885550101']) | JSON)
    return record


VALID_RECORD = st.fixed_dictionaries(
    {'phone_number': st.sampled_from(['+18885550100', '+18885550101', '+18885550102'])},
    optional={'deleted_at': JSON, 'virtual_line_id': JSON})
RECORDS = st.lists(VALID_RECORD, min_size=1, max_size=3) | st.lists(record_like(), max_size=3) | JSON
PAGER_VALUE = TRICKY_TEXT | JSON
PAGER = st.fixed_dictionaries({}, optional=dict((key, PAGER_VALUE) for key in (
    'next', 'next_url', 'next_cursor', 'count', 'page', 'pages'))) | JSON
PAGE_LIKE = st.builds(
    lambda recs, name, pager, extra: dict(extra, phone_numbers=recs, **{name: pager}),
    RECORDS, st.sampled_from(['pagination', 'page']), PAGER, st.dictionaries(KEYS, JSON, max_size=2),
)
BODIES = JSON | PAGE_LIKE | st.builds(lambda r: {'phone_number': r}, record_like() | JSON)
BYTES = st.binary(max_size=64) | st.sampled_from([
    b'\xff\xfe\x00{', b'{"phone_number": {"phone_number": "+1888', b'<html><body>502 Bad Gateway</body></html>',
    b'{"phone_numbers": [', b'\xef\xbb\xbf{"count": 3}', b'{"count": 3}{"count": 4}', b'NaN', b'1e999',
]) | st.builds(lambda s: s.encode('utf-8'), st.text(max_size=40))


def harness_serving(raw, status=200):
    return Harness(handler=lambda sent: response(status, raw=raw), max_retries=0)


def is_record(value):
    return isinstance(value, dict) and isinstance(value.get('phone_number'), str)


def check_every_endpoint(raw, status=200):
    """Call each endpoint against a server that always answers ``raw``; check the documented return types."""
    try:
        record = harness_serving(raw, status).client.get(N1)
        assert record is None or is_record(record)
    except ApiError:
        pass
    for method in ('create', 'delete'):
        try:
            record, changed = getattr(harness_serving(raw, status).client, method)(N1)
            assert record is None or is_record(record)
            assert changed in (True, False)
        except ApiError:
            pass
    try:
        count = harness_serving(raw, status).client.count()
        assert isinstance(count, int) and not isinstance(count, bool) and count >= 0
    except ApiError:
        pass
    harness = harness_serving(raw, status)
    try:
        found = list(harness.client.iter_phone_numbers())
        assert all(is_record(r) for r in found)
        # A number may be listed more than once (soft-deleted beside active), but always in E.164.
        assert all(normalize_phone_number(r['phone_number']) == r['phone_number'] for r in found)
    except ApiError:
        pass
    # Bounded whatever the answers: max_retries bounds every request, a 429 included.
    assert len(harness.sent) <= 3


@given(BODIES)
def test_any_json_200_body_gives_documented_types_or_api_error(body):
    check_every_endpoint(json.dumps(body))


@given(BODIES, st.sampled_from([201, 202, 204, 400, 401, 403, 404, 405, 409, 422, 429, 500, 503]))
def test_any_json_body_with_any_status_gives_documented_types_or_api_error(body, status):
    check_every_endpoint(json.dumps(body), status)


@given(BYTES)
def test_any_bytes_200_body_gives_documented_types_or_api_error(raw):
    check_every_endpoint(raw)
