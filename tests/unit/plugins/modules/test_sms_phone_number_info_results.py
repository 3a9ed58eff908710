# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sms_phone_number_info's results and messages: max_records paging, the msg of a count and of one number, a
failed task that returns nothing that reads as none, a warning when requests were retried, the CA path variable."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.invoca.messaging.plugins.modules import sms_phone_number_info
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, FakeClient, active_record, api_error, response
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import HttpBackend, run


def test_retries_are_reported_as_a_warning_on_failure(install_client, base_args, warnings):
    install_client(HttpBackend([response(503, {})] * 3 + [response(500, {'message': 'boom'})]))
    result = run(sms_phone_number_info.main, dict(base_args, phone_number=N1, max_retries=3))
    assert result.failed
    assert len(warnings) == 1 and warnings[0].startswith('3 request(s) were retried (HTTP 503 x3), waiting ')


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
    install_client(FakeClient([active_record(N1), active_record(N2)]))
    assert run(sms_phone_number_info.main, dict(base_args, count_only=True))['msg'] == 'counted 2 numbers'
    install_client(FakeClient([active_record(N1)]))
    one = run(sms_phone_number_info.main, dict(base_args, phone_number=N1))
    assert one['msg'] == 'returned 1 record' and one['truncated'] is False


def test_a_failed_info_task_returns_nothing_that_reads_as_none(install_client, base_args):
    install_client(FakeClient(errors={('count', ()): None}, list_error=api_error(500, 'boom', method='GET')))
    result = run(sms_phone_number_info.main, base_args)
    assert result.failed
    assert not {'count', 'phone_numbers', 'truncated'} & set(result.result)


def test_ca_path_falls_back_to_invoca_ca_path(fake_client, base_args, tmp_path):
    ca = tmp_path / 'ca.pem'
    ca.write_text('not read by the fake\n')
    run(sms_phone_number_info.main, dict(base_args, phone_number=N1), env={'INVOCA_CA_PATH': str(ca)})
    assert fake_client.init_kwargs['ca_path'] == str(ca)
