# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Soak: reconcile 200 numbers, round after round, through an API that keeps failing.

Each round asks for a new set of 200 numbers (drawn from a pool of 300 with a seeded random, so some are
added and some removed) with the list form and exclusive=true, while the simulator answers 20% of the
requests with 502/503/504 and every 7th with 429 (Retry-After 0.05 s). After each round the network holds
exactly the desired set, no number was created or deleted more than once, and what each task reported as
created and deleted is exactly what the simulator applied during that task. A task that runs out of retries
must fail cleanly, and rerunning it (at most MAX_RERUNS times) must finish the job.

The number of rounds comes from INVOCA_SOAK_ROUNDS (default 3, well under a minute). The long form is
``make soak``, which sets INVOCA_SOAK_ROUNDS=20 unless it is already set; by hand:
``INVOCA_SOAK_ROUNDS=50 python -m pytest tests/integration/phone_numbers/test_soak.py``.

A 500 is retried like 502/503/504 (creating and deleting a number are safe to resend); a separate test shows
that with 500 in the mix and max_retries 1 the task fails cleanly, lists what it did and what failed, sends no
write more than twice, and a rerun converges.
"""

from __future__ import annotations

import collections
import json
import os
import random

import pytest

from conftest import CRASH_PREFIXES, TRACEBACK

ROUNDS = int(os.environ.get('INVOCA_SOAK_ROUNDS', '3'))
MAX_RERUNS = 3
SEED = 20260127
# The soak removes dozens of numbers a round on purpose: above the default deletion guard of exclusive.
SOAK_MAX_DELETIONS = 1000
POOL = ['+1415555%04d' % index for index in range(300)]
DESIRED_SIZE = 200


def applied(log, method):
    return [entry['phone_number'] for entry in log if entry['applied'] and entry['method'] == method]


def assert_clean_task_failure(run):
    """What a user gets when a task gives up: a non-zero exit, a sentence, and the list of what was done."""
    result = run.result
    assert run.rc != 0
    assert TRACEBACK not in run.output and TRACEBACK not in json.dumps(result)
    assert isinstance(result.get('msg'), str) and result['msg'] and not result['msg'].startswith(CRASH_PREFIXES)
    assert {'created', 'deleted', 'failures'} <= set(result), 'a failed task must list what was done: %s' % result
    for failure in result['failures']:
        assert failure['action'] in ('create', 'delete') and failure['message'], failure


def reconcile(ansible, sim, desired, args=None):
    """Run the list form until it succeeds (at most 1 + MAX_RERUNS runs); check every run against the log.

    Returns the runs, the numbers the simulator applied (POST, DELETE) over all of them, and the faults it
    injected.
    """
    runs = []
    posted, deleted = [], []
    faults = collections.Counter()
    for _attempt in range(1 + MAX_RERUNS):
        sim.clear_log()
        run = ansible.module('sms_phone_number', dict({'phone_numbers': desired, 'exclusive': True, 'max_deletions': SOAK_MAX_DELETIONS}, **(args or {})))
        log = sim.log()
        runs.append(run)
        result = run.result
        if run.rc != 0:
            assert_clean_task_failure(run)
        # What the task says it did is what the API applied during the task: nothing more, nothing hidden.
        assert sorted(result['created']) == sorted(applied(log, 'POST'))
        assert sorted(result['deleted']) == sorted(applied(log, 'DELETE'))
        posted += applied(log, 'POST')
        deleted += applied(log, 'DELETE')
        faults.update(entry['fault'] for entry in log if entry['fault'])
        if run.rc == 0:
            assert result['failures'] == []
            return runs, posted, deleted, faults
    pytest.fail('still failing after %d reruns; last message: %s' % (MAX_RERUNS, runs[-1].result.get('msg')))
    return None


def test_soak_reconciles_200_numbers_under_5xx_and_429(ansible, sim):
    rng = random.Random(SEED)
    sim.reset(phone_numbers=sorted(rng.sample(POOL, 150)))
    sim.config(seed=SEED, error_rate=0.2, error_statuses=[502, 503, 504], rate_limit_every=7, retry_after=0.05)
    faults = collections.Counter()
    for round_number in range(1, ROUNDS + 1):
        before = set(sim.active_numbers())
        desired = sorted(rng.sample(POOL, DESIRED_SIZE))
        runs, posted, deleted, round_faults = reconcile(ansible, sim, desired)
        faults.update(round_faults)

        assert sorted(sim.active_numbers()) == desired, 'round %d did not converge' % round_number
        # Each state transition needs exactly one applied write; a number created twice would show here.
        assert collections.Counter(posted) == collections.Counter(set(desired) - before), 'round %d' % round_number
        assert collections.Counter(deleted) == collections.Counter(before - set(desired)), 'round %d' % round_number
        last = runs[-1].result
        assert last['changed'] == bool(last['created'] or last['deleted'])
    # Otherwise the soak would prove nothing: the simulator really injected both kinds of fault.
    assert faults['rate_limit'] > 0 and faults['error_rate'] > 0, faults

    # Once converged, a run changes nothing, even under faults.
    sim.clear_log()
    final = ansible.module('sms_phone_number', {'phone_numbers': desired, 'exclusive': True, 'max_deletions': SOAK_MAX_DELETIONS})
    if final.rc == 0:
        assert final.result['changed'] is False
    else:
        assert_clean_task_failure(final)
    assert applied(sim.log(), 'POST') == [] and applied(sim.log(), 'DELETE') == []


def test_500_in_the_mix_fails_cleanly_and_a_rerun_converges(ansible, sim):
    kept = POOL[:10]
    dropped = POOL[10:20]
    added = POOL[20:50]
    always_500 = added[0]
    desired = kept + added
    sim.reset(phone_numbers=kept + dropped)
    # Seed 2 leaves the first request (the listing) alone, so the task gets as far as its writes; the number
    # in fail_numbers makes at least one write get a 500 whatever order the workers take.
    sim.config(seed=2, error_rate=0.3, error_statuses=[500, 502, 503, 504], fail_numbers=[always_500], fail_status=500)
    run = ansible.module('sms_phone_number', {'phone_numbers': desired, 'exclusive': True, 'max_deletions': SOAK_MAX_DELETIONS, 'max_retries': 1})
    log = sim.log()
    assert log[0]['operation'] == 'list' and log[0]['fault'] is None, 'the seed no longer spares the listing'
    assert_clean_task_failure(run)
    result = run.result
    assert 'changes failed' in result['msg'] and 'Run the task again' in result['msg'], result['msg']

    # Done is reported, failed is reported, and the two add up to the plan.
    assert sorted(result['created']) == sorted(applied(log, 'POST'))
    assert sorted(result['deleted']) == sorted(applied(log, 'DELETE'))
    failed = dict(((f['action'], f['phone_number']), f) for f in result['failures'])
    assert sorted(result['created'] + [n for action, n in failed if action == 'create']) == sorted(added)
    assert sorted(result['deleted'] + [n for action, n in failed if action == 'delete']) == sorted(dropped)
    # Its last answer was a 500 or one of the random 5xx drawn before it.
    assert failed[('create', always_500)]['status'] in (500, 502, 503, 504)
    for failure in result['failures']:
        assert failure['status'] in (500, 502, 503, 504)
        assert 'HTTP %d' % failure['status'] in failure['message'], failure
    active = set(sim.active_numbers())
    assert not active & set(n for action, n in failed if action == 'create')
    assert set(n for action, n in failed if action == 'delete') <= active

    # A 500 is retried like 502/503/504 (the writes are safe to resend), within max_retries: at most 2 sends per
    # write here, and none applied twice.
    sends = collections.Counter((e['method'], e['phone_number']) for e in log if e['method'] in ('POST', 'DELETE'))
    assert max(sends.values()) <= 2, sends
    assert any(e['status'] == 500 for e in log), 'the seed no longer draws a 500'
    assert any(count == 2 for (method, number), count in sends.items() if number == always_500), sends

    sim.config(error_rate=0, fail_numbers=[])
    sim.clear_log()
    rerun = ansible.module('sms_phone_number', {'phone_numbers': desired, 'exclusive': True, 'max_deletions': SOAK_MAX_DELETIONS}, expect_rc=0)
    assert sorted(rerun.result['created']) == sorted(n for action, n in failed if action == 'create')
    assert sorted(rerun.result['deleted']) == sorted(n for action, n in failed if action == 'delete')
    assert sorted(sim.active_numbers()) == sorted(desired)
    assert collections.Counter(applied(sim.log(), 'POST')) == collections.Counter(rerun.result['created'])
