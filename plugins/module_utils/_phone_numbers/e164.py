# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Phone numbers as the Invoca SMS Messaging API knows them: E.164 strings.

Internal use only: not a public API of the collection, and it may change in any release.

Plain Python with no Ansible import, shared by the HTTP client and the modules.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

EXAMPLE = '+18885550100'

# People paste numbers as they read them ("+1 (888) 555-0100", "+1.888.555.0100"); those separators are
# dropped. Anything else (tabs, newlines, letters, non-ASCII digits) is refused rather than guessed at,
# because a number ends up in a URL path.
_SEPARATORS = re.compile(r'[ ().-]')
# [0-9], not \d: \d also matches Arabic-Indic and full-width digits.
_E164 = re.compile(r'\+[1-9][0-9]{6,14}')


EXPECTED_FORM = ('expected "+", a country code that does not start with 0, and 7 to 15 digits in all, such as %s '
                 '(spaces, dashes, dots and parentheses are ignored)' % EXAMPLE)
# An unquoted +18885550100 is an integer to YAML (its sign is dropped): the value is right, its quoting is not.
QUOTE_IT = 'YAML read this as a number; quote it'


class InvalidPhoneNumber(ValueError):
    """A value that is not an E.164 phone number; the message names the value and the expected form."""


def is_yaml_number(value):
    """An unquoted +18885550100 in YAML: an int (or float), which the str option type would convert silently."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_quoted(value):
    """The number a YAML integer probably was, written as it should be: "+18885550100"."""
    return '"+%s"' % value if isinstance(value, int) and value > 0 else '"%s"' % EXAMPLE


def normalize_phone_number(value):
    """Return ``value`` as an E.164 string, or raise InvalidPhoneNumber."""
    if isinstance(value, str) and _E164.fullmatch(value):
        return value
    if is_yaml_number(value):
        raise InvalidPhoneNumber('phone number %r is a number (%s), not a string: %s, as in %s'
                                 % (value, type(value).__name__, QUOTE_IT, _as_quoted(value)))
    if not isinstance(value, str):
        raise InvalidPhoneNumber(
            'phone number %r is a %s, not a string: expected an E.164 number such as %s'
            % (value, type(value).__name__, EXAMPLE))
    candidate = _SEPARATORS.sub('', value)
    if not _E164.fullmatch(candidate):
        raise InvalidPhoneNumber('phone number %r is not a valid E.164 number: %s' % (value, EXPECTED_FORM))
    return candidate


_DIGITS_ONLY = re.compile(r'[1-9][0-9]{6,14}')


def normalize_server_number(value):
    """A number as a server wrote it, in E.164, or raise InvalidPhoneNumber.

    The same rules as user input, except that a number written without its "+" (``18885550100``) is read as
    E.164: a listing that wrote a kept number that way must not make an exclusive run delete it. (A person
    typing 8885550100 may mean a national number, so user input keeps requiring the "+".)
    """
    if isinstance(value, str) and _E164.fullmatch(value):
        return value   # as a listing writes nearly every record: nothing to take out
    if isinstance(value, str):
        candidate = _SEPARATORS.sub('', value.strip())
        if _DIGITS_ONLY.fullmatch(candidate):
            value = '+' + candidate
    return normalize_phone_number(value.strip() if isinstance(value, str) else value)


def normalize_phone_numbers(values):
    """Normalise a list, dropping repeats (first occurrence wins).

    Every member is checked before anything is returned, so one bad member stops the whole list and no
    request is made for the good ones. Every bad member is named once, and what is expected is said once.
    """
    normalized = []
    seen = set()
    bad = []
    for value in values:
        try:
            number = normalize_phone_number(value)
        except InvalidPhoneNumber as exc:
            if not any(type(value) is type(other) and value == other for other, _msg in bad):
                bad.append((value, str(exc)))
            continue
        if number not in seen:
            seen.add(number)
            normalized.append(number)
    if len(bad) == 1:
        raise InvalidPhoneNumber(bad[0][1])
    if bad:
        raise InvalidPhoneNumber(_several_bad([value for value, _msg in bad]))
    return normalized


def _several_bad(values):
    numbers = [value for value in values if is_yaml_number(value)]
    others = [value for value in values if not is_yaml_number(value)]
    sentences = []
    if len(others) == 1:
        sentences.append('phone number %r is not a valid E.164 number: %s' % (others[0], EXPECTED_FORM))
    elif others:
        sentences.append('%d phone numbers are not valid E.164 numbers: %s; %s'
                         % (len(others), ', '.join(repr(value) for value in others), EXPECTED_FORM))
    if len(numbers) == 1:
        sentences.append('phone number %r is a number, not a string: %s, as in %s'
                         % (numbers[0], QUOTE_IT, _as_quoted(numbers[0])))
    elif numbers:
        sentences.append('%d phone numbers are numbers, not strings: %s. YAML read them as numbers; quote them, '
                         'as in %s' % (len(numbers), ', '.join(repr(value) for value in numbers),
                                       _as_quoted(numbers[0])))
    return '. '.join(sentences)


def is_active(record):
    """A record whose deleted_at is set is soft-deleted: it exists but is not an active number."""
    return not record.get('deleted_at')
