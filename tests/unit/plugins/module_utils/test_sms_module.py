# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_sms_module.py: the shared argument spec, SmsApiModule, readable failures with a
redacted traceback, and the warning that says requests were retried."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import requests
import yaml

from ansible_collections.invoca.messaging.plugins.doc_fragments.api import ModuleDocFragment
from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.settings import DEFAULT_API_URL, DEFAULT_API_VERSION
from ansible_collections.invoca.messaging.plugins.module_utils._sms_module import (
    SmsApiModule,
    api_argument_spec,
    describe_api_error,
    retry_warning,
)
from ansible_collections.invoca.messaging.tests.unit import api_examples as examples
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, TOKEN, Harness, response
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import run


PARAMS = {'api_url': 'https://messaging.invoca.net', 'api_version': '2022-08-01', 'api_token': TOKEN}


PATH = '/sms/2022-08-01/phone_numbers/%2B18885550100'


def error(status, message, kind='http', **kwargs):
    return ApiError('GET', PATH, message, status=status, kind=kind, api_message=message, **kwargs)


def test_401_says_the_token_was_rejected_and_where_to_set_it():
    text = describe_api_error(error(401, 'Unauthorized'), PARAMS)
    assert 'rejected the API token' in text
    assert 'HTTP 401' in text
    assert 'api_token' in text and 'INVOCA_API_TOKEN' in text


def test_403_says_the_token_was_rejected_for_lack_of_access():
    text = describe_api_error(error(403, 'Forbidden'), PARAMS)
    assert 'rejected the API token' in text
    assert 'no access' in text
    assert 'HTTP 403' in text
    assert 'https://messaging.invoca.net' in text


def test_version_error_lists_the_versions_the_server_offers():
    text = describe_api_error(error(404, 'did not include a valid version', kind='version',
                                    available_versions=['2022-05-01', '2022-08-01']),
                              dict(PARAMS, api_version='2021-01-01'))
    assert 'does not offer API version 2021-01-01' in text
    assert 'the server offers: 2022-05-01, 2022-08-01' in text
    assert 'INVOCA_API_VERSION' in text


def test_version_error_without_a_list_says_none_listed():
    text = describe_api_error(error(404, 'did not include a valid version', kind='version'), PARAMS)
    assert 'none listed' in text


@pytest.mark.parametrize('status, kind', [(500, 'http'), (422, 'http'), (None, 'transport'), (200, 'malformed')])
def test_other_errors_name_the_api_and_the_error(status, kind):
    failure = error(status, 'divided by 0', kind=kind)
    text = describe_api_error(failure, PARAMS)
    assert text.startswith('Invoca API request failed at https://messaging.invoca.net (API version 2022-08-01)')
    assert str(failure) in text
    assert 'GET /sms/2022-08-01/phone_numbers/+18885550100' in text


@pytest.mark.parametrize('failure', [error(401, 'x'), error(403, 'x'), error(500, 'x'),
                                     error(404, 'x', kind='version')])
def test_descriptions_never_contain_the_token(failure):
    assert TOKEN not in describe_api_error(failure, PARAMS)


# -- the argument spec and its documentation --------------------------------------------------------------------

def test_argument_spec_matches_the_doc_fragment():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    spec = api_argument_spec()
    assert sorted(documented) == sorted(spec)
    for name, option in documented.items():
        assert option['type'] == spec[name]['type'], name
        assert option.get('default') == spec[name].get('default'), name
        assert bool(option.get('required')) == bool(spec[name].get('required')), name


def test_token_is_no_log_and_falls_back_to_the_environment():
    token = api_argument_spec()['api_token']
    assert token['no_log'] is True
    assert token['fallback'][1] == ['INVOCA_API_TOKEN']


@pytest.mark.parametrize('name, variable', [('api_url', 'INVOCA_API_URL'), ('api_version', 'INVOCA_API_VERSION'),
                                            ('validate_certs', 'INVOCA_VALIDATE_CERTS'), ('ca_path', 'INVOCA_CA_PATH')])
def test_connection_options_fall_back_to_the_environment(name, variable):
    assert api_argument_spec()[name]['fallback'][1] == [variable]


def test_defaults_are_the_clients():
    spec = api_argument_spec()
    assert spec['api_url']['default'] == DEFAULT_API_URL
    assert spec['api_version']['default'] == DEFAULT_API_VERSION


@pytest.mark.parametrize('name', ['api_token', 'api_url', 'api_version', 'validate_certs', 'ca_path'])
def test_the_doc_fragment_names_every_environment_variable(name):
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options'][name]
    variable = api_argument_spec()[name]['fallback'][1][0]
    assert 'E(%s)' % variable in ' '.join(documented['description'])


# -- required_if, checked after AnsibleModule's own validation --------------------------------------------------

def tiny_main(**kwargs):
    """A module with sms_message's shape of options: required_if on state."""
    def main():
        module = SmsApiModule(
            argument_spec=dict(
                state=dict(type='str', default='present', choices=['present', 'absent']),
                uuid=dict(type='str'),
                to_numbers=dict(type='list', elements='str'),
                text=dict(type='str'),
            ),
            **kwargs
        )
        module.exit_json(changed=False, msg='ran')
    return main


REQUIRED_IF = [('state', 'absent', ['uuid']), ('state', 'present', ['to_numbers', 'text'])]


def test_required_if_reports_a_misspelt_option_by_its_name_first():
    result = run(tiny_main(required_if=REQUIRED_IF), {'api_token': TOKEN, 'to_nubmers': ['+18885550100'],
                                                      'text': 'hi'})
    assert result.failed
    assert 'to_nubmers' in result['msg'] and 'Unsupported parameters' in result['msg']
    assert 'missing' not in result['msg']


@pytest.mark.parametrize('args, message', [
    # The default value of state triggers the requirement, as in AnsibleModule.
    ({'text': 'hi'}, 'state is present but all of the following are missing: to_numbers'),
    ({}, 'state is present but all of the following are missing: to_numbers, text'),
    ({'state': 'absent'}, 'state is absent but all of the following are missing: uuid'),
])
def test_required_if_fails_with_ansible_module_s_message(args, message):
    result = run(tiny_main(required_if=REQUIRED_IF), dict(args, api_token=TOKEN))
    assert result.failed
    assert result['msg'] == message


@pytest.mark.parametrize('args', [
    {'to_numbers': ['+18885550100'], 'text': 'hi'},
    {'state': 'absent', 'uuid': 'abc'},
    # Given as null is given, as in AnsibleModule.
    {'state': 'absent', 'uuid': None},
])
def test_required_if_is_met(args):
    result = run(tiny_main(required_if=REQUIRED_IF), dict(args, api_token=TOKEN))
    assert not result.failed, result.result


def test_required_if_any_of_with_is_one_of():
    required_if = [('state', 'present', ['to_numbers', 'text'], True)]
    assert not run(tiny_main(required_if=required_if), {'api_token': TOKEN, 'text': 'hi'}).failed
    result = run(tiny_main(required_if=required_if), {'api_token': TOKEN})
    assert result['msg'] == 'state is present but any of the following are missing: to_numbers, text'


def test_required_if_is_checked_before_the_token():
    result = run(tiny_main(required_if=REQUIRED_IF), {'state': 'absent'}, env={'INVOCA_API_TOKEN': ''})
    assert result['msg'] == 'state is absent but all of the following are missing: uuid'


# -- as_given: an option as the task wrote it, when YAML made it a number -------------------------------------------

def test_as_given_returns_what_yaml_made_a_number_and_otherwise_the_converted_value():
    seen = {}

    def main():
        module = SmsApiModule(argument_spec=dict(phone_number=dict(type='str'),
                                                 phone_numbers=dict(type='list', elements='str'),
                                                 text=dict(type='str')))
        seen['one'] = module.as_given('phone_number', module.params['phone_number'])
        seen['members'] = module.members_as_given('phone_numbers', module.params['phone_numbers'])
        seen['text'] = module.as_given('text', module.params['text'])
        module.exit_json(changed=False)

    result = run(main, {'api_token': TOKEN, 'phone_number': 18885550100,
                        'phone_numbers': ['+18885550111', 18885550112, True], 'text': 'hi'})
    assert not result.failed
    assert seen['one'] == 18885550100 and isinstance(seen['one'], int)
    # A boolean is no YAML number to quote: the converted value is kept.
    assert seen['members'] == ['+18885550111', 18885550112, 'True']
    assert seen['text'] == 'hi'


# retry_warning: one warning line about the requests that were retried.
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
