# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_api/answers.py: an answer whose body cannot be read or decoded is a malformed
error, with a short excerpt, never a crash."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, Harness, response


@pytest.mark.parametrize('status, raw, content_type, words', [
    (200, '<html><body>Gateway login</body></html>', 'text/html', 'an HTML page (text/html): Gateway login'),
    (200, '', 'application/json', 'empty body'),
    (200, '   \n', 'application/json', 'empty body'),
    (200, b'\xff\xfe{\x00', 'application/json', 'not UTF-8'),
    (200, '{"phone_number": {"phone_number": "+1888', 'application/json', 'not JSON'),
    (200, '["+18885550100"]', 'application/json', 'unexpected shape'),
    (200, '{"phone_number": "+18885550100"}', 'application/json', 'unexpected shape'),
    (200, '{"phone_number": {"phone_number": 18885550100}}', 'application/json', 'is not an E.164 number'),
    (200, '{"phone_number": {"phone_number": "+1 888 CALL NOW"}}', 'application/json', 'is not an E.164 number'),
    (200, '{"phone_number": {"virtual_line_id": 1}}', 'application/json', 'not an object with a phone_number'),
    (200, '{"data": {"phone_number": "+18885550100"}}', 'application/json', 'unexpected shape'),
    (200, 'null', 'application/json', 'unexpected shape'),
])
def test_unreadable_200_to_get_is_a_malformed_error_naming_the_status(status, raw, content_type, words):
    harness = Harness([response(status, raw=raw, content_type=content_type)])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    error = caught.value
    assert error.kind == 'malformed'
    assert error.status == 200
    assert 'answered HTTP 200' in str(error)
    assert words in str(error)


def test_body_excerpt_in_a_malformed_error_is_short():
    harness = Harness([response(200, raw='<html>' + 'x' * 5000 + '</html>', content_type='text/html')])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert len(str(caught.value)) < 600


def test_deeply_nested_json_is_a_malformed_error_not_a_recursion_error():
    # A broken or hostile server can send nesting deeper than Python's recursion limit; json.loads then raises
    # RecursionError, which is not a ValueError.
    harness = Harness([response(200, raw='[' * 100000)])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert caught.value.kind == 'malformed'
