# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a person reads: the msg of a successful task, the result's size, the retry warning, and the messages of
mistakes (a YAML integer, a missing token, a misspelt option)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils import _sms_module as api_module
from ansible_collections.invoca.messaging.plugins.modules import sms_phone_number, sms_phone_number_info
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, N3, FakeClient, api_error, response
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import HttpBackend, run


def active(n):
    return {'phone_number': n, 'deleted_at': None, 'virtual_line_id': 100, 'network_id': 12345,
            'created_at': '2022-03-14T20:30:12.000Z', 'enabled_at': '2022-03-14T20:30:12.000Z',
            'carrier_interface': 'bandwidth'}


@pytest.fixture
def warnings(monkeypatch):
    seen = []
    monkeypatch.setattr(api_module.SmsApiModule, 'warn', lambda self, text: seen.append(text))
    return seen


# -- msg and summary --------------------------------------------------------------------------------------------

@pytest.mark.parametrize('records, args, check_mode, msg', [
    ([], {'phone_number': N1}, False, 'created +18885550100'),
    ([], {'phone_number': N1}, True, 'would create +18885550100'),
    ([active(N1)], {'phone_number': N1}, False, '+18885550100 already present'),
    ([active(N1)], {'phone_number': N1, 'state': 'absent'}, False, 'deleted +18885550100'),
    ([active(N1)], {'phone_number': N1, 'state': 'absent'}, True, 'would delete +18885550100'),
    ([], {'phone_number': N1, 'state': 'absent'}, False, '+18885550100 already absent'),
    ([active(N1)], {'phone_numbers': [N1, N2, N3]}, False, 'created 2, deleted 0, unchanged 1'),
    ([active(N1)], {'phone_numbers': [N1, N2, N3]}, True, 'would create 2, would delete 0, unchanged 1'),
    ([active(N1), active('+15550000001')], {'phone_numbers': [N1, N2], 'exclusive': True}, False,
     'created 1, deleted 1, unchanged 1'),
])
def test_a_successful_task_says_what_it_did(install_client, base_args, records, args, check_mode, msg):
    install_client(FakeClient(records))
    result = run(sms_phone_number.main, dict(base_args, **args), check_mode=check_mode)
    assert not result.failed
    assert result['msg'] == msg


def test_summary_counts_every_kind_of_outcome(install_client, base_args):
    install_client(FakeClient([active(N1), active('+15550000001')]))
    result = run(sms_phone_number.main, dict(base_args, phone_numbers=[N1, N2], exclusive=True))
    assert result['summary'] == {'created': 1, 'deleted': 1, 'unchanged': 1, 'failed': 0, 'not_attempted': 0}


def test_list_form_returns_records_only_when_asked(install_client, base_args):
    install_client(FakeClient([active(N1)]))
    lean = run(sms_phone_number.main, dict(base_args, phone_numbers=[N1, N2]))
    assert 'phone_numbers' not in lean.result
    install_client(FakeClient([active(N1)]))
    full = run(sms_phone_number.main, dict(base_args, phone_numbers=[N1, N2], return_records=True))
    assert [r['phone_number'] for r in full['phone_numbers']] == [N1, N2]


def test_single_form_keeps_returning_its_record(install_client, base_args):
    install_client(FakeClient([active(N1)]))
    result = run(sms_phone_number.main, dict(base_args, phone_number=N1))
    assert result['phone_number']['phone_number'] == N1


def test_a_no_op_over_10000_numbers_returns_a_small_result(install_client, base_args):
    numbers = ['+1555%07d' % i for i in range(10000)]
    install_client(FakeClient([active(n) for n in numbers]))
    result = run(sms_phone_number.main, dict(base_args, phone_numbers=numbers))
    assert result['changed'] is False
    assert len(json.dumps(result.result)) < 2000


# -- retries are visible ------------------------------------------------------------------------------------------

def test_retries_are_reported_as_a_warning_on_success(install_client, base_args, warnings):
    # 503 and not 429: a 429 waits on the shared throttle, which the HttpBackend's frozen clock never releases.
    backend = install_client(HttpBackend([response(503, {}, headers={'Retry-After': '2'}),
                                          response(200, {'phone_number': active(N1)})]))
    result = run(sms_phone_number.main, dict(base_args, phone_number=N1))
    assert not result.failed
    assert warnings == ['1 request(s) were retried (HTTP 503 x1), waiting 2.0 s in all']
    assert len(backend.sent) == 2


def test_retries_are_reported_as_a_warning_on_failure(install_client, base_args, warnings):
    install_client(HttpBackend([response(503, {})] * 3 + [response(500, {'message': 'boom'})]))
    result = run(sms_phone_number_info.main, dict(base_args, phone_number=N1, max_retries=3))
    assert result.failed
    assert len(warnings) == 1 and warnings[0].startswith('3 request(s) were retried (HTTP 503 x3), waiting ')


def test_no_retry_no_warning(install_client, base_args, warnings):
    install_client(FakeClient([active(N1)]))
    run(sms_phone_number.main, dict(base_args, phone_number=N1))
    assert warnings == []


# -- sms_phone_number_info ---------------------------------------------------------------------------------------

def pagy(numbers):
    """Answers like pagy: page N of size L holds records (N-1)*L to N*L, with the count and the next page."""
    def answer(sent):
        params = dict(sent.params)
        size, page = int(params['limit']), int(params.get('page', 1))
        chunk = numbers[(page - 1) * size:page * size]
        more = page * size < len(numbers)
        return response(200, {'phone_numbers': [{'phone_number': n, 'deleted_at': None} for n in chunk],
                              'pagination': {'count': len(numbers), 'page': page, 'next': page + 1 if more else None}})
    return answer


@pytest.mark.parametrize('seeded, max_records, page_sizes, truncated', [
    (10, 3, [3], True),              # the one page asks for exactly the records wanted
    (3, 3, [3], False),              # the last record was reached: nothing left unread
    (3, 5, [5], False),
    (700, 600, [300, 300], True),    # a size that divides 600, in as few requests as pages of 500
    (600, 600, [300, 300], False),
    (700, 650, [325, 325], True),
    (1000, 701, [500, 500], True),   # no size divides 701 in two pages: the second page is read past it
])
def test_max_records_asks_for_no_more_than_it_needs(install_client, base_args, seeded, max_records, page_sizes,
                                                    truncated):
    numbers = ['+1555%07d' % i for i in range(seeded)]
    backend = install_client(HttpBackend(handler=pagy(numbers)))
    result = run(sms_phone_number_info.main, dict(base_args, max_records=max_records))
    sizes = [int(dict(sent.params)['limit']) for sent in backend.sent]
    assert sizes == page_sizes
    # One page size (the server's own next pages followed): less than one page read past max_records.
    assert len(set(sizes)) == 1 and sum(sizes) - max_records < sizes[0]
    kept = min(seeded, max_records)
    # No record skipped or repeated.
    assert [r['phone_number'] for r in result['phone_numbers']] == numbers[:kept]
    assert result['truncated'] is truncated
    assert result['msg'].startswith('returned %d records' % kept)


def capped_pagy(numbers, cap):
    """Answers like a pagy server whose largest page is ``cap``: whatever limit is asked, pages of ``cap``
    records, numbered by that size."""
    def answer(sent):
        page = int(dict(sent.params).get('page', 1))
        chunk = numbers[(page - 1) * cap:page * cap]
        more = page * cap < len(numbers)
        return response(200, {'phone_numbers': [{'phone_number': n, 'deleted_at': None} for n in chunk],
                              'pagination': {'count': len(numbers), 'page': page, 'items': cap,
                                             'next': page + 1 if more else None}})
    return answer


@pytest.mark.parametrize('seeded, max_records, truncated', [(20, 7, True), (7, 7, False), (5, 7, False)])
def test_max_records_on_a_server_that_caps_the_page_size_returns_exactly_max_records_in_order(
        install_client, base_args, seeded, max_records, truncated):
    numbers = ['+1555%07d' % i for i in range(seeded)]
    backend = install_client(HttpBackend(handler=capped_pagy(numbers, 3)))
    result = run(sms_phone_number_info.main, dict(base_args, max_records=max_records))
    kept = min(seeded, max_records)
    assert [r['phone_number'] for r in result['phone_numbers']] == numbers[:kept]
    assert result['truncated'] is truncated
    # The server's own pages, one after the other, never renumbered for a size it does not serve.
    assert [dict(sent.params).get('page', '1') for sent in backend.sent] == [str(page) for page in
                                                                             range(1, len(backend.sent) + 1)]


def test_info_msg_of_a_count_and_of_one_number(install_client, base_args):
    install_client(FakeClient([active(N1), active(N2)]))
    assert run(sms_phone_number_info.main, dict(base_args, count_only=True))['msg'] == 'counted 2 numbers'
    install_client(FakeClient([active(N1)]))
    one = run(sms_phone_number_info.main, dict(base_args, phone_number=N1))
    assert one['msg'] == 'returned 1 record' and one['truncated'] is False


def test_a_failed_info_task_returns_nothing_that_reads_as_none(install_client, base_args):
    install_client(FakeClient(errors={('count', ()): None}, list_error=api_error(500, 'boom', method='GET')))
    result = run(sms_phone_number_info.main, base_args)
    assert result.failed
    assert not {'count', 'phone_numbers', 'truncated'} & set(result.result)


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


def test_ca_path_falls_back_to_invoca_ca_path(fake_client, base_args, tmp_path):
    ca = tmp_path / 'ca.pem'
    ca.write_text('not read by the fake\n')
    run(sms_phone_number_info.main, dict(base_args, phone_number=N1), env={'INVOCA_CA_PATH': str(ca)})
    assert fake_client.init_kwargs['ca_path'] == str(ca)
