# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import (
    EXAMPLE,
    InvalidPhoneNumber,
    is_active,
    normalize_phone_number,
    normalize_phone_numbers,
    normalize_server_number,
)

E164_ASCII = re.compile(r'\+[1-9][0-9]{6,14}', re.ASCII)


# -- normalisation ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('written', [
    '+18885550100',
    '+1 888 555 0100',
    '+1-888-555-0100',
    '+1.888.555.0100',
    '+1 (888) 555-0100',
    '(+1) 888.555-0100',
    ' +18885550100 ',
    '+1  888--555..0100',
])
def test_separators_are_dropped(written):
    assert normalize_phone_number(written) == '+18885550100'


def test_the_documented_example_is_valid():
    assert normalize_phone_number(EXAMPLE) == EXAMPLE


# -- length and form --------------------------------------------------------------------------------------------

@pytest.mark.parametrize('number', [
    '+1234567',              # 7 digits after "+": the shortest accepted
    '+123456789012345',      # 15 digits: the longest E.164 allows
    '+442079460000',
    '+918885550100',
])
def test_valid_numbers_are_returned_unchanged(number):
    assert normalize_phone_number(number) == number


@pytest.mark.parametrize('value', [
    '+123456',                              # 6 digits: too short
    '+1234567890123456',                    # 16 digits: too long
    '18885550100',                          # no "+"
    '+08885550100',                         # country code starting with 0
    '+',
    '',
    ' ',
    '+1888555O100',                         # letter O, not zero
    '+1 888 CALL NOW',
    '+١٢٠٢٥٥٥٠١٠٠',                         # Arabic-Indic digits
    '＋１２０２５５５０１００',                     # full-width plus and digits
    '+１２０２５５５０１００',                      # ASCII plus, full-width digits
    '+18885550100\n',                       # a trailing newline must not pass ($ matches before it)
    '+18885550100\r\n',
    '+1888555\n0100',
    '+1888\t5550100',
    '+18885550100\t',
    '\t+18885550100',
    '+1888/5550100',
    '+1888?5550100',
    '+1888#5550100',
    '+1888%2F5550100',
    '+18885550100/..',
    '../+18885550100',
    '+1888..',
    '++18885550100',
    '+1888+5550100',
    '+1_888_555_0100',
    '+18885550100\x00',
])
def test_invalid_strings_are_refused_with_the_value_and_an_example(value):
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize_phone_number(value)
    message = str(caught.value)
    assert repr(value) in message
    assert EXAMPLE in message


@pytest.mark.parametrize('value', [18885550100, 1.5, None, True, ['+18885550100'], {'phone_number': '+18885550100'},
                                   b'+18885550100', ('+18885550100',)])
def test_non_strings_are_refused_naming_their_type(value):
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize_phone_number(value)
    message = str(caught.value)
    assert repr(value) in message
    assert type(value).__name__ in message
    assert EXAMPLE in message


def test_invalid_phone_number_is_a_value_error():
    # Callers (the query module) catch ValueError.
    assert issubclass(InvalidPhoneNumber, ValueError)


# -- lists ------------------------------------------------------------------------------------------------------

def test_list_is_normalised_and_deduplicated_keeping_first_occurrence_order():
    values = ['+1 888 555 0102', '+18885550100', '+1-888-555-0102', '+1 (888) 555-0101', '+18885550100']
    assert normalize_phone_numbers(values) == ['+18885550102', '+18885550100', '+18885550101']


def test_empty_list_gives_empty_list():
    assert normalize_phone_numbers([]) == []


def test_list_with_bad_members_names_every_bad_member_in_one_error():
    values = ['+18885550100', 'nope', '+18885550101', 12345, '+0123456789', None]
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize_phone_numbers(values)
    message = str(caught.value)
    for bad in ('nope', 12345, '+0123456789', None):
        assert repr(bad) in message
    # The good members are not reported as problems.
    assert "'+18885550100'" not in message
    assert "'+18885550101'" not in message


def test_list_with_one_bad_member_returns_nothing():
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone_numbers(['+18885550100', '+1888555010x'])


# -- is_active --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('record, active', [
    ({'phone_number': '+18885550100', 'deleted_at': None}, True),
    ({'phone_number': '+18885550100'}, True),
    ({'phone_number': '+18885550100', 'deleted_at': '2022-04-14T20:30:12.000Z'}, False),
])
def test_is_active_means_not_soft_deleted(record, active):
    assert is_active(record) is active


# -- properties -------------------------------------------------------------------------------------------------

PHONE_ALPHABET = st.sampled_from(list('+0123456789 ().-\t\n\r/?#%') + ['١', '２', '＋', '\u00a0', '\u2028', 'e'])
ANY_TEXT = st.text() | st.text(alphabet=PHONE_ALPHABET, max_size=25)


@given(ANY_TEXT)
@example('+18885550100\n')
@example('+١٢٠٢٥٥٥٠١٠٠')
def test_any_text_gives_an_ascii_e164_number_or_invalid_phone_number(text):
    try:
        result = normalize_phone_number(text)
    except InvalidPhoneNumber as exc:
        assert repr(text) in str(exc)
        return
    assert E164_ASCII.fullmatch(result), result
    assert result.isascii()


@given(ANY_TEXT)
def test_normalisation_is_idempotent(text):
    try:
        once = normalize_phone_number(text)
    except InvalidPhoneNumber:
        return
    assert normalize_phone_number(once) == once


@st.composite
def numbers_with_separators(draw):
    country_first = draw(st.sampled_from('123456789'))
    rest = draw(st.text(alphabet='0123456789', min_size=6, max_size=14))
    number = '+' + country_first + rest
    chars = list(number)
    written = []
    for char in chars:
        written.append(draw(st.text(alphabet=' ().-', max_size=3)))
        written.append(char)
    written.append(draw(st.text(alphabet=' ().-', max_size=3)))
    return number, ''.join(written)


@given(numbers_with_separators())
def test_valid_number_with_separators_anywhere_normalises_to_the_number(case):
    number, written = case
    assert normalize_phone_number(written) == number


@given(st.lists(numbers_with_separators(), max_size=8))
def test_list_result_is_the_distinct_numbers_in_first_seen_order(cases):
    expected = []
    for number, dummy in cases:
        if number not in expected:
            expected.append(number)
    assert normalize_phone_numbers([written for dummy, written in cases]) == expected


def test_several_bad_members_are_named_once_each_and_the_form_explained_once():
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize_phone_numbers(['+18885550100', 'call me', '+0123', 'call me', '+0123', 'n/a'])
    message = str(caught.value)
    for bad in ("'call me'", "'+0123'", "'n/a'"):
        assert message.count(bad) == 1, message
    assert message.count('such as +18885550100') == 1, message
    assert message.startswith('3 phone numbers are not valid E.164 numbers')


@pytest.mark.parametrize('value', [18885550100, 15550001234])
def test_a_yaml_integer_is_explained_as_a_quoting_problem(value):
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize_phone_number(value)
    message = str(caught.value)
    assert 'YAML read this as a number; quote it' in message
    assert '"+%d"' % value in message
    assert 'expected +' not in message


def test_a_list_of_yaml_integers_and_bad_strings_explains_each_kind_once():
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize_phone_numbers([15550001234, 'call me', 15550001235, 15550001234, '+18885550102'])
    message = str(caught.value)
    assert message.count('15550001234') == 2, message  # the value, and the quoted example of the fix
    assert message.count('15550001235') == 1, message
    assert message.count("'call me'") == 1
    assert 'quote them' in message and message.count('such as +18885550100') == 1


# -- numbers as a server writes them ------------------------------------------------------------------------------

@pytest.mark.parametrize('written, number', [
    ('+18885550100', '+18885550100'),       # as nearly every listed record writes it
    ('18885550100', '+18885550100'),        # without its "+": read as E.164, not refused
    (' +1 (888) 555-0100 ', '+18885550100'),
    ('1 888 555 0100', '+18885550100'),
])
def test_server_numbers_are_read_as_e164(written, number):
    assert normalize_server_number(written) == number


@pytest.mark.parametrize('written', ['+08885550100', '+1888555010x', '', '+\u0661\u0662\u0663\u0664\u0665\u0666\u0667', 18885550100, None])
def test_server_numbers_that_are_not_e164_are_refused(written):
    with pytest.raises(InvalidPhoneNumber):
        normalize_server_number(written)
