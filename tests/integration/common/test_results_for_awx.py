# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Results that fit an AWX job and say what happened: small by default, a one-line diff per change, a warning
when requests were retried, info's max_records paging, and messages a person can act on."""

from __future__ import annotations

import json
import re

import pytest

from conftest import TOKEN, assert_clean_failure
from simulator_control import Simulator

LIST_PATH = '/sms/2022-08-01/phone_numbers'
# AWX drops a task result larger than MAX_EVENT_RES_DATA (700,000 bytes) from the job's event; the target is far below.
SMALL_RESULT = 20000
AWX_LIMIT = 700000


def result_size(result):
    # invocation (the task's own arguments, 10,000 numbers here) is added only because the integration runner asks
    # for it (ANSIBLE_INJECT_INVOCATION, -vvvv); an AWX job at its default verbosity gets no such key.
    return len(json.dumps({k: v for k, v in result.items() if k != 'invocation'}))


def write_numbers(tmp_path, numbers, extra_lines=()):
    path = tmp_path / 'numbers.txt'
    path.write_text('\n'.join(list(extra_lines) + list(numbers)) + '\n', encoding='utf-8')
    return str(path)


def test_a_no_op_over_10000_numbers_returns_under_20_kb(ansible, sim, tmp_path):
    sim.seed(count=10000, start='+15550000000')
    numbers = sorted(sim.active_numbers())
    assert len(numbers) == 10000
    sim.clear_log()
    numbers_file = write_numbers(tmp_path, numbers, ['# the whole network', ''])
    run = ansible.playbook('numbers_from_a_file.yml', {'numbers_file': numbers_file}, expect_rc=0)
    result = run.result
    assert result['changed'] is False
    assert result['msg'] == 'created 0, deleted 0, unchanged 10000'
    assert result['summary'] == {'created': 0, 'deleted': 0, 'unchanged': 10000, 'failed': 0, 'not_attempted': 0}
    assert 'phone_numbers' not in result
    assert result_size(result) < SMALL_RESULT, result_size(result)
    assert [e['method'] for e in sim.log()] == ['GET'] * 20  # read with the listing, nothing written


def test_a_no_op_over_10000_numbers_with_diff_returns_under_20_kb(ansible, sim, tmp_path):
    # The AWX guide has users turn on "Show Changes": the diff must not hold every unchanged number.
    sim.seed(count=10000, start='+15550000000')
    numbers = sorted(sim.active_numbers())
    run = ansible.playbook('numbers_from_a_file.yml', {'numbers_file': write_numbers(tmp_path, numbers)},
                           diff=True, expect_rc=0)
    result = run.result
    assert result['changed'] is False
    assert result['diff']['before'] == result['diff']['after'] == '# 10000 other active numbers, unchanged\n'
    assert result_size(result) < SMALL_RESULT, result_size(result)


def test_a_401_after_a_few_creates_lists_10000_numbers_not_attempted_in_a_result_awx_keeps(ansible, sim, tmp_path):
    numbers = ['+1555%07d' % i for i in range(10003)]
    sim.config(fail_numbers=[numbers[3]], fail_status=401)
    run = ansible.playbook('numbers_from_a_file.yml', {'numbers_file': write_numbers(tmp_path, numbers)}, diff=True)
    assert run.failed
    result = run.result
    assert_clean_failure(result)
    posted = [e['phone_number'] for e in sim.log() if e['method'] == 'POST']
    assert numbers[3] in posted and len(posted) < 20, posted
    not_attempted = result['not_attempted']['create']
    assert sorted(not_attempted) == sorted(set(numbers) - set(posted))
    assert sorted(result['created'] + [f['phone_number'] for f in result['failures']]) == sorted(posted)
    assert result['summary']['not_attempted'] == len(not_attempted) > 9980
    assert '%d were not attempted' % len(not_attempted) in result['msg'] and 'HTTP 401' in result['msg']
    # Listing the 401 once per number not attempted made several MB, which AWX drops from the job's events.
    assert result_size(result) < AWX_LIMIT
    assert result_size(result) < 300000, result_size(result)


def test_return_records_brings_the_records_back(ansible, sim, tmp_path):
    sim.seed(count=30, start='+15550000000')
    numbers = sorted(sim.active_numbers())
    run = ansible.playbook('numbers_from_a_file.yml', {'numbers_file': write_numbers(tmp_path, numbers),
                                                       'numbers_return_records': True}, expect_rc=0)
    assert [r['phone_number'] for r in run.result['phone_numbers']] == numbers


def rendered_changes(output):
    """The +/- lines of the diffs Ansible printed, without the ---/+++ headers."""
    return [line for line in output.splitlines()
            if re.match(r'^[+-]\+?[0-9]', line) and not line.startswith(('+++', '---'))]


def test_one_change_among_1000_numbers_is_a_one_line_diff(ansible, sim, tmp_path):
    sim.seed(count=1000, start='+15550000000')
    numbers = sorted(sim.active_numbers())
    added = '+15559999999'
    # The new number sorts last: in the JSON list of 1.0.0 its neighbour's comma changed too.
    run = ansible.playbook('numbers_from_a_file.yml', {'numbers_file': write_numbers(tmp_path, numbers + [added])},
                           diff=True, expect_rc=0)
    assert rendered_changes(run.output) == ['+' + added], rendered_changes(run.output)
    assert run.result['msg'] == 'created 1, deleted 0, unchanged 1000'

    removed = numbers[500]
    run = ansible.playbook('numbers_from_a_file.yml', {'numbers_file': write_numbers(tmp_path, [removed]),
                                                       'numbers_state': 'absent'}, diff=True, expect_rc=0)
    assert rendered_changes(run.output) == ['-' + removed]


@pytest.mark.core_sensitive
def test_retried_requests_are_a_warning_that_says_how_many_and_why(ansible, sim):
    sim.config(rate_limit_every=2, retry_after=0.2)
    run = ansible.module('sms_phone_number', {'phone_numbers': ['+18885550100', '+18885550101']}, expect_rc=0)
    warnings = run.result.get('warnings', [])
    retried = [w for w in warnings if 'were retried' in w]
    assert len(retried) == 1, warnings
    assert re.match(r'^\d+ request\(s\) were retried \(HTTP 429 x\d+\), waiting [0-9.]+ s in all$', retried[0]), retried
    count = int(retried[0].split()[0])
    assert count == len([e for e in sim.log() if e['status'] == 429])
    assert sorted(sim.active_numbers()) == ['+18885550100', '+18885550101']


@pytest.mark.core_sensitive
def test_retries_are_reported_on_a_failed_task_too(ansible, sim):
    sim.config(error_rate=1.0, error_statuses=[503])
    run = ansible.module('sms_phone_number_info', {'count_only': True, 'max_retries': 2})
    assert run.failed
    assert_clean_failure(run.result)
    assert any(re.match(r'^2 request\(s\) were retried \(HTTP 503 x2\)', w) for w in run.result.get('warnings', [])), \
        run.result


def test_info_max_records_asks_for_no_more_than_it_needs(ansible, sim):
    sim.seed(count=700, start='+15550000000')
    sim.clear_log()
    result = ansible.module('sms_phone_number_info', {'max_records': 600}, expect_rc=0).result
    assert result['count'] == 600 and result['truncated'] is True
    assert result['msg'] == 'returned 600 records (stopped at max_records; more exist)'
    limits = [int(e['params']['limit'][0]) for e in sim.log() if e['path'] == LIST_PATH]
    # Two pages, as with pages of 500, but of a size that ends exactly on the 600th record.
    assert limits == [300, 300], limits

    sim.clear_log()
    small = ansible.module('sms_phone_number_info', {'max_records': 10}, expect_rc=0).result
    assert small['count'] == 10 and small['truncated'] is True
    assert [e['params']['limit'] for e in sim.log() if e['path'] == LIST_PATH] == [['10']]

    exact = ansible.module('sms_phone_number_info', {'max_records': 700}, expect_rc=0).result
    assert exact['count'] == 700 and exact['truncated'] is False


@pytest.mark.core_sensitive
def test_a_failed_info_task_returns_no_empty_list(ansible, sim):
    sim.config(error_rate=1.0, error_statuses=[500])
    # Not an empty argument list: ansible-core 2.16 refuses an ad-hoc module run without arguments.
    run = ansible.module('sms_phone_number_info', {'include_deleted': False})
    assert run.failed
    assert 'count' not in run.result and 'phone_numbers' not in run.result


@pytest.mark.core_sensitive
def test_an_unquoted_number_in_a_playbook_is_explained(ansible, sim):
    run = ansible.task_as_written('sms_phone_number', 'phone_numbers: [+18885550100]')
    assert run.failed
    assert 'YAML read this as a number; quote it' in run.result['msg'] and '"+18885550100"' in run.result['msg']
    assert sim.log() == []


@pytest.mark.core_sensitive
def test_a_misspelt_option_is_named(ansible, sim):
    run = ansible.module('sms_phone_number', {'phone_nubmers': ['+18885550100']})
    assert run.failed
    assert 'phone_nubmers' in run.result['msg'] and 'one of the following' not in run.result['msg']
    assert sim.log() == []


@pytest.mark.core_sensitive
def test_a_missing_token_names_the_variable(ansible, sim):
    run = ansible.module('sms_phone_number', {'phone_number': '+18885550100'}, env={'INVOCA_API_TOKEN': None})
    assert run.failed
    assert 'api_token' in run.result['msg'] and 'INVOCA_API_TOKEN' in run.result['msg']
    assert sim.log() == []


def test_ca_path_comes_from_invoca_ca_path(ansible, tmp_path):
    with Simulator(token=TOKEN, tls=True) as tls:
        trusted = ansible.module('sms_phone_number_info', {'count_only': True},
                                 env={'INVOCA_API_URL': tls.url, 'INVOCA_CA_PATH': tls.ca_path}, expect_rc=0)
        assert trusted.result['count'] == 0
        untrusted = ansible.module('sms_phone_number_info', {'count_only': True}, env={'INVOCA_API_URL': tls.url})
        assert untrusted.failed
