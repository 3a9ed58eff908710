# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_api/redaction.py: the Redactor removes the token in every form, from text and data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from urllib.parse import quote

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.redaction import REDACTED, Redactor
from ansible_collections.invoca.messaging.tests.unit.fakes import TOKEN


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


ODD_SECRET = 'tok"Q\\u\u00e9\u2013-ZZ9'   # characters JSON escapes: a quote, a backslash, non-ASCII


@pytest.mark.parametrize('secret, shown', [
    (SECRET, SECRET[4:14]),                  # a cut-off piece
    (ODD_SECRET, ODD_SECRET),                # the whole token, escaped differently in JSON text
    (ODD_SECRET, ODD_SECRET[2:11]),          # a piece that holds the escaped characters
    ('short', 'short'),                      # a token shorter than a piece
    (SECRET, quote(SECRET, safe='')),        # the URL-encoded form
])
def test_redact_data_finds_the_token_deep_in_a_large_structure(secret, shown):
    records = [{'phone_number': '+1555%07d' % index, 'name': 'n%d' % index} for index in range(2000)]
    records[1234]['name'] = 'echo %s echo' % shown
    redacted = Redactor(secret).redact_data({'phone_numbers': records})
    assert redacted['phone_numbers'][1234]['name'] == 'echo %s echo' % REDACTED
    assert redacted['phone_numbers'][1233] == records[1233]


def test_redact_data_returns_a_structure_without_the_token_as_it_is():
    records = [{'phone_number': '+1555%07d' % index, 'tags': ('a', 'b')} for index in range(100)]
    result = {'phone_numbers': records, 'count': 100}
    assert Redactor(TOKEN).redact_data(result) is result


@pytest.mark.parametrize('unshowable', [b'bytes', {1, 2}, object()])
def test_redact_data_walks_what_json_cannot_show(unshowable):
    redacted = Redactor(TOKEN).redact_data({'msg': 'token %s' % TOKEN, 'raw': unshowable})
    assert redacted == {'msg': 'token ' + REDACTED, 'raw': unshowable}
