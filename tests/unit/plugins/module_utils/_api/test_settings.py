# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_api/settings.py: settings that cannot work (URL, version, token, timeout, CA
path) are refused before any request, in one sentence that names the option."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiConfigError
from ansible_collections.invoca.messaging.plugins.module_utils._api.settings import (
    MAX_TIMEOUT,
    validate_api_url,
    validate_api_version,
)
from ansible_collections.invoca.messaging.plugins.module_utils._api.transport import Transport
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.client import PhoneNumberClient
from ansible_collections.invoca.messaging.tests.unit import api_examples as examples
from ansible_collections.invoca.messaging.tests.unit.fakes import API_URL, N1, TOKEN, FakeSession, Harness, response


# The API URL and the API version.
MEMBER = '/sms/2022-08-01/phone_numbers/%2B18885550100'


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


# The token, the timeout and the CA path, as the Transport checks them.
# -- token validation -------------------------------------------------------------------------------------------

@pytest.mark.parametrize('token', [
    'tok-S3CRET\n9f2c41d7e8', 'tok-S3CRET\r9f2c41d7e8', 'tok-S3CRET\t9f2c41d7e8', 'tok-S3CRET\x7f9f2c41d7e8',
    'tok-S3CRET\x009f2c41d7e8',
])
def test_token_with_a_control_character_is_refused_without_showing_it(token):
    session = FakeSession()
    with pytest.raises(ApiConfigError) as caught:
        Transport(api_token=token, api_url=API_URL, session=session)
    message = str(caught.value)
    assert 'control character' in message
    assert 'S3CRET' not in message and '9f2c41d7' not in message
    assert session.sent == []


@pytest.mark.parametrize('token', ['tok-S3CRET-9f2c41d7e8\u2013x', 'tok-S3CRET-9f2c41d7e8\u4e2d', 'tok-S3CRET\x85end'])
def test_token_with_characters_that_cannot_go_in_a_header_is_refused_without_showing_it(token):
    session = FakeSession()
    with pytest.raises(ApiConfigError) as caught:
        Transport(api_token=token, api_url=API_URL, session=session)
    message = str(caught.value)
    assert 'Latin-1' in message
    assert 'S3CRET' not in message
    assert session.sent == []


# -- other settings ---------------------------------------------------------------------------------------------

def test_missing_ca_path_is_refused_naming_the_option(tmp_path):
    missing = str(tmp_path / 'nope.pem')
    with pytest.raises(ApiConfigError) as caught:
        Transport(api_token=TOKEN, api_url=API_URL, ca_path=missing, session=FakeSession())
    assert 'ca_path' in str(caught.value) and missing in str(caught.value)
    assert 'does not exist' in str(caught.value)


@pytest.mark.parametrize('timeout', [MAX_TIMEOUT + 1, 10 ** 9, float('inf'), float('nan'), 0, -5, True, '30'])
def test_timeout_outside_1_to_the_cap_is_refused(timeout):
    with pytest.raises(ApiConfigError) as caught:
        Transport(api_token=TOKEN, api_url=API_URL, timeout=timeout, session=FakeSession())
    assert 'timeout must be a number of seconds from 1 to %d' % MAX_TIMEOUT in str(caught.value)


def test_timeout_at_the_cap_is_accepted():
    assert Transport(api_token=TOKEN, api_url=API_URL, timeout=MAX_TIMEOUT, session=FakeSession()).timeout == MAX_TIMEOUT


@pytest.mark.parametrize('url', ['http://[::1', 'https://[::1:8080/', 'https://host:99999', 'https://host:port'])
def test_api_url_that_cannot_be_parsed_is_one_sentence_naming_it(url):
    with pytest.raises(ApiConfigError) as caught:
        Transport(api_token=TOKEN, api_url=url, session=FakeSession())
    message = str(caught.value)
    assert repr(url) in message
    assert 'Traceback' not in message and '\n' not in message
