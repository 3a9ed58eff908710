# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Phone numbers as the Invoca SMS Messaging API knows them: E.164 strings.

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


class InvalidPhoneNumber(ValueError):
    """A value that is not an E.164 phone number; the message names the value and the expected form."""


def normalize_phone_number(value):
    """Return ``value`` as an E.164 string, or raise InvalidPhoneNumber."""
    if not isinstance(value, str):
        raise InvalidPhoneNumber(
            'phone number %r is a %s, not a string: expected an E.164 number such as %s'
            % (value, type(value).__name__, EXAMPLE))
    candidate = _SEPARATORS.sub('', value)
    if not _E164.fullmatch(candidate):
        raise InvalidPhoneNumber(
            'phone number %r is not a valid E.164 number: expected "+", a country code that does not start '
            'with 0, and 7 to 15 digits in all, such as %s (spaces, dashes, dots and parentheses are ignored)'
            % (value, EXAMPLE))
    return candidate


_DIGITS_ONLY = re.compile(r'[1-9][0-9]{6,14}')


def normalize_server_number(value):
    """A number as a server wrote it, in E.164, or raise InvalidPhoneNumber.

    The same rules as user input, except that a number written without its "+" (``18885550100``) is read as
    E.164: a listing that wrote a kept number that way must not make an exclusive run delete it. (A person
    typing 8885550100 may mean a national number, so user input keeps requiring the "+".)
    """
    if isinstance(value, str):
        candidate = _SEPARATORS.sub('', value.strip())
        if _DIGITS_ONLY.fullmatch(candidate):
            value = '+' + candidate
    return normalize_phone_number(value.strip() if isinstance(value, str) else value)


def normalize_phone_numbers(values):
    """Normalise a list, dropping repeats (first occurrence wins).

    Every member is checked before anything is returned, so one bad member stops the whole list and no
    request is made for the good ones. All the bad members are named, not only the first.
    """
    normalized = []
    seen = set()
    problems = []
    for value in values:
        try:
            number = normalize_phone_number(value)
        except InvalidPhoneNumber as exc:
            problems.append(str(exc))
            continue
        if number not in seen:
            seen.add(number)
            normalized.append(number)
    if problems:
        raise InvalidPhoneNumber('; '.join(problems))
    return normalized


def is_active(record):
    """A record whose deleted_at is set is soft-deleted: it exists but is not an active number."""
    return not record.get('deleted_at')
