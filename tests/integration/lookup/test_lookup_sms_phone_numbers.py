# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lookup plugin invoca.messaging.sms_phone_numbers in playbooks, against the simulator."""

from __future__ import annotations

import json

import yaml

from conftest import assert_clean_failure

ACTIVE = ['+18885550100', '+18885550101', '+18885550102']
DELETED = ['+18885550109']


def play(ansible, tasks, env=None, expect_rc=0, secrets=()):
    path = ansible.workdir / 'lookup.yml'
    path.write_text(yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], sort_keys=False),
                    encoding='utf-8')
    return ansible.playbook(str(path), env=env, expect_rc=expect_rc, secrets=secrets)


def shown(name, expression):
    return {'name': name, 'ansible.builtin.debug': {'msg': '{{ %s }}' % expression}}


def test_the_lookup_returns_the_active_numbers_as_e164_strings(ansible, sim):
    sim.reset(phone_numbers=ACTIVE, deleted=DELETED)
    run = play(ansible, [
        shown('all', "lookup('invoca.messaging.sms_phone_numbers')"),
        shown('query', "query('invoca.messaging.sms_phone_numbers')"),
        shown('deleted too', "lookup('invoca.messaging.sms_phone_numbers', include_deleted=true)"),
        shown('newest first', "lookup('invoca.messaging.sms_phone_numbers', sort='created_at:desc')"),
        shown('filtered', "lookup('invoca.messaging.sms_phone_numbers', filters={'phone_number': {'eq': '+1 888 555 "
                          "0101'}})"),
        {'name': 'loop', 'ansible.builtin.debug': {'msg': '{{ item }}'},
         'loop': "{{ lookup('invoca.messaging.sms_phone_numbers') }}"},
    ])
    assert run.task('all')['msg'] == ACTIVE
    assert run.task('query')['msg'] == [ACTIVE]
    assert sorted(run.task('deleted too')['msg']) == sorted(ACTIVE + DELETED)
    assert run.task('newest first')['msg'] == list(reversed(ACTIVE))
    assert run.task('filtered')['msg'] == ['+18885550101']
    assert [entry['msg'] for entry in run.task('loop')['results']] == ACTIVE
    listed = [entry for entry in sim.log() if entry['operation'] == 'list']
    assert any('deleted_at[empty]' in entry['params'] for entry in listed), listed


def test_the_options_and_their_environment_fallbacks_are_the_modules(ansible, sim):
    sim.reset(phone_numbers=ACTIVE)
    token = 'wrong-token-for-the-lookup-0123456789'
    run = play(ansible, [shown('env', "lookup('invoca.messaging.sms_phone_numbers')")],
               env={'INVOCA_API_TOKEN': token}, expect_rc=2, secrets=[token])
    assert run.failed
    assert 'rejected the API token' in run.output and 'INVOCA_API_TOKEN' in run.output, run.output[-3000:]
    # A keyword argument wins over the environment, as an option wins over it in a module.
    run = play(ansible, [shown('kwarg', "lookup('invoca.messaging.sms_phone_numbers', api_token='%s')"
                               % sim.token)], env={'INVOCA_API_TOKEN': token}, secrets=[token])
    assert run.task('kwarg')['msg'] == ACTIVE
    run = play(ansible, [shown('none', "lookup('invoca.messaging.sms_phone_numbers')")],
               env={'INVOCA_API_TOKEN': None}, expect_rc=2)
    assert 'api_token is empty: set the api_token option or the INVOCA_API_TOKEN environment variable' in run.output


def test_errors_are_the_modules_and_never_hold_the_token(ansible, sim):
    sim.reset(phone_numbers=ACTIVE)
    run = play(ansible, [shown('version', "lookup('invoca.messaging.sms_phone_numbers', api_version='2001-01-01')")],
               expect_rc=2)
    assert 'does not offer API version 2001-01-01' in run.output, run.output[-3000:]
    run = play(ansible, [shown('filter', "lookup('invoca.messaging.sms_phone_numbers', filters={'x y': {'eq': 1}})")],
               expect_rc=2)
    assert "filters has the field name 'x y'" in run.output, run.output[-3000:]
    run = play(ansible, [shown('terms', "lookup('invoca.messaging.sms_phone_numbers', '+18885550100')")],
               expect_rc=2)
    assert 'takes no terms' in run.output
    run = play(ansible, [shown('typo', "lookup('invoca.messaging.sms_phone_numbers', include_deleteed=true)")],
               expect_rc=2)
    assert 'unknown option(s) include_deleteed' in run.output


def test_a_host_name_that_does_not_resolve_is_named_and_not_retried(ansible, sim):
    run = play(ansible, [shown('dns', "lookup('invoca.messaging.sms_phone_numbers', "
                                      "api_url='https://no-such-host.invalid')")], expect_rc=2)
    assert 'the host name no-such-host.invalid does not resolve' in run.output, run.output[-3000:]
    assert '_Watched' not in run.output and 'after 4 attempts' not in run.output
    assert 'Traceback' not in run.output
    assert json.dumps(run.results)  # recorded as a failed task, not a crash
    failed = [entry for entry in run.results if entry['status'] == 'failed']
    assert failed, run.output[-3000:]
    assert_clean_failure(failed[-1]['result'])
