# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sms_phone_number's results and messages: small by default, a summary of every kind of outcome, a warning when
requests were retried, and failures a person can act on."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.invoca.messaging.plugins.modules import sms_phone_number
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, N3, FakeClient, active_record, response
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import HttpBackend, run


# -- msg and summary --------------------------------------------------------------------------------------------

@pytest.mark.parametrize('records, args, check_mode, msg', [
    ([], {'phone_number': N1}, False, 'created +18885550100'),
    ([], {'phone_number': N1}, True, 'would create +18885550100'),
    ([active_record(N1)], {'phone_number': N1}, False, '+18885550100 already present'),
    ([active_record(N1)], {'phone_number': N1, 'state': 'absent'}, False, 'deleted +18885550100'),
    ([active_record(N1)], {'phone_number': N1, 'state': 'absent'}, True, 'would delete +18885550100'),
    ([], {'phone_number': N1, 'state': 'absent'}, False, '+18885550100 already absent'),
    ([active_record(N1)], {'phone_numbers': [N1, N2, N3]}, False, 'created 2, deleted 0, unchanged 1'),
    ([active_record(N1)], {'phone_numbers': [N1, N2, N3]}, True, 'would create 2, would delete 0, unchanged 1'),
    ([active_record(N1), active_record('+15550000001')], {'phone_numbers': [N1, N2], 'exclusive': True}, False,
     'created 1, deleted 1, unchanged 1'),
])
def test_a_successful_task_says_what_it_did(install_client, base_args, records, args, check_mode, msg):
    install_client(FakeClient(records))
    result = run(sms_phone_number.main, dict(base_args, **args), check_mode=check_mode)
    assert not result.failed
    assert result['msg'] == msg


def test_summary_counts_every_kind_of_outcome(install_client, base_args):
    install_client(FakeClient([active_record(N1), active_record('+15550000001')]))
    result = run(sms_phone_number.main, dict(base_args, phone_numbers=[N1, N2], exclusive=True))
    assert result['summary'] == {'created': 1, 'deleted': 1, 'unchanged': 1, 'failed': 0, 'not_attempted': 0}


def test_list_form_returns_records_only_when_asked(install_client, base_args):
    install_client(FakeClient([active_record(N1)]))
    lean = run(sms_phone_number.main, dict(base_args, phone_numbers=[N1, N2]))
    assert 'phone_numbers' not in lean.result
    install_client(FakeClient([active_record(N1)]))
    full = run(sms_phone_number.main, dict(base_args, phone_numbers=[N1, N2], return_records=True))
    assert [r['phone_number'] for r in full['phone_numbers']] == [N1, N2]


def test_single_form_keeps_returning_its_record(install_client, base_args):
    install_client(FakeClient([active_record(N1)]))
    result = run(sms_phone_number.main, dict(base_args, phone_number=N1))
    assert result['phone_number']['phone_number'] == N1


def test_a_no_op_over_10000_numbers_returns_a_small_result(install_client, base_args):
    numbers = ['+1555%07d' % i for i in range(10000)]
    install_client(FakeClient([active_record(n) for n in numbers]))
    result = run(sms_phone_number.main, dict(base_args, phone_numbers=numbers))
    assert result['changed'] is False
    assert len(json.dumps(result.result)) < 2000


# -- retries are visible ------------------------------------------------------------------------------------------

def test_retries_are_reported_as_a_warning_on_success(install_client, base_args, warnings):
    # 503 and not 429: a 429 waits on the shared throttle, which the HttpBackend's frozen clock never releases.
    backend = install_client(HttpBackend([response(503, {}, headers={'Retry-After': '2'}),
                                          response(200, {'phone_number': active_record(N1)})]))
    result = run(sms_phone_number.main, dict(base_args, phone_number=N1))
    assert not result.failed
    assert warnings == ['1 request(s) were retried (HTTP 503 x1), waiting 2.0 s in all']
    assert len(backend.sent) == 2


def test_no_retry_no_warning(install_client, base_args, warnings):
    install_client(FakeClient([active_record(N1)]))
    run(sms_phone_number.main, dict(base_args, phone_number=N1))
    assert warnings == []


# -- messages a person can act on ---------------------------------------------------------------------------------

@pytest.mark.parametrize('args', [{'phone_numbers': [18885550100]}, {'phone_number': 18885550100},
                                  {'phone_numbers': ['+18885550101', 18885550100]}])
def test_an_unquoted_number_is_explained_as_yaml_reading_it_as_a_number(fake_client, base_args, args):
    result = run(sms_phone_number.main, dict(base_args, **args))
    assert result.failed
    assert 'YAML read this as a number; quote it' in result['msg']
    assert '"+18885550100"' in result['msg']
    assert 'expected "+"' not in result['msg']
    assert not fake_client.constructed


def test_a_missing_token_names_the_option_and_the_variable(fake_client, base_args):
    args = dict(base_args, phone_number=N1)
    del args['api_token']
    result = run(sms_phone_number.main, args)
    assert result.failed
    assert 'api_token' in result['msg'] and 'INVOCA_API_TOKEN' in result['msg']
    assert not fake_client.constructed


def test_a_misspelt_option_is_named_not_hidden_behind_required_one_of(fake_client, base_args):
    result = run(sms_phone_number.main, dict(base_args, phone_nubmers=[N1]))
    assert result.failed
    assert 'phone_nubmers' in result['msg'] and 'Unsupported parameters' in result['msg']
    assert 'one of the following is required' not in result['msg']


def test_a_misspelt_option_without_a_token_is_still_named_first(fake_client, base_args):
    args = dict(base_args, phone_nubmers=[N1])
    del args['api_token']
    result = run(sms_phone_number.main, args)
    assert 'phone_nubmers' in result['msg']


def test_neither_form_given_is_still_refused(fake_client, base_args):
    result = run(sms_phone_number.main, base_args)
    assert result.failed and 'one of the following is required: phone_number, phone_numbers' in result['msg']
