# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Transport: the token Redactor, and settings that cannot work refused before any request (issue 8)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from urllib.parse import quote

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiConfigError
from ansible_collections.invoca.messaging.plugins.module_utils._api.redaction import REDACTED, Redactor
from ansible_collections.invoca.messaging.plugins.module_utils._api.settings import MAX_TIMEOUT
from ansible_collections.invoca.messaging.plugins.module_utils._api.transport import Transport
from ansible_collections.invoca.messaging.tests.unit.fakes import API_URL, TOKEN, FakeSession

SECRET = 'tok-S3CRET/9f2c 41d7+e8'


# -- Redactor ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('form', [
    SECRET,                          # as given
    repr(SECRET)[1:-1],              # repr-escaped
    quote(SECRET, safe=''),          # url-encoded
    json.dumps(SECRET)[1:-1],        # JSON-escaped
])
def test_redactor_removes_every_form_of_the_token(form):
    text = 'the server said: %s, and more' % form
    redacted = Redactor(SECRET).redact(text)
    assert form not in redacted
    assert REDACTED in redacted
    assert redacted.startswith('the server said: ') and redacted.endswith(', and more')


def test_redactor_removes_the_stripped_and_the_whitespace_collapsed_token():
    given = '  abc\tdef  ghi-123456 \n'
    redactor = Redactor(given)
    for form in (given.strip(), 'abc def ghi-123456', repr(given)[1:-1], repr(given.strip())[1:-1]):
        assert form not in redactor.redact('x %s y' % form), form


@pytest.mark.parametrize('start, length', [(0, 8), (3, 8), (5, 12), (13, 8)])
def test_redactor_removes_any_cut_off_piece_of_8_characters_or_more(start, length):
    piece = TOKEN[start:start + length]
    assert len(piece) == length
    redacted = Redactor(TOKEN).redact('echo: "%s..."' % piece)
    assert piece not in redacted
    assert REDACTED in redacted


def test_redactor_keeps_pieces_shorter_than_8_and_text_without_the_token():
    redactor = Redactor(TOKEN)
    assert redactor.redact('tok-S3C') == 'tok-S3C'
    assert redactor.redact('nothing secret here') == 'nothing secret here'


def test_redactor_reaches_into_dicts_and_lists_keys_included():
    data = {'msg': 'bad token %s' % TOKEN, TOKEN: [1, {'errors': ['x' + TOKEN[2:14]]}], 'n': None}
    redacted = Redactor(TOKEN).redact_data(data)
    assert TOKEN[2:10] not in json.dumps(redacted)
    assert redacted['n'] is None
    assert redacted['msg'] == 'bad token ' + REDACTED


@pytest.mark.parametrize('secret', [None, '', 42])
def test_redactor_without_a_token_changes_nothing(secret):
    assert Redactor(secret).redact('abc ' * 10) == 'abc ' * 10


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
