# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_phone_numbers/client.py: get, create, delete and count of phone numbers, and
the paths they build. Server data checked before it drives a write is in test_client_server_data.py, fuzzing in
test_client_fuzz.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import InvalidPhoneNumber
from ansible_collections.invoca.messaging.tests.unit import api_examples as examples
from ansible_collections.invoca.messaging.tests.unit.fakes import API_URL, N1, N2, N3, Harness, response


MEMBER = '/sms/2022-08-01/phone_numbers/%2B18885550100'


COLLECTION = '/sms/2022-08-01/phone_numbers'


def version_404(versions='2022-05-01, 2022-08-01'):
    message = ("Not Found - the request '/sms/2021-01-01/phone_numbers/+18885550100' did not include a valid version. "
               "The request path must start with '/sms/YYYY-MM-DD'. Available versions are: %s." % versions)
    return response(404, {'message': message})


# -- URLs -------------------------------------------------------------------------------------------------------

def test_member_url_encodes_the_plus_of_the_number():
    harness = Harness([response(200, examples.GET_200)])
    harness.client.get(N1)
    assert harness.sent[0].url == API_URL + MEMBER


@pytest.mark.parametrize('value', ['../count?x=1#y', '', 'count', '..', '+1888/5550100', '18885550100', ' +18885550100'])
def test_phone_number_client_builds_no_path_from_a_value_that_is_not_e164(value):
    # The phone-number client refuses before sending, rather than trusting the encoding alone.
    harness = Harness([])
    for call in (harness.client.get, harness.client.create, harness.client.delete):
        with pytest.raises(InvalidPhoneNumber):
            call(value)
    assert harness.sent == []


# -- get --------------------------------------------------------------------------------------------------------

def test_get_returns_the_record():
    harness = Harness([response(200, examples.GET_200)])
    assert harness.client.get(N1) == examples.GET_200['phone_number']
    assert harness.calls() == [('GET', MEMBER, '')]


def test_get_of_an_unknown_number_returns_none():
    harness = Harness([response(404, examples.GET_404)])
    assert harness.client.get(N1) is None


def test_the_2022_05_01_generic_not_found_body_is_an_error_where_the_listing_does_not_answer():
    # That text is the same for an unknown route as for an unknown number (see the reference's notes), so it
    # proves the number absent only on a server whose phone-number listing answers; here it does not.
    harness = Harness([response(404, raw=examples.NOT_FOUND_404_TEXT, content_type='text/html'),
                       response(404, raw=examples.NOT_FOUND_404_TEXT, content_type='text/html')])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert (caught.value.status, caught.value.kind) == (404, 'http')
    assert 'object identifier being unknown' in str(caught.value)


def test_get_returns_soft_deleted_records_too():
    harness = Harness([response(200, examples.DELETE_200)])
    assert harness.client.get(N1)['deleted_at'] == '2022-04-14T20:30:12.000Z'


def test_get_raises_on_422():
    harness = Harness([response(422, examples.GET_422)])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert caught.value.status == 422


def test_get_raises_the_version_error_instead_of_reporting_the_number_absent():
    harness = Harness([version_404()])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert caught.value.kind == 'version'


@pytest.mark.parametrize('raw, content_type', [
    ('<html><h1>404 Not Found</h1></html>', 'text/html'),
    ('', 'text/plain'),
    ('{}', 'application/json'),
])
def test_404_without_an_api_message_is_an_error_not_absent(raw, content_type):
    # A proxy's or load balancer's 404 says nothing about the number.
    harness = Harness([response(404, raw=raw, content_type=content_type)])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert caught.value.status == 404
    assert caught.value.kind == 'http'


# -- create -----------------------------------------------------------------------------------------------------

def test_create_posts_to_the_member_route_and_returns_the_record():
    harness = Harness([response(201, examples.CREATE_201)])
    assert harness.client.create(N1) == (examples.CREATE_201['phone_number'], True)
    assert harness.calls() == [('POST', MEMBER, '')]
    assert harness.sent[0].json is None


def test_create_of_an_existing_number_is_not_created_and_not_an_error():
    harness = Harness([response(409, examples.CREATE_409)])
    assert harness.client.create(N1) == (None, False)


@pytest.mark.parametrize('status, raw', [(204, ''), (200, '{}'), (201, '{}')])
def test_create_answered_with_a_documented_empty_answer_is_created(status, raw):
    # 204 No Content, and {} as the 2022-05-01 create documents.
    harness = Harness([response(status, raw=raw)])
    assert harness.client.create(N1) == (None, True)


@pytest.mark.parametrize('status, raw', [(201, ''), (200, '  ')])
def test_create_answered_200_or_201_with_an_empty_body_is_not_proof_of_creation(status, raw):
    harness = Harness([response(status, raw=raw)])
    with pytest.raises(ApiError) as caught:
        harness.client.create(N1)
    assert caught.value.kind == 'malformed'
    assert 'empty body' in str(caught.value)


@pytest.mark.parametrize('status', [400, 401, 403, 422, 500])
def test_create_raises_on_other_errors(status):
    # max_retries=0: a 500 is retried (a create is safe to resend); here only the error matters.
    harness = Harness([response(status, {'message': 'no'})], max_retries=0)
    with pytest.raises(ApiError) as caught:
        harness.client.create(N1)
    assert caught.value.status == status
    assert len(harness.sent) == 1


@pytest.mark.parametrize('missing_route', [
    response(404, {'message': 'Not Found — The request could not be completed due the requested object identifier '
                              'being unknown to SMS Messaging.'}),
    response(405, raw=''),
])
def test_create_falls_back_to_the_collection_route_and_keeps_using_it(missing_route):
    harness = Harness([missing_route, response(201, examples.CREATE_2022_05_01_201),
                       response(200, examples.CREATE_2022_05_01_200), response(409, raw='')])
    # The published 201 holds +12047147205: it is created here, as a 201 holding another number is a contradiction.
    published = examples.CREATE_2022_05_01_201['phone_number']['phone_number']
    assert harness.client.create(published) == (examples.CREATE_2022_05_01_201['phone_number'], True)
    assert harness.client.create(N2) == (None, True)
    assert harness.client.create(N3) == (None, False)
    assert [(s.method, s.path, s.json) for s in harness.sent] == [
        ('POST', COLLECTION + '/%2B12047147205', None),
        ('POST', COLLECTION, {'phone_number': published}),
        ('POST', COLLECTION, {'phone_number': N2}),
        ('POST', COLLECTION, {'phone_number': N3}),
    ]


def test_create_version_404_does_not_trigger_the_fallback():
    harness = Harness([version_404()])
    with pytest.raises(ApiError) as caught:
        harness.client.create(N1)
    assert caught.value.kind == 'version'
    assert len(harness.sent) == 1


def test_create_fallback_route_errors_are_raised():
    harness = Harness([response(405, raw=''), response(422, examples.GET_422)])
    with pytest.raises(ApiError) as caught:
        harness.client.create(N1)
    assert (caught.value.status, caught.value.path) == (422, COLLECTION)


def test_create_with_an_unreadable_success_body_is_malformed():
    harness = Harness([response(201, raw='<html>created</html>', content_type='text/html')])
    with pytest.raises(ApiError) as caught:
        harness.client.create(N1)
    assert caught.value.kind == 'malformed'
    assert caught.value.status == 201


# -- delete -----------------------------------------------------------------------------------------------------

def test_delete_returns_the_soft_deleted_record():
    harness = Harness([response(200, examples.DELETE_200)])
    assert harness.client.delete(N1) == (examples.DELETE_200['phone_number'], True)
    assert harness.calls() == [('DELETE', MEMBER, '')]


@pytest.mark.parametrize('status, raw', [(204, ''), (202, '{}'), (200, '{}')])
def test_delete_answered_without_a_record_is_deleted(status, raw):
    harness = Harness([response(status, raw=raw)])
    assert harness.client.delete(N1) == (None, True)


def test_delete_of_an_unknown_number_is_not_deleted_and_not_an_error():
    harness = Harness([response(404, examples.DELETE_404)])
    assert harness.client.delete(N1) == (None, False)


@pytest.mark.parametrize('answer', [
    response(403, examples.FORBIDDEN_403),
    response(422, examples.GET_422),
    response(404, raw='<html>nginx</html>', content_type='text/html'),
])
def test_delete_raises_on_other_errors(answer):
    harness = Harness([answer])
    with pytest.raises(ApiError):
        harness.client.delete(N1)


def test_delete_version_404_raises():
    harness = Harness([version_404()])
    with pytest.raises(ApiError) as caught:
        harness.client.delete(N1)
    assert caught.value.kind == 'version'


# count: the count endpoint, and its fallback to the listing.
COUNT = '/sms/2022-08-01/phone_numbers/count'


# Every listing and count carries an all-time created_at bound (the overview says lists default to today).
ALL_TIME = 'created_at[gte]=1970-01-01T00:00:00.000Z&'


def number(i):
    return '+1888555%04d' % i


def records(*indexes):
    return [{'phone_number': number(i), 'created_at': '2022-01-31T23:49:0%dZ' % (i % 10), 'deleted_at': None}
            for i in indexes]


# -- count ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('body, expected', [
    ({'count': 42}, 42),
    (42, 42),
    (0, 0),
    ({'phone_numbers': {'count': 7}}, 7),
    ({'phone_numbers_count': 8}, 8),
    ({'total': 9}, 9),
    ({'pagination': {'count': 11}}, 11),
])
def test_count_reads_the_count_endpoint(body, expected):
    harness = Harness([response(200, body)])
    assert harness.client.count([('deleted_at[empty]', None)]) == expected
    assert harness.calls() == [('GET', COUNT, ALL_TIME + 'deleted_at[empty]')]


@pytest.mark.parametrize('status, raw', [
    (404, '{"message": "Not Found - the requested phone number, count, is not in the system"}'),
    (405, ''),
    (422, '{"message": "Unprocessable Entity - the requested phone number is not valid"}'),
    (404, '<html>Not Found</html>'),
])
def test_count_falls_back_to_the_listing_count(status, raw):
    listing = copy.deepcopy(examples.LIST_2022_08_01_FIRST_PAGE)
    harness = Harness([response(status, raw=raw), response(200, listing)])
    assert harness.client.count([('created_at[gte]', '2022-01-01')]) == 7
    assert harness.calls() == [('GET', COUNT, 'created_at[gte]=2022-01-01'),
                               ('GET', COLLECTION, 'created_at[gte]=2022-01-01&limit=1')]


def test_count_fallback_reads_the_2022_05_01_page_count():
    harness = Harness([response(404, {'message': 'Not Found'}), response(200, examples.LIST_2022_05_01_SINGLE_PAGE)],
                      api_version='2022-05-01')
    assert harness.client.count() == 5


def test_count_fallback_of_an_empty_network_without_pagination_is_zero():
    harness = Harness([response(405, raw=''), response(200, {'phone_numbers': []})])
    assert harness.client.count() == 0


def test_count_fallback_with_records_but_no_count_is_malformed():
    harness = Harness([response(405, raw=''), response(200, {'phone_numbers': records(1)})])
    with pytest.raises(ApiError) as caught:
        harness.client.count()
    assert caught.value.kind == 'malformed'


@pytest.mark.parametrize('body', [{'count': 'many'}, {'count': True}, {'count': -1}, {'count': 2.5}, True])
def test_count_answered_200_without_a_readable_count_is_malformed(body):
    # The fallback to the listing is for servers without the count route (404/405/422), not for bad answers.
    harness = Harness([response(200, body), response(200, {'phone_numbers': [], 'pagination': {'count': 3}})])
    with pytest.raises(ApiError) as caught:
        harness.client.count()
    assert caught.value.kind == 'malformed'
    assert len(harness.sent) == 1


def test_count_version_404_raises_without_fallback():
    message = ("Not Found - the request '/sms/2021-01-01/phone_numbers/count' did not include a valid version. "
               "The request path must start with '/sms/YYYY-MM-DD'. Available versions are: 2022-05-01, 2022-08-01.")
    harness = Harness([response(404, {'message': message})], api_version='2021-01-01')
    with pytest.raises(ApiError) as caught:
        harness.client.count()
    assert caught.value.kind == 'version'
    assert len(harness.sent) == 1


@pytest.mark.parametrize('status', [401, 403, 500])
def test_count_other_errors_raise_without_fallback(status):
    harness = Harness([response(status, {'message': 'no'})], max_retries=0)
    with pytest.raises(ApiError) as caught:
        harness.client.count()
    assert caught.value.status == status
    assert len(harness.sent) == 1


def test_count_fallback_error_raises():
    harness = Harness([response(405, raw=''), response(403, examples.FORBIDDEN_403)])
    with pytest.raises(ApiError) as caught:
        harness.client.count()
    assert (caught.value.status, caught.value.path) == (403, COLLECTION)
