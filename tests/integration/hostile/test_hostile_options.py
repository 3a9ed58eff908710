# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options that cannot work fail cleanly: a sentence naming the option, before any request.

Each case runs against the hostile server (whose log must stay empty when the task refuses the option), so a
module that sent requests anyway, or crashed with an exception text, is caught.
"""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure
from hostile_fixtures import assert_no_crash, assert_no_token_fragment, random_token

NUMBER = '+18885550600'


def refused(run, hostile, option, value=None):
    """Failed cleanly, before any request, with a message naming the option (or, failing that, its value)."""
    assert_no_crash(run)
    assert run.failed, '%s was accepted: %s' % (option, run.result)
    assert_clean_failure(run.result)
    names = [option] + ([value] if value else [])
    assert any(name in run.result['msg'] for name in names), 'the message names neither %s nor its value: %s' % (
        option, run.result['msg'])
    assert hostile.requests() == [], 'requests were sent with an unusable %s: %s' % (option, hostile.requests())


@pytest.mark.parametrize('api_url', ['http://[::1', 'http://[::1]:99999', 'http://127.0.0.1:port'],
                         ids=['unclosed-ipv6', 'port-out-of-range', 'port-not-a-number'])
def test_api_url_that_is_not_a_url_fails_in_a_sentence(hostile, hostile_ansible, api_url):
    run = hostile_ansible.module('sms_phone_number', {'phone_number': NUMBER, 'api_url': api_url})
    refused(run, hostile, 'api_url', api_url)


@pytest.mark.parametrize('timeout', [99999, 10 ** 10])
def test_absurd_timeout_is_capped_or_refused_in_a_sentence(hostile, hostile_ansible, timeout):
    hostile.seed(NUMBER)
    run = hostile_ansible.module('sms_phone_number_info', {'phone_number': NUMBER, 'timeout': timeout})
    assert_no_crash(run)
    if run.failed:
        refused(run, hostile, 'timeout')
    else:
        assert [r['phone_number'] for r in run.result['phone_numbers']] == [NUMBER]


@pytest.mark.parametrize('scheme', ['http', 'https'])
def test_ca_path_that_does_not_exist_is_named(hostile, hostile_ansible, tmp_path, scheme):
    missing = str(tmp_path / 'no-such-dir' / 'ca.pem')
    run = hostile_ansible.module('sms_phone_number', {'phone_number': NUMBER, 'ca_path': missing,
                                                      'api_url': hostile.url.replace('http', scheme, 1)})
    refused(run, hostile, 'ca_path')
    assert missing in run.result['msg'], run.result['msg']


def test_token_that_is_not_latin1_is_refused_before_any_request(hostile, hostile_ansible):
    token = random_token() + 'tok\u00e9n\u4e2d' + random_token(length=20)
    run = hostile_ansible.module('sms_phone_number', {'phone_number': NUMBER, 'api_token': token})
    refused(run, hostile, 'api_token')
    assert_no_token_fragment(run, token)
