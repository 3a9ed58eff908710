# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input is refused before any request, with a message naming the value; the exclusive guards hold.

Every case runs in one ansible-playbook process (playbooks/bad_input_refused.yml) against a simulator that holds
a few numbers, so that a case that wrongly got through would show up in the request log or the state.
Values reach the module after Ansible's own conversions (a list or dict given to a str option arrives as
its string form, a null list member as '' on ansible-core 2.19+); the expected texts allow for that.
"""

from __future__ import annotations

import collections
import json

import pytest

from conftest import TRACEBACK, AnsibleRunner, assert_clean_failure

# Refusals and their messages, no traceback: what ansible-core's conversions and failure handling change, so the
# oldest core runs these too (make integration-oldest).
pytestmark = pytest.mark.core_sensitive

SEEDED = ['+18885550100', '+18885550101', '+18885550102', '+18885550103', '+18885550104']
NEW_NUMBER = '+18885550199'
VALID = '+12025550100'
PN = 'sms_phone_number'
INFO = 'sms_phone_number_info'

Case = collections.namedtuple('Case', ['id', 'module', 'args', 'expected'])


def case(case_id, module, args, *expected):
    """A bad input: every entry of ``expected`` must be in the message (a tuple: one of its texts must)."""
    return Case(case_id, module, args, expected)


CASES = [
    # Numbers that are not E.164.
    case('too-short', PN, {'phone_number': '+120255'}, "'+120255'"),
    case('too-long', PN, {'phone_number': '+1202555010012345'}, "'+1202555010012345'"),
    case('no-plus', PN, {'phone_number': '12025550100'}, "'12025550100'"),
    case('leading-zero-country-code', PN, {'phone_number': '+02025550100'}, "'+02025550100'"),
    case('letter-o-for-zero', PN, {'phone_number': '+1202555O100'}, "'+1202555O100'"),
    case('arabic-indic-digits', PN, {'phone_number': u'+\u0661\u0662\u0660\u0662\u0665\u0665\u0665\u0660\u0661\u0660\u0660'},
         u"'+\u0661\u0662\u0660\u0662\u0665\u0665\u0665\u0660\u0661\u0660\u0660'"),
    case('full-width-digits', PN, {'phone_number': u'+\uff11\uff12\uff10\uff12\uff15\uff15\uff15\uff10\uff11\uff10\uff10'},
         u"'+\uff11\uff12\uff10\uff12\uff15\uff15\uff15\uff10\uff11\uff10\uff10'"),
    case('full-width-plus', PN, {'phone_number': u'\uff0b12025550100'}, u"'\uff0b12025550100'"),
    case('embedded-newline', PN, {'phone_number': '+1202555\n0100'}, r"'+1202555\n0100'"),
    case('embedded-tab', PN, {'phone_number': '+1202555\t0100'}, r"'+1202555\t0100'"),
    case('slash', PN, {'phone_number': '+1202/5550100'}, "'+1202/5550100'"),
    case('question-mark', PN, {'phone_number': '+12025550100?limit=1'}, "'+12025550100?limit=1'"),
    case('hash', PN, {'phone_number': '+12025550100#top'}, "'+12025550100#top'"),
    case('encoded-slash', PN, {'phone_number': '+1202%2F5550100'}, "'+1202%2F5550100'"),
    case('encoded-plus', PN, {'phone_number': '%2B12025550100'}, "'%2B12025550100'"),
    case('dot-dot', PN, {'phone_number': '..'}, "'..'"),
    case('dot-dot-slash', PN, {'phone_number': '../+12025550100'}, "'../+12025550100'"),
    case('empty-string', PN, {'phone_number': ''}, "''"),
    # Wrong types: Ansible turns them into strings for a str option, the module refuses the string.
    # ansible-core 2.16 renders the playbook's "{{ ... | default(omit) }}" as a string: the module sees '12025550100'.
    case('int', PN, {'phone_number': 12025550100}, '12025550100',
         ('YAML read this as a number; quote it', "'12025550100'")),
    case('list-for-one-number', PN, {'phone_number': [VALID]}, "\"['+12025550100']\""),
    case('dict-for-one-number', PN, {'phone_number': {'number': VALID}}, "\"{'number': '+12025550100'}\""),
    case('dict-for-the-list', PN, {'phone_numbers': {'number': VALID}}, 'phone_numbers', 'dict'),
    # Lists: one bad member stops the whole list, and every bad member is named.
    case('list-one-bad-member', PN, {'phone_numbers': [VALID, '+12025550101', '+12025550102x']}, "'+12025550102x'"),
    case('list-two-bad-members', PN, {'phone_numbers': ['bad-1', VALID, 'bad-2']}, "'bad-1'", "'bad-2'"),
    case('list-int-member', PN, {'phone_numbers': [VALID, 12025550101]}, '12025550101',
         'YAML read this as a number; quote it'),
    case('list-null-member', PN, {'phone_numbers': [VALID, None]}, ("''", 'NoneType')),
    case('list-bad-member-exclusive', PN, {'phone_numbers': SEEDED[:1] + ['oops'], 'exclusive': True}, "'oops'"),
    case('list-bad-member-absent', PN, {'phone_numbers': SEEDED[:2] + ['+1 888 555 01OO'], 'state': 'absent'},
         "'+1 888 555 01OO'"),
    case('empty-list-exclusive', PN, {'phone_numbers': [], 'exclusive': True}, 'empty phone_numbers list'),
    # Options that do not fit together or are out of range.
    case('exclusive-with-one-number', PN, {'phone_number': SEEDED[0], 'exclusive': True}, 'exclusive=true needs phone_numbers'),
    case('exclusive-with-absent', PN, {'phone_numbers': SEEDED[:1], 'exclusive': True, 'state': 'absent'},
         'exclusive=true needs phone_numbers', 'state=present'),
    case('both-forms', PN, {'phone_number': VALID, 'phone_numbers': [VALID]}, 'phone_number', 'phone_numbers'),
    case('neither-form', PN, {}, 'phone_number', 'phone_numbers'),
    case('unknown-state', PN, {'phone_number': VALID, 'state': 'deleted'}, 'deleted', 'present'),
    case('concurrency-0', PN, {'phone_numbers': [VALID], 'concurrency': 0}, 'concurrency', 'got 0'),
    case('concurrency-65', PN, {'phone_numbers': [VALID], 'concurrency': 65}, 'concurrency', 'got 65'),
    case('max-deletions-negative', PN, {'phone_numbers': [VALID], 'state': 'absent', 'max_deletions': -1},
         'max_deletions', 'got -1'),
    case('timeout-0', PN, {'phone_number': VALID, 'timeout': 0}, 'timeout', 'got 0'),
    case('max-retries-negative', PN, {'phone_number': VALID, 'max_retries': -1}, 'max_retries', 'got -1'),
    # Connection settings: refused before anything is sent, the token included.
    case('api-url-plain-http-remote', PN, {'phone_number': VALID, 'api_url': 'http://example.com'},
         "'http://example.com'", 'clear text'),
    case('api-url-ftp', PN, {'phone_number': VALID, 'api_url': 'ftp://127.0.0.1'}, "'ftp://127.0.0.1'"),
    case('api-url-with-query', PN, {'phone_number': VALID, 'api_url': 'https://127.0.0.1/?x=1'}, "'https://127.0.0.1/?x=1'"),
    case('api-version-latest', PN, {'phone_number': VALID, 'api_version': 'latest'}, "'latest'"),
    case('api-version-traversal', PN, {'phone_number': VALID, 'api_version': '2022-08-01/../x'}, "'2022-08-01/../x'"),
    # The info module: sort, filters, paging.
    case('info-bad-number', INFO, {'phone_number': '+12025550100/../count'}, "'+12025550100/../count'"),
    case('info-sort-injection', INFO, {'sort': 'created_at:asc&limit=1'}, "'created_at:asc&limit=1'"),
    case('info-sort-direction', INFO, {'sort': 'created_at:sideways'}, "'created_at:sideways'"),
    case('info-sort-two-fields', INFO, {'sort': 'created_at:asc,phone_number:desc'}, "'created_at:asc,phone_number:desc'"),
    case('info-filter-unknown-operator', INFO, {'filters': {'created_at': {'like': '2022%'}}}, "'like'"),
    case('info-filter-field-injection', INFO, {'filters': {'created_at]=1&x[': {'eq': '1'}}}, "'created_at]=1&x['"),
    case('info-filter-operator-injection', INFO, {'filters': {'created_at': {'eq]=1&limit=1&x[': '1'}}}, "'eq]=1&limit=1&x['"),
    case('info-filter-value-crlf', INFO, {'filters': {'created_at': {'gte': '2022-01-01\r\nX-Injected: 1'}}},
         r"'2022-01-01\r\nX-Injected: 1'"),
    case('info-filter-empty-false', INFO, {'filters': {'deleted_at': {'empty': False}}}, 'filters.deleted_at.empty is False'),
    case('info-filter-bad-number', INFO, {'filters': {'phone_number': {'eq': '+1&limit=1'}}}, "'+1&limit=1'"),
    case('info-filter-not-a-dict', INFO, {'filters': {'created_at': '2022-01-01'}}, "filters.created_at is '2022-01-01'"),
    case('info-filter-list-value', INFO, {'filters': {'created_at': {'gte': ['2022-01-01']}}}, "['2022-01-01']"),
    case('info-limit-0', INFO, {'limit': 0}, 'limit', 'got 0'),
    case('info-limit-501', INFO, {'limit': 501}, 'limit', 'got 501'),
    case('info-max-records-0', INFO, {'max_records': 0}, 'max_records', 'got 0'),
    case('info-count-with-number', INFO, {'phone_number': VALID, 'count_only': True}, 'phone_number', 'count_only'),
    case('info-api-url-plain-http-remote', INFO, {'api_url': 'http://example.com'}, "'http://example.com'", 'clear text'),
    case('info-api-version-latest', INFO, {'api_version': 'latest'}, "'latest'"),
]

BadInputOutcome = collections.namedtuple('BadInputOutcome', ['run', 'items', 'failed_ids', 'log', 'state'])


@pytest.fixture(scope='module')
def bad_input(collections_path, simulator, tmp_path_factory):
    """Every case run once, in one playbook, against a simulator holding SEEDED."""
    simulator.reset(phone_numbers=SEEDED)
    runner = AnsibleRunner(collections_path, simulator, tmp_path_factory.mktemp('bad-input'))
    cases = [{'id': c.id, 'module': c.module, 'args': c.args} for c in CASES]
    run = runner.playbook('bad_input_refused.yml', {'bad_input_cases': cases})
    items = {}
    failed_ids = set()
    for entry in run.results:
        for item in entry['result'].get('results', []):
            items[item['item']['id']] = item
        if entry['task'].startswith('List the') and isinstance(entry['result'].get('msg'), list):
            failed_ids.update(entry['result']['msg'])
    return BadInputOutcome(run, items, failed_ids, simulator.log(), simulator.state())


def test_there_are_at_least_40_distinct_cases():
    assert len(set(c.id for c in CASES)) == len(CASES) >= 40


def test_the_bad_input_playbook_ran_every_case(bad_input):
    assert bad_input.run.rc == 0, bad_input.run.output[-4000:]
    assert sorted(bad_input.items) == sorted(c.id for c in CASES)


@pytest.mark.parametrize('bad', CASES, ids=[c.id for c in CASES])
def test_bad_input_fails_with_a_message_naming_the_value(bad_input, bad):
    result = bad_input.items[bad.id]
    assert bad.id in bad_input.failed_ids, 'the module accepted %r: %s' % (bad.args, json.dumps(result))
    assert_clean_failure(result)
    for expected in bad.expected:
        alternatives = expected if isinstance(expected, tuple) else (expected,)
        assert any(text in result['msg'] for text in alternatives), \
            'the message does not name %s: %s' % (' or '.join(repr(t) for t in alternatives), result['msg'])


def test_null_phone_number_fails_with_a_message_naming_the_option(bad_input):
    """phone_number: "{{ undefined_or_null }}" is a likely mistake; it must be a refusal, not a crash."""
    result = bad_input.run.task('Call sms_phone_number with a null phone_number')
    assert 'Note that the null phone_number failed' in [entry['task'] for entry in bad_input.run.results]
    assert_clean_failure(result)
    assert 'phone_number' in result['msg']


def test_no_bad_input_sent_any_request_or_changed_anything(bad_input):
    assert bad_input.log == []
    assert [r['phone_number'] for r in bad_input.state if r['deleted_at'] is None] == SEEDED
    assert len(bad_input.state) == len(SEEDED)


def test_bad_input_output_has_no_traceback(bad_input):
    assert TRACEBACK not in bad_input.run.output


def test_max_deletions_is_enforced_before_any_write(ansible, sim):
    sim.reset(phone_numbers=SEEDED)
    run = ansible.playbook('max_deletions_guard.yml', {'seeded': SEEDED, 'new_number': NEW_NUMBER})
    assert run.rc == 0, run.output[-4000:]

    exclusive = run.task('Refuse an exclusive list that would delete three numbers with max_deletions 2')
    assert_clean_failure(exclusive)
    assert 'Refusing to delete 3 numbers: max_deletions is 2' in exclusive['msg']
    assert sorted(exclusive['would_delete']) == SEEDED[2:]
    assert (exclusive['created'], exclusive['deleted'], exclusive['failures']) == ([], [], [])
    assert all(number in exclusive['msg'] for number in SEEDED[2:])

    absent = run.task('Refuse state=absent for three numbers with max_deletions 2')
    assert_clean_failure(absent)
    assert 'Refusing to delete 3 numbers: max_deletions is 2' in absent['msg']
    assert sorted(absent['would_delete']) == SEEDED[:3]

    allowed = run.task('Allow an exclusive list that deletes nothing with max_deletions 0')
    assert (allowed['created'], allowed['deleted'], allowed['changed']) == ([NEW_NUMBER], [], True)

    # The refused runs only read; the one write of the whole play is the allowed run's create.
    writes = [(e['method'], e['phone_number']) for e in sim.log() if e['method'] in ('POST', 'DELETE')]
    assert writes == [('POST', NEW_NUMBER)]
    assert sorted(sim.active_numbers()) == sorted(SEEDED + [NEW_NUMBER])
