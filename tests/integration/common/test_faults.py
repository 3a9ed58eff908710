# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Malformed answers and the retry policy, against the simulator's fault injection.

Every kind of malformed answer (html, empty, truncated, wrong_shape, close, hang) for every operation (list,
get, count, create, delete) must fail the task with a readable message that names the HTTP status or says
there was no answer, without a Python traceback, and a failed write must still list what was done. All 30
cases run in one ansible-playbook process (playbooks/malformed_answers.yml); each is checked by its own test.

The retry policy: Retry-After is honoured, a huge one is capped (that run waits the 60 s cap, so it is
started in the background when this module starts and checked by its last test), and a write that got no
answer is resent and applied exactly once. That retried 5xx/429 answers never apply a write twice is shown at
scale by test_soak.py. The total retry budget per task (300 s) is covered by the unit tests
(tests/unit/plugins/module_utils/_api/test_retry.py), as it cannot be reached quickly here.

The Retry-After test checks the order of the requests and, from the ``time`` of each log entry, the delay.
A write whose answer was lost after the simulator applied it (``lost_answer``) is resent, answered 409/200,
and counted as done, once.
"""

from __future__ import annotations

import collections
import json
import re
import subprocess

import pytest

from conftest import TOKEN, TRACEBACK, AnsibleRunner, assert_clean_failure
from simulator_control import Simulator

KINDS = ('html', 'empty', 'truncated', 'wrong_shape', 'close', 'hang')
OPERATIONS = ('list', 'get', 'count', 'create', 'delete')
# Kinds after which the client had no answer at all; the others answer with a status.
NO_ANSWER_KINDS = ('close', 'hang')
# Fast failures: a hang must hit the module's timeout, and a closed connection must not be retried here.
FAST = {'timeout': 1, 'max_retries': 0}
GET_NUMBER = '+18885550100'
LISTED = ['+18885550100', '+18885550101', '+18885550102']


def numbers_of(operation, kind):
    """Two numbers of their own for each write case, so the log tells the cases apart."""
    base = {'create': 2000, 'delete': 3000}[operation] + 10 * KINDS.index(kind)
    return ['+1888555%04d' % base, '+1888555%04d' % (base + 1)]


def fault_case(operation, kind):
    args = dict(FAST)
    if operation == 'list':
        module = 'sms_phone_number_info'
    elif operation == 'get':
        module, args['phone_number'] = 'sms_phone_number_info', GET_NUMBER
    elif operation == 'count':
        module, args['count_only'] = 'sms_phone_number_info', True
    else:
        module, args['phone_numbers'] = 'sms_phone_number', numbers_of(operation, kind)
        if operation == 'delete':
            args['state'] = 'absent'
    return {'id': '%s-%s' % (operation, kind), 'operation': operation, 'kind': kind, 'module': module, 'args': args}


FAULT_CASES = [fault_case(operation, kind) for operation in OPERATIONS for kind in KINDS]
SEEDED = LISTED + [number for kind in KINDS for number in numbers_of('delete', kind)]


def fault_groups():
    """The cases grouped by simulator configuration, to change it as seldom as possible.

    The write cases read with GET before they write, so GET is faulted in another group; so is the listing,
    which a count may fall back on.
    """
    groups = []
    for kind in KINDS:
        for operations in (['count', 'create', 'delete'], ['list', 'get']):
            cases = [case for case in FAULT_CASES if case['kind'] == kind and case['operation'] in operations]
            groups.append({'kind': kind, 'operations': operations,
                           'cases': [dict((k, case[k]) for k in ('id', 'module', 'args')) for case in cases]})
    return groups


MalformedOutcome = collections.namedtuple('MalformedOutcome', ['run', 'results', 'failed_ids', 'log', 'active'])


@pytest.fixture(scope='module')
def malformed(collections_path, simulator, tmp_path_factory):
    """Every (operation, kind) case run once, in one playbook."""
    simulator.reset(phone_numbers=SEEDED)
    runner = AnsibleRunner(collections_path, simulator, tmp_path_factory.mktemp('malformed'))
    run = runner.playbook('malformed_answers.yml', {'fault_groups': fault_groups()})
    results = {}
    failed_ids = set()
    for entry in run.results:
        for item in entry['result'].get('results', []):
            if isinstance(item.get('item'), dict) and 'id' in item['item']:
                results[item['item']['id']] = item
        if entry['task'].startswith('List the') and isinstance(entry['result'].get('msg'), list):
            failed_ids.update(entry['result']['msg'])
    return MalformedOutcome(run, results, failed_ids, simulator.log(), set(simulator.active_numbers()))


@pytest.mark.core_sensitive
def test_malformed_playbook_ran_every_case_without_traceback(malformed):
    assert malformed.run.rc == 0, malformed.run.output[-4000:]
    assert sorted(malformed.results) == sorted(case['id'] for case in FAULT_CASES)
    assert TRACEBACK not in malformed.run.output


@pytest.mark.core_sensitive
@pytest.mark.parametrize('case', FAULT_CASES, ids=[case['id'] for case in FAULT_CASES])
def test_malformed_answer_fails_the_task_cleanly(malformed, case):
    result = malformed.results[case['id']]
    operation, kind = case['operation'], case['kind']
    assert case['id'] in malformed.failed_ids, 'the module did not fail on %s: %s' % (case['id'], json.dumps(result))
    assert_clean_failure(result)
    if kind in NO_ANSWER_KINDS:
        assert 'no answer' in result['msg'], result['msg']
    else:
        assert re.search(r'HTTP [0-9]{3}', result['msg']), 'the message names no HTTP status: %s' % result['msg']
    # The requests of this case reached the simulator as the operation asked for, and were the faulty ones.
    faulted = [e for e in malformed.log if e['fault'] == kind and e['operation'] == operation]
    assert faulted, 'the simulator answered no %s request with %s' % (operation, kind)

    if operation in ('create', 'delete'):
        numbers = case['args']['phone_numbers']
        assert {'created', 'deleted', 'failures'} <= set(result), 'a failed write must list what was done'
        applied = sorted(e['phone_number'] for e in malformed.log if e['applied'] and e['phone_number'] in numbers)
        done = sorted(result['created'] + result['deleted'])
        assert done == applied, 'the result says %s was done, the simulator applied %s' % (done, applied)
        assert sorted(f['phone_number'] for f in result['failures']) == sorted(set(numbers) - set(applied))
        for failure in result['failures']:
            assert failure['action'] == operation
            assert failure['message'] and TRACEBACK not in failure['message']
        if operation == 'create':
            assert not malformed.active & set(numbers), 'a malformed answer is never applied by the simulator'
        else:
            assert set(numbers) <= malformed.active


def test_close_on_writes_is_resent_and_applied_exactly_once(ansible, sim):
    """A write whose connection closed without an answer was not applied: the resend must apply it, once."""
    kept, dropped = ['+18885550300'], ['+18885550301', '+18885550302']
    added = ['+18885550310', '+18885550311', '+18885550312', '+18885550313']
    sim.reset(phone_numbers=kept + dropped)
    # Every second write is closed without an answer; one worker makes the order, and so the faults, fixed.
    sim.config(malformed={'kind': 'close', 'operations': ['create', 'delete'], 'every': 2})
    run = ansible.module('sms_phone_number', {'phone_numbers': kept + added, 'exclusive': True, 'concurrency': 1})
    result = run.result
    assert run.rc == 0, run.output[-4000:]
    assert (sorted(result['created']), sorted(result['deleted']), result['failures']) == (added, dropped, [])
    assert sorted(sim.active_numbers()) == sorted(kept + added)

    log = sim.log()
    closed = [(e['method'], e['phone_number']) for e in log if e['fault'] == 'close']
    assert len(closed) >= 3 and all(e['status'] is None for e in log if e['fault'] == 'close')
    applied = collections.Counter((e['method'], e['phone_number']) for e in log if e['applied'])
    assert applied == collections.Counter([('POST', n) for n in added] + [('DELETE', n) for n in dropped])
    for method, number in closed:
        # The closed request came first, then its resend was applied.
        attempts = [e for e in log if (e['method'], e['phone_number']) == (method, number)]
        assert attempts[0]['fault'] == 'close' and attempts[-1]['applied'], attempts


def test_lost_answer_after_the_write_was_applied_is_resent_and_counted_once(ansible, sim):
    """The write landed but its answer was lost: the resend meets 409 (create) or the already-deleted record
    (delete), and the task counts the number as created / deleted once, with no failure."""
    kept, dropped = ['+18885550500'], ['+18885550501', '+18885550502']
    added = ['+18885550510', '+18885550511']
    sim.reset(phone_numbers=kept + dropped)
    # Every write's first attempt is applied and its answer lost; the resend (the second attempt) is answered.
    sim.config(malformed={'kind': 'lost_answer', 'operations': ['create', 'delete'], 'every': 2})
    run = ansible.module('sms_phone_number', {'phone_numbers': kept + added, 'exclusive': True, 'concurrency': 1})
    assert run.rc == 0, run.output[-4000:]
    result = run.result
    assert (sorted(result['created']), sorted(result['deleted']), result['failures']) == (added, dropped, [])
    assert sorted(sim.active_numbers()) == sorted(kept + added)
    log = sim.log()
    applied = collections.Counter((e['method'], e['phone_number']) for e in log if e['applied'])
    assert applied == collections.Counter([('POST', n) for n in added] + [('DELETE', n) for n in dropped])
    lost = [e for e in log if e['fault'] == 'lost_answer']
    assert lost and all(e['applied'] and e['status'] is None for e in lost)
    for entry in lost:
        resend = [e for e in log if e['seq'] > entry['seq'] and
                  (e['method'], e['phone_number']) == (entry['method'], entry['phone_number'])][0]
        # The resend finds the write done: 409 for a create, the already soft-deleted record for a delete.
        assert (resend['status'], resend['applied']) == ((409, False) if entry['method'] == 'POST' else (200, False))


def test_retry_after_is_honoured(ansible, sim):
    number = '+18885550400'
    # Requests 1 (GET) and 3 go through; request 2, the create, is told to come back in 0.3 s.
    sim.config(rate_limit_every=2, retry_after=0.3)
    run = ansible.module('sms_phone_number', {'phone_number': number})
    assert run.rc == 0, run.output[-4000:]
    assert run.result['created'] == [number]
    log = sim.log()
    assert [(e['method'], e['status'], e['fault']) for e in log] == [
        ('GET', 404, None), ('POST', 429, 'rate_limit'), ('POST', 201, None)]
    assert [e['applied'] for e in log] == [False, False, True]
    waited = log[2]['time'] - log[1]['time']
    assert waited >= 0.3, 'the retry came %.3f s after a Retry-After of 0.3 s' % waited


@pytest.fixture(scope='module', autouse=True)
def huge_retry_after(collections_path, tmp_path_factory):
    """A run against an API that always answers 429 with Retry-After: 3600, started as soon as this module
    starts: it waits out the client's 60 s cap once while the other tests of the module run."""
    with Simulator(token=TOKEN, rate_limit_every=1, retry_after=3600) as server:
        runner = AnsibleRunner(collections_path, server, tmp_path_factory.mktemp('huge-retry-after'))
        handle = runner.spawn_playbook('huge_retry_after.yml')
        outcome = {'runner': runner, 'handle': handle, 'server': server}
        yield outcome
        AnsibleRunner.kill(handle)


def test_huge_retry_after_is_capped_and_the_task_ends(huge_retry_after):
    runner, handle, server = huge_retry_after['runner'], huge_retry_after['handle'], huge_retry_after['server']
    try:
        # Far less than the hour asked for; enough for the 60 s cap, start-up and a loaded machine.
        run = runner.finish(handle, timeout=240)
    except subprocess.TimeoutExpired:
        pytest.fail('the task was still waiting after 240 s: a Retry-After of 3600 s is not capped')
    assert run.rc != 0
    result = run.result
    assert_clean_failure(result)
    assert 'HTTP 429' in result['msg'], result['msg']
    log = server.log()
    # max_retries: 1 -> the first request and one retry, both refused; nothing else.
    assert [(e['operation'], e['status']) for e in log] == [('list', 429), ('list', 429)]
