# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.invoca.messaging.plugins.modules import sms_phone_number_info
from ansible_collections.invoca.messaging.tests.unit import api_examples as examples
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, N3, TOKEN, api_error, response
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import HttpBackend, run

RESERVED_KEYS = {'failed', 'results', 'skipped', 'invocation', 'msg'}
COLLECTION = '/sms/2022-08-01/phone_numbers'


def active(n, **extra):
    return dict({'phone_number': n, 'deleted_at': None}, **extra)


def soft_deleted(n):
    return {'phone_number': n, 'deleted_at': '2022-04-14T20:30:12.000Z'}


def seed(fake, *records):
    for record in records:
        fake.records[record['phone_number']] = dict(record)


def main_with(args, **kwargs):
    return run(sms_phone_number_info.main, args, **kwargs)


# -- option validation ------------------------------------------------------------------------------------------

@pytest.mark.parametrize('args, words', [
    ({'limit': 0}, 'limit must be between 1 and 500, got 0'),
    ({'limit': 501}, 'limit must be between 1 and 500, got 501'),
    ({'max_records': 0}, 'max_records must be 1 or more, got 0'),
    ({'filters': {'created_at': {'like': 'x'}}}, "operator 'like'"),
    ({'filters': {'created_at[lte]': {'eq': 'x'}}}, "'created_at[lte]'"),
    ({'filters': {'deleted_at': {'empty': False}}}, 'only accepted value is true'),
    ({'filters': {'carrier_interface': {'eq': {'nested': 1}}}}, 'expected a string or a number'),
    ({'filters': {'carrier_interface': {'eq': 'a\nb'}}}, 'control characters'),
    ({'filters': {'phone_number': {'eq': '+0123'}}}, "'+0123'"),
    ({'sort': 'created_at:inwards'}, "'created_at:inwards'"),
    ({'sort': 'created_at:desc,phone_number:asc'}, 'one field'),
    ({'phone_number': 'not a number'}, "'not a number'"),
    ({'phone_number': N1, 'count_only': True}, 'phone_number and count_only cannot be used together'),
    ({'phone_number': N1, 'filters': {'carrier_interface': {'eq': 'x'}}}, 'mutually exclusive'),
    ({'phone_number': N1, 'sort': 'created_at'}, 'mutually exclusive'),
    ({'phone_number': N1, 'max_records': 3}, 'mutually exclusive'),
    ({'timeout': 0}, 'timeout must be 1 or more'),
])
def test_invalid_options_fail_before_any_client_is_made(fake_client, base_args, args, words):
    result = main_with(dict(base_args, **args))
    assert result.failed
    assert words in result['msg']
    assert not fake_client.constructed


def test_token_falls_back_to_invoca_api_token(fake_client):
    result = main_with({}, env={'INVOCA_API_TOKEN': TOKEN})
    assert not result.failed
    assert fake_client.init_kwargs['api_token'] == TOKEN


def test_missing_token_fails(fake_client):
    result = main_with({})
    assert result.failed
    assert not fake_client.constructed


def test_info_never_changes_anything_and_never_writes(fake_client, base_args):
    seed(fake_client, active(N1))
    for args in ({}, {'phone_number': N1}, {'count_only': True}):
        result = main_with(dict(base_args, **args), check_mode=True)
        assert result['changed'] is False
    assert fake_client.writes == []


# -- one number -------------------------------------------------------------------------------------------------

def test_get_returns_the_record_as_a_one_item_list(fake_client, base_args):
    seed(fake_client, active(N1, virtual_line_id=197))
    result = main_with(dict(base_args, phone_number='+1 888 555 0100'))
    assert result['phone_numbers'] == [active(N1, virtual_line_id=197)]
    assert result['count'] == 1
    assert fake_client.calls == [('get', N1)]
    assert fake_client.closed


def test_get_of_an_unknown_number_returns_an_empty_list(fake_client, base_args):
    result = main_with(dict(base_args, phone_number=N1))
    assert not result.failed
    assert result['phone_numbers'] == []
    assert result['count'] == 0


def test_get_of_a_soft_deleted_number_is_empty_unless_include_deleted(fake_client, base_args):
    seed(fake_client, soft_deleted(N1))
    assert main_with(dict(base_args, phone_number=N1))['phone_numbers'] == []
    assert main_with(dict(base_args, phone_number=N1, include_deleted=True))['phone_numbers'] == [soft_deleted(N1)]


def test_get_over_http_of_an_unknown_number_is_empty(install_client, base_args):
    backend = install_client(HttpBackend([response(404, examples.GET_404)]))
    result = main_with(dict(base_args, phone_number=N1))
    assert result['phone_numbers'] == []
    assert [s.url for s in backend.sent] == [base_args['api_url'] + COLLECTION + '/%2B18885550100']


# -- listing ----------------------------------------------------------------------------------------------------

def test_listing_leaves_out_soft_deleted_numbers(fake_client, base_args):
    seed(fake_client, active(N1), soft_deleted(N2), active(N3))
    result = main_with(base_args)
    assert [r['phone_number'] for r in result['phone_numbers']] == [N1, N3]
    assert result['count'] == 2
    assert fake_client.calls == [('list', ((('deleted_at[empty]', None),), 500))]


def test_listing_with_include_deleted_returns_them(fake_client, base_args):
    seed(fake_client, active(N1), soft_deleted(N2))
    result = main_with(dict(base_args, include_deleted=True))
    assert [r['phone_number'] for r in result['phone_numbers']] == [N1, N2]
    assert fake_client.calls == [('list', ((), 500))]


def test_soft_deleted_records_are_dropped_even_if_the_server_ignores_the_filter(install_client, base_args):
    install_client(HttpBackend([response(200, {'phone_numbers': [active(N1), soft_deleted(N2)]})]))
    result = main_with(base_args)
    assert [r['phone_number'] for r in result['phone_numbers']] == [N1]


def test_filters_sort_and_limit_reach_the_wire(install_client, base_args):
    backend = install_client(HttpBackend([response(200, {'phone_numbers': [active(N1)]})]))
    main_with(dict(base_args, filters={'created_at': {'gte': '2022-11-01T00:00:00.000Z'},
                                       'phone_number': {'eq': '+1 888 555 0100'}},
                   sort='created_at:desc', limit=50))
    assert backend.sent[0].query == ('created_at[gte]=2022-11-01T00:00:00.000Z&phone_number[eq]=%2B18885550100'
                                     '&deleted_at[empty]&sort=created_at:desc&limit=50')


def test_explicit_count_only_false_is_accepted_with_phone_number(fake_client, base_args):
    seed(fake_client, active(N1))
    result = main_with(dict(base_args, phone_number=N1, count_only=False))
    assert not result.failed
    assert [r['phone_number'] for r in result['phone_numbers']] == [N1]


def test_a_deleted_at_filter_keeps_the_soft_deleted_records_it_asks_for(fake_client, base_args):
    seed(fake_client, soft_deleted(N1), active(N2))
    result = main_with(dict(base_args, filters={'deleted_at': {'gte': '2022-01-01T00:00:00.000Z'}}))
    assert N1 in [r['phone_number'] for r in result['phone_numbers']]
    assert fake_client.calls[0][1] == ((('deleted_at[gte]', '2022-01-01T00:00:00.000Z'),), 500)


def test_max_records_stops_paging(install_client, base_args):
    pages = [
        {'phone_numbers': [active('+1888555%04d' % i) for i in (1, 2)], 'pagination': {'next': 2}},
        {'phone_numbers': [active('+1888555%04d' % i) for i in (3, 4)], 'pagination': {'next': 3}},
        {'phone_numbers': [active('+1888555%04d' % i) for i in (5, 6)], 'pagination': {'next': None}},
    ]
    backend = install_client(HttpBackend([response(200, p) for p in pages]))
    result = main_with(dict(base_args, max_records=3, limit=2))
    assert [r['phone_number'] for r in result['phone_numbers']] == ['+1888555%04d' % i for i in (1, 2, 3)]
    assert result['count'] == 3
    assert len(backend.sent) == 2
    assert result['truncated'] is True
    assert result['msg'] == 'returned 3 records (stopped at max_records; more exist)'
    # The second page is the server's own next page at the same size: one record more than wanted is read, and
    # pages are never renumbered for a size the server may not use.
    assert [(dict(s.params)['limit'], dict(s.params).get('page')) for s in backend.sent] == [('2', None), ('2', '2')]


def test_max_records_counts_only_returned_records(fake_client, base_args):
    seed(fake_client, soft_deleted(N1), active(N2), active(N3))
    result = main_with(dict(base_args, max_records=1))
    assert [r['phone_number'] for r in result['phone_numbers']] == [N2]


def test_every_page_is_read_without_max_records(install_client, base_args):
    pages = [
        dict(examples.LIST_2022_05_01_SINGLE_PAGE,
             page=dict(examples.LIST_2022_05_01_SINGLE_PAGE['page'], next=2, pages=2, count=6)),
        {'phone_numbers': [active(N1)], 'page': {'next': None}},
    ]
    install_client(HttpBackend([response(200, p) for p in pages]))
    result = main_with(dict(base_args, api_version='2022-05-01'))
    assert result['count'] == 6


# -- count ------------------------------------------------------------------------------------------------------

def test_count_only_returns_the_count_and_no_records(fake_client, base_args):
    fake_client.count_value = 1234
    result = main_with(dict(base_args, count_only=True))
    assert result['count'] == 1234
    assert result['phone_numbers'] == []
    assert fake_client.calls == [('count', (('deleted_at[empty]', None),))]
    assert fake_client.closed


def test_count_only_with_filters_and_include_deleted(fake_client, base_args):
    main_with(dict(base_args, count_only=True, include_deleted=True,
                   filters={'carrier_interface': {'eq': 'bandwidth'}}))
    assert fake_client.calls == [('count', (('carrier_interface[eq]', 'bandwidth'),))]


def test_count_only_over_http_falls_back_to_the_listing_count(install_client, base_args):
    backend = install_client(HttpBackend([response(405, raw=''), response(200, examples.LIST_2022_08_01_FIRST_PAGE)]))
    result = main_with(dict(base_args, count_only=True))
    assert result['count'] == 7
    assert [s.path for s in backend.sent] == [COLLECTION + '/count', COLLECTION]


# -- errors and the result's shape ------------------------------------------------------------------------------

def test_api_error_fails_with_a_readable_message_and_no_data(fake_client, base_args):
    fake_client.list_error = api_error(403, 'Forbidden', method='GET')
    result = main_with(base_args)
    assert result.failed
    assert 'rejected the API token' in result['msg']
    # An empty list or a count of 0 on a failed task could be read as "no numbers".
    assert 'phone_numbers' not in result.result and 'count' not in result.result
    assert result['error']['status'] == 403
    assert fake_client.closed


def test_pagination_error_on_a_later_page_fails_the_task(install_client, base_args):
    same = {'phone_numbers': [active(N1)], 'pagination': {'next': 2}}
    install_client(HttpBackend(handler=lambda sent: response(200, same)))
    result = main_with(base_args)
    assert result.failed
    assert result['error']['kind'] == 'pagination'


@pytest.mark.parametrize('args', [{}, {'phone_number': N1}, {'count_only': True}])
def test_result_uses_no_reserved_keys_and_never_the_token(install_client, base_args, args):
    install_client(HttpBackend(handler=lambda sent: response(401, raw=examples.UNAUTHORIZED_401_TEXT)))
    failed = main_with(dict(base_args, **args))
    assert failed.failed
    assert not (set(failed.result) - {'msg'}) & RESERVED_KEYS
    assert TOKEN not in json.dumps(failed.result, default=repr)
    install_client(HttpBackend(handler=lambda sent: response(200, examples.GET_200 if 'phone_number' in args
                                                             else {'phone_numbers': [active(N1)], 'count': 1})))
    succeeded = main_with(dict(base_args, **args))
    assert not succeeded.failed
    assert not set(succeeded.result) - {'msg'} & RESERVED_KEYS
    assert set(succeeded.result) == {'changed', 'phone_numbers', 'count', 'truncated', 'msg'}
    assert TOKEN not in json.dumps(succeeded.result, default=repr)


# -- unquoted numbers and misspelt options --------------------------------------------------------------------------

@pytest.mark.parametrize('args, where', [
    ({'phone_number': 18885550100}, 'phone number 18885550100'),
    ({'filters': {'phone_number': {'eq': 18885550100}}}, 'filters.phone_number.eq: phone number 18885550100'),
    ({'filters': {'phone_number': {'gte': 18885550100}}, 'count_only': True},
     'filters.phone_number.gte: phone number 18885550100'),
])
def test_an_unquoted_number_says_yaml_read_it_as_a_number(fake_client, base_args, args, where):
    result = main_with(dict(base_args, **args))
    assert result.failed
    assert where in result['msg']
    assert 'YAML read this as a number; quote it' in result['msg'] and '"+18885550100"' in result['msg']
    assert not fake_client.constructed


def test_a_quoted_number_filter_is_still_accepted(fake_client, base_args):
    result = main_with(dict(base_args, filters={'phone_number': {'eq': '+18885550100'}}))
    assert not result.failed


@pytest.mark.parametrize('args, name', [
    ({'phone_nubmer': N1}, 'phone_nubmer'),
    ({'max_record': 3}, 'max_record'),
    ({'count_ony': True}, 'count_ony'),
])
def test_a_misspelt_option_is_reported_as_unsupported(fake_client, base_args, args, name):
    result = main_with(dict(base_args, **args))
    assert result.failed
    assert 'Unsupported parameters' in result['msg'] and name in result['msg']
    assert not fake_client.constructed
    # Before a missing token, too.
    without_token = main_with(args, env={'INVOCA_API_TOKEN': ''})
    assert name in without_token['msg'] and 'INVOCA_API_TOKEN' not in without_token['msg']


def test_a_missing_token_names_the_option_and_the_variable(fake_client):
    result = main_with({'phone_number': N1}, env={'INVOCA_API_TOKEN': ''})
    assert result.failed
    assert 'api_token' in result['msg'] and 'INVOCA_API_TOKEN' in result['msg']
    assert not fake_client.constructed
