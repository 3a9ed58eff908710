# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""PhoneNumberClient on the Transport: server data checked before it drives a write."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.tests.unit import api_examples as examples
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, N2, Harness, response

SERVER_FORMS = ['+18885550100', '18885550100', '+1 888-555-0100', '+18885550100 ', ' 1 (888) 555.0100']


def record(number, deleted_at=None):
    return {'phone_number': number, 'virtual_line_id': 1, 'deleted_at': deleted_at}


def listing_of(*records):
    return response(200, {'phone_numbers': list(records), 'pagination': {'count': len(records), 'next': None}})


# -- numbers from the server ------------------------------------------------------------------------------------

@pytest.mark.parametrize('written', SERVER_FORMS)
def test_listed_numbers_are_normalised_to_e164(written):
    harness = Harness([listing_of(record(written), record(N2))])
    found = list(harness.client.iter_phone_numbers())
    assert [r['phone_number'] for r in found] == [N1, N2]
    assert found[0]['virtual_line_id'] == 1


@pytest.mark.parametrize('written', SERVER_FORMS)
def test_a_record_read_by_get_is_normalised_and_not_a_contradiction(written):
    harness = Harness([response(200, {'phone_number': record(written)})])
    assert harness.client.get(N1)['phone_number'] == N1


@pytest.mark.parametrize('bad', [
    'not an object', 18885550100, None, ['+18885550100'], {'virtual_line_id': 1}, {'phone_number': None},
    {'phone_number': '../count'}, {'phone_number': ''}, {'phone_number': 'count'}, {'phone_number': '+1/888'},
    {'phone_number': 18885550100},
])
def test_a_listing_record_without_a_usable_number_fails_naming_the_record(bad):
    harness = Harness([listing_of(record(N2), bad)])
    with pytest.raises(ApiError) as caught:
        list(harness.client.iter_phone_numbers())
    error = caught.value
    assert error.kind == 'malformed'
    assert 'the server sent a record' in str(error)
    # The record is named, so a person can find it.
    assert json.dumps(bad, sort_keys=True) in str(error)
    assert len(harness.sent) == 1


def test_a_listing_that_is_not_a_list_of_records_is_malformed():
    harness = Harness([response(200, {'phone_numbers': {'+18885550100': {}}, 'pagination': {}})])
    with pytest.raises(ApiError) as caught:
        list(harness.client.iter_phone_numbers())
    assert caught.value.kind == 'malformed'


# -- contradictions ---------------------------------------------------------------------------------------------

def test_a_201_holding_another_number_is_a_contradiction_that_may_have_applied():
    harness = Harness([response(201, {'phone_number': record(N2)})])
    with pytest.raises(ApiError) as caught:
        harness.client.create(N1)
    error = caught.value
    assert (error.kind, error.status, error.may_have_applied) == ('contradiction', 201, True)
    assert N1 in str(error) and N2 in str(error)


def test_a_201_holding_a_soft_deleted_record_is_a_contradiction():
    harness = Harness([response(201, {'phone_number': record(N1, '2026-01-02T00:00:00.000Z')})])
    with pytest.raises(ApiError) as caught:
        harness.client.create(N1)
    assert caught.value.kind == 'contradiction'
    assert 'soft-deleted' in str(caught.value)


def test_a_delete_answer_whose_record_is_not_soft_deleted_is_a_contradiction():
    harness = Harness([response(200, {'phone_number': record(N1)})])
    with pytest.raises(ApiError) as caught:
        harness.client.delete(N1)
    assert caught.value.kind == 'contradiction'
    assert 'not soft-deleted' in str(caught.value)
    assert caught.value.may_have_applied is True


def test_a_delete_answer_about_another_number_is_a_contradiction():
    harness = Harness([response(200, {'phone_number': record(N2, '2026-01-02T00:00:00.000Z')})])
    with pytest.raises(ApiError) as caught:
        harness.client.delete(N1)
    assert caught.value.kind == 'contradiction'


def test_a_get_answering_with_another_number_is_a_contradiction():
    harness = Harness([response(200, {'phone_number': record(N2)})])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert caught.value.kind == 'contradiction'
    assert caught.value.may_have_applied is False


# -- what a 404 means -------------------------------------------------------------------------------------------

def not_found(message, status=404, kind='http'):
    return ApiError('GET', '/x', message, status=status, kind=kind, api_message=message)


CONTRACT = 'Not Found - the requested phone number, +18885550100, is not in the system'


@pytest.mark.parametrize('error, expected', [
    (not_found(CONTRACT), True),
    (not_found('Not Found - the requested phone number, +1 888-555-0100, is not in the system'), True),
    (not_found('Not Found - the requested phone number is not in the system'), True),
    (not_found(CONTRACT.replace('+18885550100', '+18885550101')), False),
    (not_found('Not Found'), False),
    (not_found(None), False),
    (not_found(CONTRACT, status=410), False),
    (not_found(CONTRACT, kind='version'), False),
])
def test_is_not_found_only_for_the_apis_own_answer_about_that_number(error, expected):
    harness = Harness([])  # no request: the 2022-08-01 text decides by itself
    assert harness.client.is_not_found(error, N1) is expected


GENERIC = examples.NOT_FOUND_404_TEXT


def test_the_2022_05_01_generic_404_means_absent_once_the_phone_number_routes_answer():
    listing = response(200, {'phone_numbers': [], 'page': {'count': 0, 'next': None}})
    harness = Harness([response(404, raw=GENERIC, content_type='text/html'), listing,
                       response(404, raw=GENERIC, content_type='text/html')], api_version='2022-05-01')
    assert harness.client.get(N1) is None
    assert harness.client.get(N2) is None
    # One probe of the listing for the whole client, not one per number.
    assert [s.method + ' ' + s.path for s in harness.sent] == [
        'GET /sms/2022-05-01/phone_numbers/%2B18885550100', 'GET /sms/2022-05-01/phone_numbers',
        'GET /sms/2022-05-01/phone_numbers/%2B18885550101']


def test_the_generic_404_is_an_error_when_the_phone_number_routes_do_not_answer():
    # A server (or a wrong URL) answering the generic text for every path: no number is "absent" there.
    harness = Harness(handler=lambda sent: response(404, raw=GENERIC, content_type='text/html'),
                      api_version='2022-05-01')
    with pytest.raises(ApiError) as caught:
        harness.client.delete(N1)
    assert caught.value.status == 404


@pytest.mark.parametrize('answer', [
    response(404, {'message': 'Not Found'}),
    response(404, raw='<html><head><title>404 Not Found</title></head><body>nginx</body></html>',
             content_type='text/html'),
    response(404, {'message': CONTRACT.replace('+18885550100', '+18885550101')}),
])
@pytest.mark.parametrize('call', ['get', 'delete'])
def test_a_404_that_is_not_the_apis_answer_about_the_number_is_an_error(answer, call):
    # e.g. a wrong api_url: "state: absent" must fail, not report the number absent.
    harness = Harness([answer])
    with pytest.raises(ApiError) as caught:
        getattr(harness.client, call)(N1)
    assert (caught.value.status, caught.value.kind) == (404, 'http')


def test_a_404_in_the_apis_words_after_a_redirect_is_not_absent():
    error = ApiError('GET', '/x', CONTRACT, status=404, api_message=CONTRACT,
                     redirected_to='https://other.example.test/x')
    assert Harness([]).client.is_not_found(error, N1) is False


@pytest.mark.parametrize('target', ['https://other.example.test/moved', '/sms/2022-08-01/elsewhere'])
def test_a_redirected_get_answered_404_in_the_apis_words_is_an_error_naming_the_redirect(target):
    # Where a redirect led, the answer is not the API's about this number: "state: absent" must not trust it.
    harness = Harness([response(302, raw='', headers={'Location': target}), response(404, {'message': CONTRACT})])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    error = caught.value
    assert (error.status, error.kind) == (404, 'http')
    assert error.redirected_to and error.redirected_to.endswith(target.split('example.test')[-1])
    assert 'after a redirect from' in str(error) and error.redirected_to in str(error)
    assert len(harness.sent) == 2


def test_a_404_for_every_path_makes_a_get_fail_rather_than_report_absent():
    harness = Harness(handler=lambda sent: response(404, {'message': 'Not Found'}))
    for number in (N1, N2):
        with pytest.raises(ApiError):
            harness.client.get(number)
