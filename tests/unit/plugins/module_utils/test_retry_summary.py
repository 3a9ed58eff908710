# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Retries made visible: PhoneNumberClient.retry_summary() and the warning the modules build from it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import requests

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._sms_module import retry_warning
from ansible_collections.invoca.messaging.tests.unit import api_examples as examples
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, Harness, response

OK = examples.GET_200


def test_no_retry_gives_no_summary():
    harness = Harness([response(200, OK)])
    harness.client.get(N1)
    assert harness.client.retry_summary() is None


def test_summary_counts_each_cause_and_the_time_waited():
    harness = Harness([response(429, {}, headers={'Retry-After': '2'}), response(503, {}),
                       requests.exceptions.ConnectionError('refused'), response(200, OK),
                       response(429, {}, headers={'Retry-After': '1.5'}),
                       response(200, {'phone_number': dict(OK['phone_number'], phone_number=N2)})], max_retries=3)
    harness.client.get(N1)
    harness.client.get(N2)
    summary = harness.client.retry_summary()
    assert summary['retries'] == 4
    assert summary['causes'] == {'429': 2, '503': 1, 'connection error': 1}
    # The 429 waits are the server's Retry-After, the others backoff: all of them are what the client slept.
    assert summary['waited'] == pytest.approx(harness.sleep.total)
    assert summary['waited'] >= 3.5


def test_waited_is_the_sum_of_the_delays_granted():
    harness = Harness([response(503, {}), response(503, {}), response(200, OK)], max_retries=3)
    harness.client.get(N1)
    assert harness.client.retry_summary()['waited'] == pytest.approx(harness.sleep.total)


def test_a_retry_that_does_not_help_is_still_counted():
    harness = Harness([response(502, {})] * 3, max_retries=2)
    with pytest.raises(ApiError):
        harness.client.get(N1)
    assert harness.client.retry_summary()['causes'] == {'502': 2}


@pytest.mark.parametrize('summary, text', [
    (None, None),
    ({'retries': 5, 'causes': {'429': 3, '503': 1, 'connection error': 1}, 'waited': 4.5},
     '5 request(s) were retried (HTTP 429 x3, 503 x1, connection error x1), waiting 4.5 s in all'),
    ({'retries': 1, 'causes': {'connection error': 1}, 'waited': 0.31},
     '1 request(s) were retried (connection error x1), waiting 0.3 s in all'),
    ({'retries': 2, 'causes': {'504': 1, '429': 1}, 'waited': 61.04},
     '2 request(s) were retried (HTTP 429 x1, 504 x1), waiting 61.0 s in all'),
])
def test_warning_says_how_many_for_which_statuses_and_how_long(summary, text):
    assert retry_warning(summary) == text
