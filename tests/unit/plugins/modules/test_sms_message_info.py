# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sms_message_info run in-process on the real transport and MessageClient, over scripted HTTP answers.

The answers follow the 2022-08-01 contract's examples (shapes and error texts); the integration tests run the same
module against the simulator.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

# The simulator's texts are the API's (tests/simulator/README.md): the scripted answers below must use the same ones.
from ansible_collections.invoca.messaging.tests.simulator.invoca_simulator import common as simulator

from ansible_collections.invoca.messaging.plugins.modules import sms_message_info
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, N3, TOKEN, response
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import HttpBackend, run

MESSAGES = '/sms/2022-08-01/messages'
UUID = '0536c12f-7399-4786-8682-bce652e75655'
REPORT = '1aef6c85-10bc-4de8-8002-02e8d5b2235f'
ALL_TIME = 'created_at[gte]=1970-01-01T00:00:00.000Z'
NO_MESSAGE = {'message': simulator.MSG_NO_MESSAGE_FOR_UUID}
NO_MESSAGES_FOR_NUMBER = {'message': simulator.MSG_NO_MESSAGES_FOR_NUMBER}
NUMBER_NOT_IN_SYSTEM = {'message': simulator.MSG_NUMBER_NOT_FOUND.format(N1)}
GATEWAY_404 = {'message': 'Not Found'}
RESERVED_KEYS = {'failed', 'results', 'skipped', 'invocation', 'changed', 'msg', 'diff'}
RESULT_KEYS = {'messages', 'delivery_reports', 'usage', 'count', 'truncated'}


def message(uuid=UUID, to=N2, **extra):
    record = {'uuid': uuid, 'cuid': '5D1A-6C2E0B4F9A11', 'from': N1, 'to': to, 'text': 'hi', 'direction': 'out',
              'created_at': '2022-11-03T23:59:00.000Z', 'deleted_at': None, 'delivered_at': None, 'failed_at': None}
    record.update(extra)
    return record


def page(*records, **pager):
    return {'messages': list(records), 'pagination': dict({'count': len(records), 'next': None}, **pager)}


def main_with(args, **kwargs):
    return run(sms_message_info.main, args, **kwargs)


@pytest.fixture
def base_args():
    return {'api_token': TOKEN, 'api_url': 'https://messaging.example.test'}


# -- bad input: a readable failure before any request -----------------------------------------------------------

@pytest.mark.parametrize('args, words', [
    ({'uuid': '../phone_numbers'}, "'../phone_numbers'"),
    ({'uuid': ''}, "''"),
    ({'uuid': UUID, 'count_only': True}, 'uuid cannot be used with count_only or usage'),
    ({'uuid': UUID, 'usage': True}, 'uuid cannot be used with count_only or usage'),
    ({'uuid': UUID, 'phone_number': N1}, 'mutually exclusive'),
    ({'uuid': UUID, 'filters': {'to': {'eq': N2}}}, 'mutually exclusive'),
    ({'usage': True}, 'usage: true needs phone_number'),
    ({'usage': True, 'phone_number': N1, 'count_only': True}, 'usage and count_only cannot be used together'),
    ({'usage': True, 'phone_number': N1, 'sort': 'created_at'}, 'take no filters, sort or max_records'),
    ({'phone_number': 'call me'}, "'call me'"),
    ({'filters': {'from': {'eq': '+0123'}}}, 'filters.from.eq'),
    ({'filters': {'to': {'gte': 'nobody'}}}, 'filters.to.gte'),
    ({'filters': {'direction': {'like': 'out'}}}, "operator 'like'"),
    ({'sort': 'created_at:sideways'}, "'created_at:sideways'"),
    ({'limit': 0}, 'limit must be between 1 and 500, got 0'),
    ({'max_records': 0}, 'max_records must be 1 or more, got 0'),
])
def test_bad_input_fails_before_any_request(install_client, base_args, args, words):
    backend = install_client(HttpBackend([]))
    result = main_with(dict(base_args, **args))
    assert result.failed
    assert words in result['msg']
    assert backend.sent == []


# -- one message ------------------------------------------------------------------------------------------------

def test_one_message_with_its_status_and_detailed_reports(install_client, base_args):
    summary = {'uuid': REPORT, 'progress_bit': 0, 'created_at': '2022-11-03T23:59:02.000Z'}
    detail = dict(summary, destination=N2, carrier_description='Invalid destination', carrier_errorcode=4720)
    backend = install_client(HttpBackend([
        response(200, {'message': message(failed_at='2022-11-03T23:59:02.000Z', delivery_reports=[summary])}),
        response(200, {'delivery_reports': [summary], 'pagination': {'count': 1, 'next': None}}),
        response(200, {'delivery_report': detail}),
    ]))
    result = main_with(dict(base_args, uuid=' %s ' % UUID))
    assert not result.failed and result['changed'] is False
    assert [record['status'] for record in result['messages']] == ['failed']
    assert result['delivery_reports'] == [detail]
    assert result['count'] == 1
    assert [sent.path for sent in backend.sent] == [
        MESSAGES + '/uuid/' + UUID, MESSAGES + '/uuid/%s/delivery_reports' % UUID,
        MESSAGES + '/uuid/%s/delivery_reports/uuid/%s' % (UUID, REPORT)]
    assert all(sent.method == 'GET' for sent in backend.sent)


@pytest.mark.parametrize('fields, status', [
    ({'delivered_at': '2022-11-03T23:59:02.000Z'}, 'delivered'),
    ({'failed_at': '2022-11-03T23:59:02.000Z'}, 'failed'),
    ({'carrier_errorcode': 4720}, 'failed'),
    # progress_bit is undefined in the contract: 1 on a message that was never delivered says nothing.
    ({'progress_bit': 1}, 'pending'),
    ({}, 'pending'),
])
def test_status_comes_from_the_record_timestamps(install_client, base_args, fields, status):
    install_client(HttpBackend([response(200, page(message(**fields)))]))
    result = main_with(base_args)
    assert [record['status'] for record in result['messages']] == [status]


def test_an_unknown_uuid_is_an_empty_answer(install_client, base_args):
    backend = install_client(HttpBackend([response(404, NO_MESSAGE)]))
    result = main_with(dict(base_args, uuid=UUID))
    assert not result.failed
    assert (result['messages'], result['delivery_reports'], result['count']) == ([], [], 0)
    assert len(backend.sent) == 1


def test_a_404_that_is_not_the_apis_own_answer_is_a_failure(install_client, base_args):
    # A gateway's bare "Not Found" (or a wrong api_url) must never read as "no such message".
    install_client(HttpBackend([response(404, GATEWAY_404)]))
    result = main_with(dict(base_args, uuid=UUID))
    assert result.failed
    assert 'messages' not in result.result and result['error']['status'] == 404


# -- listings ---------------------------------------------------------------------------------------------------

def test_the_listing_covers_all_time_and_leaves_out_soft_deleted_messages(install_client, base_args):
    deleted = message('8c0bfc00-e120-48d8-a6da-f7319e625583', deleted_at='2022-11-04T00:00:00.000Z')
    # The server ignores deleted_at[empty] here: the module filters again.
    backend = install_client(HttpBackend([response(200, page(message(), deleted))]))
    result = main_with(base_args)
    assert [record['uuid'] for record in result['messages']] == [UUID]
    assert backend.sent[0].path == MESSAGES
    assert backend.sent[0].query == ALL_TIME + '&deleted_at[empty]&limit=500'


def test_number_filters_are_normalised_and_sort_reaches_the_wire(install_client, base_args):
    backend = install_client(HttpBackend([response(200, page(message()))]))
    main_with(dict(base_args, filters={'from': {'eq': '+1 (888) 555-0100'}, 'direction': {'eq': 'out'},
                                       'created_at': {'gte': '2022-11-01T00:00:00.000Z'}},
                   sort='created_at:desc', limit=50, include_deleted=True))
    assert backend.sent[0].query == ('created_at[gte]=2022-11-01T00:00:00.000Z&direction[eq]=out'
                                     '&from[eq]=%2B18885550100&sort=created_at:desc&limit=50')


def test_every_page_of_both_dialects_is_read(install_client, base_args):
    first = {'messages': [message('a-1'), message('a-2')], 'pagination': {'count': 3, 'page': 1, 'next': 2, 'pages': 2}}
    second = {'messages': [message('a-3')], 'page': {'count': 3, 'page': 2, 'next': None, 'pages': 2}}
    backend = install_client(HttpBackend([response(200, first), response(200, second)]))
    result = main_with(dict(base_args, limit=2))
    assert [record['uuid'] for record in result['messages']] == ['a-1', 'a-2', 'a-3']
    assert result['truncated'] is False
    assert ('page', '2') in backend.sent[1].params


def test_max_records_stops_paging_and_says_more_were_there(install_client, base_args):
    first = {'messages': [message('a-1'), message('a-2')], 'pagination': {'count': 5, 'page': 1, 'next': 2, 'pages': 3}}
    backend = install_client(HttpBackend([response(200, first)]))
    result = main_with(dict(base_args, max_records=2, limit=2))
    assert [record['uuid'] for record in result['messages']] == ['a-1', 'a-2']
    assert result['truncated'] is True and result['count'] == 2
    assert len(backend.sent) == 1


def test_count_only_reads_one_record(install_client, base_args):
    backend = install_client(HttpBackend([response(200, page(message(), count=1234))]))
    result = main_with(dict(base_args, count_only=True))
    assert result['count'] == 1234 and result['messages'] == []
    assert backend.sent[0].query == ALL_TIME + '&deleted_at[empty]&limit=1'


# -- one number -------------------------------------------------------------------------------------------------

def test_messages_of_a_number(install_client, base_args):
    backend = install_client(HttpBackend([response(200, page(message(), message('b-2', to=N3)))]))
    result = main_with(dict(base_args, phone_number='+1 888 555 0100'))
    assert [record['uuid'] for record in result['messages']] == [UUID, 'b-2']
    assert backend.sent[0].path == MESSAGES + '/phone_number/%2B18885550100'


def test_a_number_without_messages_is_an_empty_list(install_client, base_args):
    install_client(HttpBackend([response(404, NO_MESSAGES_FOR_NUMBER)]))
    result = main_with(dict(base_args, phone_number=N1))
    assert not result.failed
    assert result['messages'] == [] and result['count'] == 0


def test_usage_of_a_number(install_client, base_args):
    usage = {'phone_number': N1, 'outgoing': {'segments': 4, 'messages': 3}, 'incoming': {'segments': 1, 'messages': 1}}
    backend = install_client(HttpBackend([response(200, {'messages': usage})]))
    result = main_with(dict(base_args, phone_number=N1, usage=True))
    assert result['usage'] == usage
    assert backend.sent[0].path == MESSAGES + '/phone_number/%2B18885550100/usage'


def test_usage_of_a_number_the_api_does_not_know_is_null(install_client, base_args):
    install_client(HttpBackend([response(404, NUMBER_NOT_IN_SYSTEM)]))
    result = main_with(dict(base_args, phone_number=N1, usage=True))
    assert not result.failed and result['usage'] is None


# -- what every answer holds ------------------------------------------------------------------------------------

def test_results_use_only_their_own_keys_and_never_the_token(install_client, base_args):
    echo = {'message': 'Forbidden for token %s' % TOKEN}
    install_client(HttpBackend([response(200, page(message())), response(403, echo)]))
    ok = main_with(base_args)
    assert RESULT_KEYS <= set(ok.result) and not (set(ok.result) - RESULT_KEYS - RESERVED_KEYS)
    failed = main_with(base_args)
    assert failed.failed
    assert TOKEN not in json.dumps(failed.result)
    # An empty list or a count of 0 on a failed task could be read as "no messages".
    assert set(failed.result) - {'exception'} == {'msg', 'error'}


# -- a failure is never an empty answer --------------------------------------------------------------------------

@pytest.mark.parametrize('args', [
    {}, {'uuid': UUID}, {'phone_number': N1}, {'phone_number': N1, 'usage': True}, {'count_only': True},
], ids=['listing', 'uuid', 'number', 'usage', 'count_only'])
def test_a_failed_info_task_returns_no_empty_list(install_client, base_args, args):
    install_client(HttpBackend(handler=lambda sent: response(500, {'message': 'Internal Server Error'})))
    result = main_with(dict(base_args, max_retries=0, **args))
    assert result.failed
    assert 'Invoca API request failed' in result['msg'] and result['error']['status'] == 500
    assert not set(result.result) & RESULT_KEYS, result.result


@pytest.mark.parametrize('args', [
    {'usage': True}, {'uuid': UUID, 'count_only': True}, {'limit': 0}, {'phone_number': 'call me'},
    {'filters': {'to': {'eq': 18885550111}}},
])
def test_bad_input_returns_no_empty_list_either(install_client, base_args, args):
    install_client(HttpBackend([]))
    result = main_with(dict(base_args, **args))
    assert result.failed
    # ansible-core 2.19+ formats the pending exception, which it shows only when error tracebacks are enabled.
    assert set(result.result) - {'exception'} == {'msg'}, result.result


# -- unquoted numbers, misspelt options, a missing token ----------------------------------------------------------

@pytest.mark.parametrize('args, where', [
    ({'phone_number': 18885550100}, 'phone number 18885550100'),
    ({'phone_number': 18885550100, 'usage': True}, 'phone number 18885550100'),
    ({'filters': {'from': {'eq': 18885550100}}}, 'filters.from.eq: phone number 18885550100'),
    ({'filters': {'to': {'gte': 18885550100}}}, 'filters.to.gte: phone number 18885550100'),
])
def test_an_unquoted_number_says_yaml_read_it_as_a_number(install_client, base_args, args, where):
    backend = install_client(HttpBackend([]))
    result = main_with(dict(base_args, **args))
    assert result.failed
    assert where in result['msg']
    assert 'YAML read this as a number; quote it' in result['msg'] and '"+18885550100"' in result['msg']
    assert backend.sent == []


@pytest.mark.parametrize('args, name', [
    ({'phone_nubmer': N1}, 'phone_nubmer'),
    ({'max_record': 3}, 'max_record'),
    ({'uuid': UUID, 'count_ony': True}, 'count_ony'),
])
def test_a_misspelt_option_is_reported_as_unsupported(install_client, base_args, args, name):
    backend = install_client(HttpBackend([]))
    result = main_with(dict(base_args, **args))
    assert result.failed
    assert 'Unsupported parameters' in result['msg'] and name in result['msg']
    assert backend.sent == []
    # Before a missing token, too.
    without_token = main_with(args, env={'INVOCA_API_TOKEN': ''})
    assert name in without_token['msg'] and 'INVOCA_API_TOKEN' not in without_token['msg']


def test_a_missing_token_names_the_option_and_the_variable(install_client):
    backend = install_client(HttpBackend([]))
    result = main_with({'phone_number': N1}, env={'INVOCA_API_TOKEN': ''})
    assert result.failed
    assert 'api_token' in result['msg'] and 'INVOCA_API_TOKEN' in result['msg']
    assert set(result.result) == {'msg'}
    assert backend.sent == []
