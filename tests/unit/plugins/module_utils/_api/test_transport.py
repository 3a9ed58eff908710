# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_api/transport.py: the session it configures, the paths and queries it builds,
the token on every request and nowhere else, errors from statuses, and redirects."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.transport import MAX_REDIRECTS, Transport
from ansible_collections.invoca.messaging.plugins.module_utils._sms_module import describe_api_error
from ansible_collections.invoca.messaging.tests.unit import api_examples as examples
from ansible_collections.invoca.messaging.tests.unit.fakes import API_URL, N1, TOKEN, Harness, response


MEMBER = '/sms/2022-08-01/phone_numbers/%2B18885550100'


COLLECTION = '/sms/2022-08-01/phone_numbers'


def version_404(versions='2022-05-01, 2022-08-01'):
    message = ("Not Found - the request '/sms/2021-01-01/phone_numbers/+18885550100' did not include a valid version. "
               "The request path must start with '/sms/YYYY-MM-DD'. Available versions are: %s." % versions)
    return response(404, {'message': message})


def test_client_configures_the_session_it_is_given(tmp_path):
    # ca_path must exist now (a missing one is refused up front), so the test gives a real file.
    ca_file = tmp_path / 'my-ca.pem'
    ca_file.write_text('not checked here')
    harness = Harness([response(200, examples.GET_200)], timeout=7, ca_path=str(ca_file))
    harness.client.get(N1)
    sent = harness.sent[0]
    # The whole request's timeout, less the moment spent before the exchange began.
    assert 6.5 < sent.timeout <= 7
    assert sent.verify == str(ca_file)
    assert harness.session.headers['Accept'] == 'application/json'
    assert harness.session.headers['User-Agent'].startswith('invoca.messaging-ansible/')


def test_user_agent_carries_the_version_of_galaxy_yml():
    # The client cannot read galaxy.yml at run time, so its copy of the version is checked here.
    galaxy_yml = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..', 'galaxy.yml')
    with open(galaxy_yml, encoding='utf-8') as handle:
        version = re.search(r'^version: *(\S+)', handle.read(), re.MULTILINE).group(1)
    harness = Harness([])
    assert harness.session.headers['User-Agent'] == 'invoca.messaging-ansible/%s' % version


@pytest.mark.parametrize('validate_certs, verify', [(True, True), (False, False)])
def test_validate_certs_is_passed_as_verify(validate_certs, verify):
    harness = Harness([response(200, examples.GET_200)], validate_certs=validate_certs)
    harness.client.get(N1)
    assert harness.sent[0].verify is verify


def test_close_closes_the_session():
    harness = Harness()
    harness.client.close()
    assert harness.session.closed


def test_client_without_a_session_builds_one_with_a_pool_of_the_asked_size():
    client = Transport(api_token=TOKEN, pool_size=6)
    try:
        adapter = client._session.get_adapter('https://messaging.invoca.net/')
        assert adapter._pool_maxsize == 6
        assert adapter.max_retries.total == 0  # retries are the client's, not urllib3's
    finally:
        client.close()


def test_trailing_slash_in_api_url_gives_no_double_slash():
    harness = Harness([response(200, examples.GET_200)], api_url=API_URL + '/')
    harness.client.get(N1)
    assert harness.sent[0].url == API_URL + MEMBER


def test_path_prefix_in_api_url_is_kept():
    harness = Harness([response(200, examples.GET_200)], api_url='https://gw.example.com/invoca/')
    harness.client.get(N1)
    assert harness.sent[0].url == 'https://gw.example.com/invoca' + MEMBER


def test_api_version_is_the_path_prefix():
    harness = Harness([response(200, examples.GET_200)], api_version='2022-05-01')
    harness.client.get(N1)
    assert harness.sent[0].url == API_URL + '/sms/2022-05-01/phone_numbers/%2B18885550100'


def test_path_segments_are_fully_encoded():
    # Whatever the caller passes stays one path segment: no "/" or ".." can climb out of /phone_numbers/.
    harness = Harness([])
    assert harness.transport.path('phone_numbers', '../count?x=1#y') == COLLECTION + '/..%2Fcount%3Fx%3D1%23y'


def test_query_reaches_the_wire_encoded():
    harness = Harness([response(200, {'phone_numbers': []})])
    list(harness.client.iter_phone_numbers([('phone_number[eq]', N1), ('deleted_at[empty]', None)]))
    assert harness.sent[0].url == (API_URL + COLLECTION + '?created_at[gte]=1970-01-01T00:00:00.000Z'
                                   '&phone_number[eq]=%2B18885550100&deleted_at[empty]&limit=500')


# -- authentication and secrecy ---------------------------------------------------------------------------------

def test_every_request_carries_the_bearer_token():
    harness = Harness([response(200, examples.GET_200), response(201, examples.CREATE_201),
                       response(200, examples.DELETE_200)])
    harness.client.get(N1)
    harness.client.create(N1)
    harness.client.delete(N1)
    assert [s.headers['Authorization'] for s in harness.sent] == ['Bearer ' + TOKEN] * 3


def test_token_is_stripped_of_surrounding_whitespace():
    harness = Harness([response(200, examples.GET_200)], api_token='  %s\n' % TOKEN)
    harness.client.get(N1)
    assert harness.sent[0].headers['Authorization'] == 'Bearer ' + TOKEN


def test_token_is_sent_per_request_not_as_session_auth_or_a_default_header():
    # Redirects are followed by hand, and the token is added per request for the configured origin only: a
    # session-wide default or auth could travel with a redirect to another host.
    harness = Harness([response(200, examples.GET_200)])
    assert 'Authorization' not in harness.session.headers
    assert harness.session.auth is None
    harness.client.get(N1)
    assert harness.sent[0].headers['Authorization'] == 'Bearer ' + TOKEN


def test_repr_of_auth_and_client_never_shows_the_token():
    harness = Harness()
    assert TOKEN not in repr(harness.session.auth)
    assert TOKEN not in str(harness.session.auth)
    assert TOKEN not in repr(harness.client)


@pytest.mark.parametrize('status, body', [(401, {'message': 'Unauthorized'}), (403, examples.FORBIDDEN_403),
                                          (500, {'message': 'divided by 0'})])
def test_api_errors_never_show_the_token(status, body):
    harness = Harness([response(status, body)], max_retries=0)
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    error = caught.value
    assert TOKEN not in repr(error)
    assert TOKEN not in str(error)
    assert TOKEN not in repr(error.to_dict())


# -- error decoding ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize('status, raw, api_message', [
    (401, examples.UNAUTHORIZED_401_TEXT,
     'Unauthorized — Missing or malformed authorization request header for any SMS Messaging API contract.'),
    (403, examples.FORBIDDEN_403_TEXT, 'Forbidden'),
    (422, '{"message": "Unprocessable Entity - the requested phone number is not valid"}',
     'Unprocessable Entity - the requested phone number is not valid'),
    (500, examples.SERVER_ERROR_500_TEXT, 'divided by 0'),
])
def test_error_statuses_raise_api_error_with_method_path_status_and_message(status, raw, api_message):
    # The 2022-05-01 schema labels these JSON bodies text/html: the body decides, not the header.
    # max_retries=0: a 500 is retried for phone-number operations, and this test is about the error's content.
    harness = Harness([response(status, raw=raw, content_type='text/html')], max_retries=0)
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    error = caught.value
    # The path as a person writes it (+, not %2B), in the error and in what the module returns.
    readable = '/sms/2022-08-01/phone_numbers/+18885550100'
    assert (error.method, error.path, error.status, error.kind) == ('GET', readable, status, 'http')
    assert error.api_message == api_message
    assert api_message in str(error)
    assert 'GET %s answered HTTP %d' % (readable, status) in str(error)
    assert error.to_dict() == {'method': 'GET', 'path': readable, 'status': status, 'kind': 'http',
                               'message': api_message}


def test_errors_list_is_kept_and_summarised():
    harness = Harness([response(422, raw=examples.UNPROCESSABLE_422_TEXT, content_type='text/html')])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    error = caught.value
    assert error.errors == [{'resource': 'Message', 'field': 'virtual_line_id', 'code': 'invalid'}]
    assert error.api_message == 'Validation failed'
    assert 'Validation failed (Message virtual_line_id invalid)' in str(error)


def test_404_naming_the_versions_is_a_version_error_with_the_versions_listed():
    harness = Harness([version_404()], api_version='2021-01-01')
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    error = caught.value
    assert error.kind == 'version'
    assert error.status == 404
    assert error.available_versions == ['2022-05-01', '2022-08-01']


def test_published_no_version_404_is_recognised():
    harness = Harness([response(404, examples.NO_VERSION_404)])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert caught.value.kind == 'version'
    assert caught.value.available_versions == ['2022-05-01']


# Redirects: a write is never redirected, a read follows at most 5 on the same origin, the token never leaves it.
PATH = '/sms/2022-08-01/messages'


OK = {'ok': True}


# -- redirects --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('method', ['POST', 'DELETE', 'PUT'])
@pytest.mark.parametrize('status', [301, 302, 303, 307, 308])
def test_a_write_answered_with_a_redirect_fails_naming_the_target_and_is_not_resent(method, status):
    harness = Harness([response(status, raw='', headers={'Location': 'https://elsewhere.example.test/x'})])
    with pytest.raises(ApiError) as caught:
        harness.transport.request(method, PATH)
    error = caught.value
    assert (error.kind, error.status, error.may_have_applied) == ('redirect', status, False)
    assert 'https://elsewhere.example.test/x' in str(error)
    assert 'redirect' in str(error)
    assert len(harness.sent) == 1


def test_a_write_redirect_with_a_malformed_location_still_fails_cleanly():
    harness = Harness([response(307, raw='', headers={'Location': 'http://[::1'})])
    with pytest.raises(ApiError) as caught:
        harness.transport.request('POST', PATH)
    assert caught.value.kind == 'redirect'
    assert "'http://[::1'" in str(caught.value)


def test_a_read_follows_a_redirect_on_the_same_origin_with_the_token():
    harness = Harness([response(302, raw='', headers={'Location': '/moved'}), response(200, OK)])
    answer = harness.transport.request('GET', PATH)
    assert answer.status == 200
    assert [s.url for s in harness.sent] == [API_URL + PATH, API_URL + '/moved']
    assert [s.headers.get('Authorization') for s in harness.sent] == ['Bearer ' + TOKEN] * 2
    assert answer.redirected_from == API_URL + PATH


@pytest.mark.parametrize('target', ['https://other.example.test/x', 'http://messaging.example.test/x',
                                    'https://messaging.example.test:8443/x'])
def test_a_read_redirected_to_another_origin_does_not_carry_the_token(target):
    harness = Harness([response(302, raw='', headers={'Location': target}), response(200, OK)])
    assert harness.transport.request('GET', PATH).status == 200
    assert harness.sent[1].url == target
    assert 'Authorization' not in harness.sent[1].headers


def test_an_error_after_a_redirect_names_the_redirect():
    harness = Harness([response(302, raw='', headers={'Location': 'https://other.example.test/x'}),
                       response(401, {'message': 'Unauthorized'})])
    answer = harness.transport.request('GET', PATH)
    error = harness.transport.error('GET', PATH, answer)
    assert error.redirected_to == 'https://other.example.test/x'
    assert 'after a redirect from %s to https://other.example.test/x' % (API_URL + PATH) in str(error)


def test_reads_follow_at_most_5_redirects():
    hops = [response(302, raw='', headers={'Location': '/hop%d' % i}) for i in range(MAX_REDIRECTS + 1)]
    harness = Harness(hops, max_retries=0)
    with pytest.raises(ApiError) as caught:
        harness.transport.request('GET', PATH)
    assert caught.value.kind == 'malformed'
    assert 'more than %d redirects' % MAX_REDIRECTS in str(caught.value)
    assert len(harness.sent) == MAX_REDIRECTS + 1


def test_the_token_in_a_redirect_target_is_redacted():
    harness = Harness([response(307, raw='', headers={'Location': 'https://evil.example.test/?t=' + TOKEN})])
    with pytest.raises(ApiError) as caught:
        harness.transport.request('POST', PATH)
    assert TOKEN not in str(caught.value)
    assert TOKEN[:8] not in str(caught.value)


def test_a_401_after_a_redirect_to_another_origin_does_not_blame_the_token():
    params = {'api_url': API_URL, 'api_version': '2022-08-01'}
    harness = Harness([response(302, raw='', headers={'Location': 'https://other.example.test/x'}),
                       response(401, {'message': 'Unauthorized'})])
    error = harness.transport.error('GET', PATH, harness.transport.request('GET', PATH))
    message = describe_api_error(error, params)
    assert 'redirected' in message and 'https://other.example.test/x' in message
    assert 'rejected the API token' not in message
