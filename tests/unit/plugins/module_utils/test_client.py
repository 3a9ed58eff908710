# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""PhoneNumberClient: settings, URLs, authentication, error decoding and the get/create/delete endpoints."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.conventions import encode_query
from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiConfigError, ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.settings import (
    validate_api_url,
    validate_api_version,
)
from ansible_collections.invoca.messaging.plugins.module_utils._api.transport import Transport
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.client import PhoneNumberClient
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import InvalidPhoneNumber
from ansible_collections.invoca.messaging.tests.unit import api_examples as examples
from ansible_collections.invoca.messaging.tests.unit.fakes import (
    API_URL,
    N1,
    N2,
    N3,
    TOKEN,
    FakeSession,
    Harness,
    response,
)

MEMBER = '/sms/2022-08-01/phone_numbers/%2B18885550100'
COLLECTION = '/sms/2022-08-01/phone_numbers'


def version_404(versions='2022-05-01, 2022-08-01'):
    message = ("Not Found - the request '/sms/2021-01-01/phone_numbers/+18885550100' did not include a valid version. "
               "The request path must start with '/sms/YYYY-MM-DD'. Available versions are: %s." % versions)
    return response(404, {'message': message})


# -- api_url ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('url, expected', [
    ('https://messaging.invoca.net', 'https://messaging.invoca.net'),
    ('https://messaging.invoca.net/', 'https://messaging.invoca.net'),
    ('  https://messaging.invoca.net//  ', 'https://messaging.invoca.net'),
    ('https://gateway.example.com/invoca/', 'https://gateway.example.com/invoca'),
    ('https://gateway.example.com:8443/a/b', 'https://gateway.example.com:8443/a/b'),
    ('http://127.0.0.1:8080', 'http://127.0.0.1:8080'),
    ('http://127.0.0.1', 'http://127.0.0.1'),
    ('http://[::1]:8080/', 'http://[::1]:8080'),
    ('http://localhost:3000', 'http://localhost:3000'),
    ('http://LOCALHOST:3000', 'http://LOCALHOST:3000'),
])
def test_valid_api_urls_are_accepted_without_trailing_slash(url, expected):
    assert validate_api_url(url) == expected


@pytest.mark.parametrize('url', [
    'http://messaging.invoca.net',
    'http://10.0.0.5:8080',
    'http://localhost.example.com',
    'http://[2001:db8::1]/',
])
def test_plain_http_to_another_host_is_refused_because_the_token_would_travel_in_clear(url):
    with pytest.raises(ApiConfigError) as caught:
        validate_api_url(url)
    message = str(caught.value)
    assert repr(url) in message
    assert 'clear text' in message
    assert 'https://' in message


@pytest.mark.parametrize('url', ['https://user:secret@messaging.invoca.net', 'https://user@messaging.invoca.net'])
def test_credentials_in_api_url_are_refused_without_repeating_them(url):
    with pytest.raises(ApiConfigError) as caught:
        validate_api_url(url)
    assert 'must not carry credentials' in str(caught.value)
    assert 'secret' not in str(caught.value) and 'user@' not in str(caught.value)


@pytest.mark.parametrize('url', ['https://messaging.invoca.net/?token=abc', 'https://messaging.invoca.net/#frag'])
def test_query_or_fragment_in_api_url_is_refused(url):
    with pytest.raises(ApiConfigError) as caught:
        validate_api_url(url)
    assert 'must not carry a query or a fragment' in str(caught.value)


@pytest.mark.parametrize('url', ['https://messaging.invoca.net?', 'https://messaging.invoca.net/#'])
def test_api_url_ending_in_an_empty_query_or_fragment_marker_does_not_swallow_the_api_path(url):
    # A "?" (or "#") left at the end of the URL would turn the /sms/... path appended to it into a query string
    # (or a fragment), so every request would go to the server's root. Refusing the URL or dropping the marker
    # are both fine; sending requests to the wrong resource is not.
    try:
        base = validate_api_url(url)
    except ApiConfigError:
        return
    harness = Harness([response(200, examples.GET_200)], api_url=url)
    harness.client.get(N1)
    assert harness.sent[0].path == MEMBER, 'api_url %r accepted as %r sends the request to %r' % (
        url, base, harness.sent[0].url)


@pytest.mark.parametrize('url', ['https://messaging.invoca.net/sms/2022-08-01', 'https://messaging.invoca.net/sms/2022-08-01/',
                                 'https://messaging.invoca.net/sms', 'https://gw.example.com/invoca/sms/2022-05-01'])
def test_api_url_with_the_version_path_is_refused_with_a_hint(url):
    # The documents write the base URL with /sms/<version>; appended to once more, every path would 404.
    with pytest.raises(ApiConfigError) as caught:
        validate_api_url(url)
    assert repr(url) in str(caught.value)
    assert 'api_version' in str(caught.value)


def test_api_url_whose_path_merely_starts_with_sms_is_accepted():
    assert validate_api_url('https://gw.example.com/smsgateway') == 'https://gw.example.com/smsgateway'


@pytest.mark.parametrize('url', ['', '   ', None, 42, 'messaging.invoca.net', 'ftp://messaging.invoca.net',
                                 'https://', 'https:///sms', 'not a url', 'file:///etc/passwd'])
def test_non_urls_are_refused(url):
    with pytest.raises(ApiConfigError) as caught:
        validate_api_url(url)
    assert repr(url) in str(caught.value)


# -- api_version ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('version', ['2022-08-01', '2022-05-01', '2031-12-31'])
def test_versions_of_the_date_form_are_accepted(version):
    assert validate_api_version(version) == version


@pytest.mark.parametrize('version', ['2022-8-1', 'latest', '', '2022-08-01/..', '../2022-08-01', '2022-08-01\n',
                                     '２０２２-０８-０１', '2022_08_01', None, 20220801])
def test_versions_not_of_the_date_form_are_refused(version):
    with pytest.raises(ApiConfigError) as caught:
        validate_api_version(version)
    assert repr(version) in str(caught.value)
    assert 'YYYY-MM-DD' in str(caught.value)


# -- constructor ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('kwargs, words', [
    ({'api_token': ''}, 'api_token is empty'),
    ({'api_token': '   '}, 'api_token is empty'),
    ({'api_token': None}, 'api_token is empty'),
    ({'timeout': 0}, 'timeout'),
    ({'timeout': -1}, 'timeout'),
    ({'max_retries': -1}, 'max_retries'),
    ({'api_url': 'http://example.com'}, 'clear text'),
    ({'api_version': 'v1'}, 'YYYY-MM-DD'),
])
def test_settings_that_cannot_work_are_refused_before_any_request(kwargs, words):
    session = FakeSession()
    settings = dict(api_token=TOKEN, api_url=API_URL, session=session)
    settings.update(kwargs)
    with pytest.raises(ApiConfigError) as caught:
        PhoneNumberClient(Transport(**settings))
    assert words in str(caught.value)
    assert session.sent == []


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
    galaxy_yml = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'galaxy.yml')
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


# -- URLs -------------------------------------------------------------------------------------------------------

def test_member_url_encodes_the_plus_of_the_number():
    harness = Harness([response(200, examples.GET_200)])
    harness.client.get(N1)
    assert harness.sent[0].url == API_URL + MEMBER


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


@pytest.mark.parametrize('value', ['../count?x=1#y', '', 'count', '..', '+1888/5550100', '18885550100', ' +18885550100'])
def test_phone_number_client_builds_no_path_from_a_value_that_is_not_e164(value):
    # The phone-number client refuses before sending, rather than trusting the encoding alone.
    harness = Harness([])
    for call in (harness.client.get, harness.client.create, harness.client.delete):
        with pytest.raises(InvalidPhoneNumber):
            call(value)
    assert harness.sent == []


def test_encode_query_keeps_brackets_and_encodes_values():
    assert encode_query([('phone_number[eq]', '+18885550100'), ('created_at[lte]', '2022-11-03T23:59:00.000Z'),
                         ('deleted_at[empty]', None), ('limit', 500)]) == (
        'phone_number[eq]=%2B18885550100&created_at[lte]=2022-11-03T23:59:00.000Z&deleted_at[empty]&limit=500')


def test_encode_query_values_cannot_add_parameters():
    assert encode_query([('carrier_interface[eq]', 'a&limit=1 #x/y')]) == (
        'carrier_interface[eq]=a%26limit%3D1%20%23x%2Fy')


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


@pytest.mark.parametrize('status, raw, content_type, words', [
    (200, '<html><body>Gateway login</body></html>', 'text/html', 'an HTML page (text/html): Gateway login'),
    (200, '', 'application/json', 'empty body'),
    (200, '   \n', 'application/json', 'empty body'),
    (200, b'\xff\xfe{\x00', 'application/json', 'not UTF-8'),
    (200, '{"phone_number": {"phone_number": "+1888', 'application/json', 'not JSON'),
    (200, '["+18885550100"]', 'application/json', 'unexpected shape'),
    (200, '{"phone_number": "+18885550100"}', 'application/json', 'unexpected shape'),
    (200, '{"phone_number": {"phone_number": 18885550100}}', 'application/json', 'is not an E.164 number'),
    (200, '{"phone_number": {"phone_number": "+1 888 CALL NOW"}}', 'application/json', 'is not an E.164 number'),
    (200, '{"phone_number": {"virtual_line_id": 1}}', 'application/json', 'not an object with a phone_number'),
    (200, '{"data": {"phone_number": "+18885550100"}}', 'application/json', 'unexpected shape'),
    (200, 'null', 'application/json', 'unexpected shape'),
])
def test_unreadable_200_to_get_is_a_malformed_error_naming_the_status(status, raw, content_type, words):
    harness = Harness([response(status, raw=raw, content_type=content_type)])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    error = caught.value
    assert error.kind == 'malformed'
    assert error.status == 200
    assert 'answered HTTP 200' in str(error)
    assert words in str(error)


def test_body_excerpt_in_a_malformed_error_is_short():
    harness = Harness([response(200, raw='<html>' + 'x' * 5000 + '</html>', content_type='text/html')])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert len(str(caught.value)) < 600


def test_deeply_nested_json_is_a_malformed_error_not_a_recursion_error():
    # A broken or hostile server can send nesting deeper than Python's recursion limit; json.loads then raises
    # RecursionError, which is not a ValueError.
    harness = Harness([response(200, raw='[' * 100000)])
    with pytest.raises(ApiError) as caught:
        harness.client.get(N1)
    assert caught.value.kind == 'malformed'


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
