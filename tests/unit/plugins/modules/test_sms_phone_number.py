# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.invoca.messaging.plugins.modules import sms_phone_number
from ansible_collections.invoca.messaging.tests.unit import api_examples as examples
from ansible_collections.invoca.messaging.tests.unit.fakes import (
    API_URL,
    N1,
    N2,
    N3,
    N4,
    TOKEN,
    FakeClient,
    api_error,
    response,
)
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import HttpBackend, run

N5 = '+18885550104'
RESERVED_KEYS = {'failed', 'results', 'skipped', 'invocation', 'msg'}


def active(n, **extra):
    return dict({'phone_number': n, 'deleted_at': None, 'virtual_line_id': 100}, **extra)


def soft_deleted(n):
    return {'phone_number': n, 'deleted_at': '2022-04-14T20:30:12.000Z', 'virtual_line_id': 100}


def main_with(args, **kwargs):
    return run(sms_phone_number.main, args, **kwargs)


def seed(fake, *records):
    for record in records:
        fake.records[record['phone_number']] = dict(record)


def data_keys(result):
    """The keys that carry data; msg carries the sentence Ansible expects there."""
    assert isinstance(result.get('msg', ''), str)
    return set(result.result) - {'msg'}


def lines(*numbers):
    return ''.join(n + '\n' for n in numbers)


UNCHANGED_1 = '# 1 other active number, unchanged\n'


# -- option validation: nothing is sent ---------------------------------------------------------------------------

@pytest.mark.parametrize('args, words', [
    ({'phone_numbers': [], 'exclusive': True}, 'empty phone_numbers'),
    ({'phone_number': N1, 'exclusive': True}, 'exclusive=true needs phone_numbers'),
    ({'phone_numbers': [N1], 'exclusive': True, 'state': 'absent'}, 'state=present'),
    ({'phone_numbers': [N1], 'concurrency': 0}, 'concurrency must be between 1 and 64, got 0'),
    ({'phone_numbers': [N1], 'concurrency': 65}, 'concurrency must be between 1 and 64, got 65'),
    ({'phone_numbers': [N1], 'max_deletions': -1}, 'max_deletions must be 0 or more'),
    ({'phone_number': N1, 'timeout': 0}, 'timeout must be 1 or more'),
    ({'phone_number': N1, 'max_retries': -1}, 'max_retries must be 0 or more'),
    ({'phone_number': '18885550100'}, "'18885550100'"),
    ({'phone_number': N1, 'phone_numbers': [N2]}, 'mutually exclusive'),
    ({}, 'one of the following is required'),
    ({'phone_number': N1, 'state': 'gone'}, 'state'),
])
def test_invalid_options_fail_before_any_client_is_made(fake_client, base_args, args, words):
    result = main_with(dict(base_args, **args))
    assert result.failed
    assert words in result['msg']
    assert not fake_client.constructed
    assert fake_client.calls == []


def test_list_with_invalid_members_names_them_all_and_writes_nothing(fake_client, base_args):
    result = main_with(dict(base_args, phone_numbers=[N1, '+1 888 CALL NOW', N2, '+0123', '+18885550100\n']))
    assert result.failed
    for bad in ('+1 888 CALL NOW', '+0123', '+18885550100\n'):
        assert repr(bad) in result['msg']
    assert not fake_client.constructed


def test_missing_token_fails_before_any_client_is_made(fake_client):
    result = main_with({'phone_number': N1})
    assert result.failed
    assert 'api_token' in result['msg']
    assert not fake_client.constructed


def test_token_falls_back_to_invoca_api_token(fake_client):
    result = main_with({'phone_number': N1}, env={'INVOCA_API_TOKEN': TOKEN})
    assert not result.failed
    assert fake_client.init_kwargs['api_token'] == TOKEN


def test_connection_options_fall_back_to_the_environment(fake_client):
    main_with({'phone_number': N1}, env={'INVOCA_API_TOKEN': TOKEN, 'INVOCA_API_URL': 'https://api.example.org',
                                         'INVOCA_API_VERSION': '2022-05-01', 'INVOCA_VALIDATE_CERTS': 'false'})
    kwargs = fake_client.init_kwargs
    assert kwargs['api_url'] == 'https://api.example.org'
    assert kwargs['api_version'] == '2022-05-01'
    assert kwargs['validate_certs'] is False


def test_options_win_over_the_environment(fake_client, base_args):
    main_with(dict(base_args, phone_number=N1), env={'INVOCA_API_TOKEN': 'other', 'INVOCA_API_URL': 'https://x.org'})
    assert fake_client.init_kwargs['api_token'] == TOKEN
    assert fake_client.init_kwargs['api_url'] == API_URL


def test_client_gets_the_connection_options_and_a_pool_as_large_as_concurrency(fake_client, base_args):
    main_with(dict(base_args, phone_numbers=[N1], concurrency=12, timeout=9, max_retries=1, validate_certs=False,
                   ca_path='/tmp/ca.pem', api_version='2022-05-01'))
    assert fake_client.init_kwargs == {
        'api_token': TOKEN, 'api_url': API_URL, 'api_version': '2022-05-01', 'validate_certs': False,
        'ca_path': '/tmp/ca.pem', 'timeout': 9, 'max_retries': 1, 'pool_size': 12}


@pytest.mark.parametrize('concurrency', [1, 64])
def test_concurrency_bounds_are_accepted(fake_client, base_args, concurrency):
    assert not main_with(dict(base_args, phone_numbers=[N1], concurrency=concurrency)).failed


def test_max_deletions_zero_is_accepted_when_nothing_is_deleted(fake_client, base_args):
    seed(fake_client, active(N1))
    assert not main_with(dict(base_args, phone_numbers=[N1], exclusive=True, max_deletions=0)).failed


@pytest.mark.parametrize('api_url, words', [
    ('http://messaging.invoca.net', "'http://messaging.invoca.net'"),
    ('https://user:pw@messaging.invoca.net', 'must not carry credentials'),
])
def test_unusable_api_url_fails_before_any_request(install_client, base_args, api_url, words):
    backend = install_client(HttpBackend())
    result = main_with(dict(base_args, phone_number=N1, api_url=api_url))
    assert result.failed
    assert words in result['msg']
    assert backend.sent == []


def test_null_phone_number_fails_with_a_message_naming_the_option(fake_client, base_args):
    result = main_with(dict(base_args, phone_number=None))
    assert result.failed
    assert 'phone_number is null' in result['msg']
    assert fake_client.calls == []


# -- single number ----------------------------------------------------------------------------------------------

def test_present_creates_a_missing_number(fake_client, base_args):
    result = main_with(dict(base_args, phone_number='+1 (888) 555-0100'))
    assert not result.failed
    assert result['changed'] is True
    assert result['created'] == [N1] and result['deleted'] == [] and result['failures'] == []
    assert result['phone_number']['phone_number'] == N1
    assert fake_client.writes == [('create', N1)]
    assert fake_client.closed


def test_present_leaves_an_active_number_alone(fake_client, base_args):
    seed(fake_client, active(N1, virtual_line_id=197))
    result = main_with(dict(base_args, phone_number=N1))
    assert result['changed'] is False
    assert result['created'] == []
    assert result['phone_number'] == active(N1, virtual_line_id=197)
    assert fake_client.writes == []


def test_present_re_enables_a_soft_deleted_number(fake_client, base_args):
    seed(fake_client, soft_deleted(N1))
    result = main_with(dict(base_args, phone_number=N1))
    assert result['changed'] is True
    assert result['created'] == [N1]
    assert fake_client.writes == [('create', N1)]


def test_absent_deletes_an_active_number(fake_client, base_args):
    seed(fake_client, active(N1))
    result = main_with(dict(base_args, phone_number=N1, state='absent'))
    assert result['changed'] is True
    assert result['deleted'] == [N1]
    assert result['phone_number'] is None
    assert fake_client.writes == [('delete', N1)]


@pytest.mark.parametrize('records', [[], [soft_deleted(N1)]])
def test_absent_leaves_a_missing_or_soft_deleted_number_alone(fake_client, base_args, records):
    seed(fake_client, *records)
    result = main_with(dict(base_args, phone_number=N1, state='absent'))
    assert result['changed'] is False
    assert result['phone_number'] is None
    assert fake_client.writes == []


@pytest.mark.parametrize('state, records, before, after', [
    ('present', [], 'absent', 'present'),
    ('present', [active(N1)], 'present', 'present'),
    ('absent', [active(N1)], 'present', 'absent'),
    ('absent', [soft_deleted(N1)], 'absent', 'absent'),
])
def test_single_number_diff(fake_client, base_args, state, records, before, after):
    seed(fake_client, *records)
    result = main_with(dict(base_args, phone_number=N1, state=state), diff=True)
    assert result['diff'] == {'before': {'phone_number': N1, 'state': before},
                              'after': {'phone_number': N1, 'state': after}}


def test_no_diff_without_diff_mode(fake_client, base_args):
    assert 'diff' not in main_with(dict(base_args, phone_number=N1)).result


def test_failed_single_create_fails_the_task_and_reports_it(fake_client, base_args):
    fake_client.errors[('create', N1)] = api_error(422, 'Unprocessable Entity - the requested phone number is not valid')
    result = main_with(dict(base_args, phone_number=N1), diff=True)
    assert result.failed
    assert result['changed'] is False
    assert result['created'] == []
    assert result['phone_number'] is None
    assert result['failures'][0]['status'] == 422
    assert result['diff']['after']['state'] == 'absent'
    assert '1 of 1 changes failed' in result['msg']


# -- lists ------------------------------------------------------------------------------------------------------

def test_list_present_creates_only_the_missing_numbers_and_returns_records_in_order(fake_client, base_args):
    seed(fake_client, active(N2, virtual_line_id=2), soft_deleted(N3))
    result = main_with(dict(base_args, phone_numbers=[N3, N2, '+1-888-555-0100', N2], return_records=True))
    assert result['changed'] is True
    assert result['created'] == [N3, N1]
    assert result['deleted'] == []
    assert [r['phone_number'] for r in result['phone_numbers']] == [N3, N2, N1]
    assert result['phone_numbers'][1]['virtual_line_id'] == 2
    assert sorted(fake_client.writes) == [('create', N1), ('create', N3)]


def test_list_absent_deletes_only_the_active_listed_numbers(fake_client, base_args):
    seed(fake_client, active(N1), active(N2), active(N4), soft_deleted(N3))
    result = main_with(dict(base_args, phone_numbers=[N1, N3, N4], state='absent', return_records=True))
    assert result['deleted'] == [N1, N4]
    assert result['phone_numbers'] == []
    assert result['msg'] == 'created 0, deleted 2, unchanged 1'
    assert result['summary'] == {'created': 0, 'deleted': 2, 'unchanged': 1, 'failed': 0, 'not_attempted': 0}
    assert fake_client.active_numbers() == [N2]


def test_empty_list_changes_nothing(fake_client, base_args):
    result = main_with(dict(base_args, phone_numbers=[]))
    assert not result.failed
    assert result['changed'] is False
    assert result['msg'] == 'created 0, deleted 0, unchanged 0'
    assert 'phone_numbers' not in result.result
    assert fake_client.writes == []


def test_second_run_changes_nothing(fake_client, base_args):
    seed(fake_client, active(N4))
    args = dict(base_args, phone_numbers=[N1, N2], exclusive=True)
    assert main_with(args)['changed'] is True
    second = main_with(args)
    assert second['changed'] is False
    assert second['created'] == [] and second['deleted'] == []


def test_exclusive_deletes_every_other_active_number(fake_client, base_args):
    seed(fake_client, active(N1), active(N3), active(N4), soft_deleted(N5))
    result = main_with(dict(base_args, phone_numbers=[N1, N2], exclusive=True), diff=True)
    assert result['created'] == [N2]
    assert result['deleted'] == [N3, N4]
    assert fake_client.active_numbers() == [N1, N2]
    assert [c[0] for c in fake_client.calls if c[0] in ('list', 'get')] == ['list']
    diff = result['diff']
    assert (diff['before'], diff['after']) == (UNCHANGED_1 + lines(N3, N4), UNCHANGED_1 + lines(N2))


def test_list_diff_covers_only_the_listed_numbers_without_exclusive(fake_client, base_args):
    seed(fake_client, active(N1), active(N4))
    result = main_with(dict(base_args, phone_numbers=[N1, N2]), diff=True)
    assert (result['diff']['before'], result['diff']['after']) == (UNCHANGED_1, UNCHANGED_1 + lines(N2))


def test_list_diff_of_a_no_op_over_10000_numbers_is_one_line(install_client, base_args):
    numbers = ['+1555%07d' % i for i in range(10000)]
    install_client(FakeClient([active(n) for n in numbers]))
    result = main_with(dict(base_args, phone_numbers=numbers), diff=True)
    assert result['changed'] is False
    assert result['diff']['before'] == result['diff']['after'] == '# 10000 other active numbers, unchanged\n'
    assert len(json.dumps(result.result)) < 2000


def test_long_list_is_read_with_one_listing(fake_client, base_args):
    numbers = ['+1888555%04d' % i for i in range(30)]
    seed(fake_client, *[active(n) for n in numbers[:10]])
    result = main_with(dict(base_args, phone_numbers=numbers))
    assert result['created'] == numbers[10:]
    assert [c[0] for c in fake_client.calls if c[0] in ('list', 'get')] == ['list']


# -- check mode -------------------------------------------------------------------------------------------------

SCENARIOS = [
    ({'phone_number': N1}, []),
    ({'phone_number': N1, 'state': 'absent'}, [active(N1)]),
    ({'phone_numbers': [N1, N2, N3]}, [active(N2), soft_deleted(N3)]),
    ({'phone_numbers': [N1, N2], 'state': 'absent'}, [active(N1)]),
    ({'phone_numbers': [N1, N2], 'exclusive': True}, [active(N2), active(N3), active(N4)]),
    ({'phone_numbers': [N1], 'exclusive': True}, [active(N1)]),
]


@pytest.mark.parametrize('args, records', SCENARIOS)
def test_check_mode_sends_no_write_and_reports_what_a_real_run_does(install_client, base_args, args, records):
    checked = install_client(FakeClient(records))
    preview = main_with(dict(base_args, **args), check_mode=True, diff=True)
    assert checked.writes == []
    applied = install_client(FakeClient(records))
    real = main_with(dict(base_args, **args), diff=True)
    for key in ('changed', 'created', 'deleted', 'failures', 'diff'):
        assert preview[key] == real[key], key
    assert not preview.failed and not real.failed
    assert applied.writes or not real['changed']


def test_check_mode_returns_would_be_created_numbers_with_only_their_number(fake_client, base_args):
    result = main_with(dict(base_args, phone_numbers=[N1], return_records=True), check_mode=True)
    assert result['phone_numbers'] == [{'phone_number': N1}]


# -- max_deletions ----------------------------------------------------------------------------------------------

def test_max_deletions_refuses_and_lists_would_delete_without_writing(fake_client, base_args):
    seed(fake_client, active(N1), active(N4), active(N3), active(N5))
    result = main_with(dict(base_args, phone_numbers=[N1, N2], exclusive=True, max_deletions=2))
    assert result.failed
    assert result['would_delete'] == [N3, N4, N5]
    assert 'Refusing to delete 3 numbers: max_deletions is 2' in result['msg']
    assert result['changed'] is False
    assert result['created'] == [] and result['deleted'] == []
    assert fake_client.writes == []


def test_max_deletions_applies_to_state_absent(fake_client, base_args):
    seed(fake_client, active(N1), active(N2))
    result = main_with(dict(base_args, phone_numbers=[N1, N2], state='absent', max_deletions=1))
    assert result.failed
    assert result['would_delete'] == [N1, N2]
    assert fake_client.writes == []


def test_max_deletions_refuses_in_check_mode_too(fake_client, base_args):
    seed(fake_client, active(N1), active(N2))
    result = main_with(dict(base_args, phone_numbers=[N1, N2], state='absent', max_deletions=1), check_mode=True)
    assert result.failed
    assert result['would_delete'] == [N1, N2]


def test_max_deletions_equal_to_the_deletions_proceeds(fake_client, base_args):
    seed(fake_client, active(N1), active(N2))
    result = main_with(dict(base_args, phone_numbers=[N1, N2], state='absent', max_deletions=2))
    assert not result.failed
    assert result['deleted'] == [N1, N2]


def test_max_deletions_message_shows_at_most_twenty_numbers(fake_client, base_args):
    extra = ['+1999555%04d' % i for i in range(25)]
    seed(fake_client, *[active(n) for n in extra])
    result = main_with(dict(base_args, phone_numbers=[N1], exclusive=True, max_deletions=0))
    assert result['would_delete'] == sorted(extra)
    assert 'and 5 more' in result['msg']
    assert sorted(extra)[-1] not in result['msg']


# -- failures ---------------------------------------------------------------------------------------------------

def test_partial_failure_fails_the_task_yet_returns_what_was_done(fake_client, base_args):
    seed(fake_client, active(N3), active(N4))
    fake_client.errors[('create', N2)] = api_error(500, 'divided by 0')
    result = main_with(dict(base_args, phone_numbers=[N1, N2], exclusive=True, return_records=True))
    assert result.failed
    assert result['changed'] is True
    assert result['summary'] == {'created': 1, 'deleted': 2, 'unchanged': 0, 'failed': 1, 'not_attempted': 0}
    assert result['not_attempted'] == {'create': [], 'delete': []}
    assert result['created'] == [N1]
    assert result['deleted'] == [N3, N4]
    assert result['failures'] == [{'phone_number': N2, 'action': 'create', 'status': 500,
                                   'message': str(fake_client.errors[('create', N2)])}]
    assert [r['phone_number'] for r in result['phone_numbers']] == [N1]
    assert '1 of 4 changes failed (created 1, deleted 2)' in result['msg']
    assert 'divided by 0' in result['msg']


def test_failed_delete_keeps_the_number_in_the_returned_records(fake_client, base_args):
    seed(fake_client, active(N1), active(N2))
    fake_client.errors[('delete', N2)] = api_error(500, 'divided by 0', method='DELETE')
    result = main_with(dict(base_args, phone_numbers=[N1, N2], state='absent', return_records=True))
    assert result.failed
    assert result['deleted'] == [N1]
    assert [r['phone_number'] for r in result['phone_numbers']] == [N2]


def test_rejected_token_on_writes_lists_the_writes_not_attempted(fake_client, base_args):
    seed(fake_client, active(N4))
    for number in (N1, N2, N3):
        fake_client.errors[('create', number)] = api_error(403, 'Forbidden')
    result = main_with(dict(base_args, phone_numbers=[N1, N2, N3], exclusive=True, concurrency=1))
    assert result.failed
    assert fake_client.writes == [('create', N1)]
    assert [f['phone_number'] for f in result['failures']] == [N1]
    assert result['not_attempted'] == {'create': [N2, N3], 'delete': [N4]}
    assert result['summary'] == {'created': 0, 'deleted': 0, 'unchanged': 0, 'failed': 1, 'not_attempted': 3}
    assert result['msg'].startswith('1 of 4 changes failed and 3 were not attempted (created 0, deleted 0); see '
                                    'failures and not_attempted.')
    # Why they were not attempted, once: the error that stopped the task, as a sentence a person can act on.
    assert result['msg'].count('Forbidden') == 1 and 'rejected the API token' in result['msg']
    assert 'Run the task again' in result['msg']


def test_a_401_after_a_few_creates_leaves_10000_numbers_not_attempted_in_a_result_awx_keeps(fake_client, base_args):
    numbers = ['+1555%07d' % i for i in range(10003)]
    fake_client.errors[('create', numbers[3])] = api_error(401, 'Unauthorized - ' + 'the token is not valid. ' * 10)
    result = main_with(dict(base_args, phone_numbers=numbers, concurrency=8))
    assert result.failed
    sent = set(n for action, n in fake_client.writes)
    assert sorted(result['created'] + [f['phone_number'] for f in result['failures']]) == sorted(sent)
    assert sorted(result['not_attempted']['create']) == sorted(set(numbers) - sent)
    assert len(result['not_attempted']['create']) >= 10000 - 16
    assert result['summary']['not_attempted'] == len(result['not_attempted']['create'])
    assert result['summary']['failed'] == len(result['failures']) <= 16
    assert '%d were not attempted' % len(result['not_attempted']['create']) in result['msg']
    # AWX drops a result over 700,000 bytes from the job's events; listing the 401 once per number made MBs.
    size = len(json.dumps(result.result))
    assert size < 300000, size


def test_read_failure_fails_with_a_readable_message_and_nothing_written(fake_client, base_args):
    fake_client.errors[('get', N1)] = api_error(401, 'Unauthorized', method='GET')
    result = main_with(dict(base_args, phone_number=N1))
    assert result.failed
    assert 'rejected the API token' in result['msg']
    assert result['error']['status'] == 401
    assert result['changed'] is False
    assert result['created'] == [] and result['deleted'] == [] and result['failures'] == []
    assert fake_client.writes == []


# -- the shape of the result ------------------------------------------------------------------------------------

@pytest.mark.parametrize('args, records, errors', [
    ({'phone_number': N1}, [], {}),
    ({'phone_numbers': [N1, N2], 'exclusive': True}, [active(N3)], {}),
    ({'phone_numbers': [N1, N2]}, [], {('create', N2): api_error(500)}),
    ({'phone_numbers': [N1, N2], 'state': 'absent', 'max_deletions': 0}, [active(N1)], {}),
])
def test_result_uses_no_reserved_keys_for_its_data(install_client, base_args, args, records, errors):
    install_client(FakeClient(records, errors=errors))
    result = main_with(dict(base_args, **args), diff=True)
    assert not data_keys(result) & RESERVED_KEYS


def test_token_never_appears_in_any_returned_value(install_client, base_args):
    # The real client, over a scripted HTTP exchange: read N1 (absent), create it (201), then N2's create is
    # refused with 401.
    backend = install_client(HttpBackend([
        # A 404 is "absent" only when it names the number asked about, so N2's names N2.
        response(404, examples.GET_404), response(404, {'message': examples.GET_404['message'].replace(N1, N2)}),
        response(201, examples.CREATE_201), response(401, raw=examples.UNAUTHORIZED_401_TEXT),
    ]))
    result = main_with(dict(base_args, phone_numbers=[N1, N2], concurrency=1), diff=True)
    assert result.failed
    assert [s.headers['Authorization'] for s in backend.sent] == ['Bearer ' + TOKEN] * 4
    assert TOKEN not in json.dumps(result.result, default=repr)


def test_version_error_fails_naming_the_offered_versions(install_client, base_args):
    message = ("Not Found - the request '/sms/2021-01-01/phone_numbers/+18885550100' did not include a valid version. "
               "The request path must start with '/sms/YYYY-MM-DD'. Available versions are: 2022-05-01, 2022-08-01.")
    backend = install_client(HttpBackend([response(404, {'message': message})]))
    result = main_with(dict(base_args, phone_number=N1, api_version='2021-01-01'))
    assert result.failed
    assert 'does not offer API version 2021-01-01' in result['msg']
    assert '2022-05-01, 2022-08-01' in result['msg']
    assert result['error']['kind'] == 'version'
    assert len(backend.sent) == 1
