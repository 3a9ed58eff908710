# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token never shows, against the hostile server.

Ansible masks a no_log value only where it appears exactly as given; these tests look for every 8-character
piece of the token in every form code may turn it into (stripped, repr- or JSON-escaped, whitespace-collapsed,
cut off), in the -vvvv output and in the task results. The non-Latin-1 token is in test_hostile_options.py.
"""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure
from hostile_fixtures import assert_no_crash, assert_no_token_fragment, random_token

# Ansible's no_log masking differs between cores: the oldest core runs these too (make integration-oldest).
pytestmark = pytest.mark.core_sensitive


@pytest.mark.parametrize('char', ['\n', '\r', '\t', '\x00', '\x7f'], ids=['newline', 'cr', 'tab', 'nul', 'del'])
def test_token_with_a_control_character_is_refused_before_any_request(hostile, hostile_ansible, char):
    token = random_token() + char + random_token(length=20)
    # As a module argument: an environment variable cannot hold a NUL.
    run = hostile_ansible.module('sms_phone_number_info', {'phone_number': '+18885550400', 'api_token': token})
    assert_no_crash(run)
    assert run.failed, 'a token with %r was used: %s' % (char, run.result)
    assert_clean_failure(run.result)
    assert hostile.requests() == [], 'a request was sent with a token holding %r' % char
    assert 'token' in run.result['msg'].lower(), run.result['msg']
    assert_no_token_fragment(run, token)


# (form, part) of each echo: the token whole in each kind of error body, then cut off and transformed.
ECHOES = [('json', 'full'), ('errors', 'full'), ('errors_text', 'full'), ('html', 'full'), ('text', 'full'),
          ('json', 'prefix12'), ('json', 'prefix8'), ('html', 'prefix9'), ('json', 'collapsed'), ('json', 'repr'),
          ('html', 'repr')]
TOKENS = {
    'plain': random_token,
    # Legal in a header, but turned into other strings by whitespace collapsing and repr().
    'spaces-and-backslash': lambda: random_token(length=14) + '  ' + random_token(length=14) + '\\' +
    random_token(length=14),
}


@pytest.mark.parametrize('kind', sorted(TOKENS))
def test_token_echoed_in_write_errors_never_shows(hostile, hostile_ansible, kind):
    token = TOKENS[kind]()
    numbers = ['+188855504%02d' % (10 + i) for i in range(len(ECHOES))]
    for number, (form, part) in zip(numbers, ECHOES):
        hostile.on('POST', r'/phone_numbers/\+%s$' % number.lstrip('+'), action='echo_token', form=form, part=part)
    run = hostile_ansible.module('sms_phone_number', {'phone_numbers': numbers, 'concurrency': 1, 'max_retries': 0},
                                 env={'INVOCA_API_TOKEN': token})
    assert_no_crash(run)
    assert run.failed
    assert_clean_failure(run.result)
    if kind == 'plain':
        assert len(hostile.requests('POST')) >= len(numbers), 'not every echo was provoked: %s' % hostile.log
    assert_no_token_fragment(run, token)


@pytest.mark.parametrize('form,part', [('html', 'full'), ('errors', 'prefix10'), ('json', 'repr')])
def test_token_echoed_in_read_errors_never_shows(hostile, hostile_ansible, form, part):
    token = TOKENS['spaces-and-backslash']() if part == 'repr' else random_token()
    hostile.on('GET', r'/phone_numbers', action='echo_token', form=form, part=part, status=400)
    run = hostile_ansible.module('sms_phone_number', {'phone_numbers': ['+18885550430'], 'exclusive': True},
                                 env={'INVOCA_API_TOKEN': token})
    assert_no_crash(run)
    assert run.failed
    assert_clean_failure(run.result)
    assert_no_token_fragment(run, token)
