# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two ansible-playbook runs reconciling overlapping sets at the same time.

One run adds X and Y, the other removes Y and Z, against a simulator with 20 ms of latency per request.
Both wait on a barrier (playbooks/reconcile_alongside_another_run.yml) so that their requests really overlap. Which run wins
on Y depends on timing, so the test checks invariants instead of an outcome: both runs succeed, every
write was applied at most once and is reported, X ends active, Z ends inactive, and each number of Y ends
as its last applied write left it. Then each intent, run alone, becomes true, and a second run changes
nothing.
"""

from __future__ import annotations

import collections
import time

X = ['+1312555%04d' % index for index in range(0, 30)]
Y = ['+1312555%04d' % index for index in range(100, 140)]
Z = ['+1312555%04d' % index for index in range(200, 230)]
ADD = {'name': 'add X and Y', 'phone_numbers': X + Y, 'state': 'present', 'concurrency': 1}
REMOVE = {'name': 'remove Y and Z', 'phone_numbers': Y + Z, 'state': 'absent', 'concurrency': 1}


def wait_until(predicate, what, timeout=120.0):
    """Poll a condition with a deadline: synchronise on state, never on a fixed sleep."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while not predicate():
        assert time.monotonic() < deadline, 'timed out waiting for %s' % what
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def step_results(run):
    return run.task('Apply each reconcile step')['results']


def test_overlapping_runs_both_succeed_and_converge(ansible, sim, tmp_path):
    # Half of Y and all of Z active; some of X and Y soft-deleted, so adding them re-enables them.
    sim.reset(phone_numbers=Y[:20] + Z, deleted=X[:10] + Y[20:30])
    before = set(sim.active_numbers())
    sim.config(latency_ms=20)
    barrier = tmp_path / 'barrier'
    barrier.mkdir()

    adder = ansible.spawn_playbook('reconcile_alongside_another_run.yml', {'barrier_dir': str(barrier), 'run_name': 'adder',
                                                                           'reconcile_steps': [ADD]})
    remover = ansible.spawn_playbook('reconcile_alongside_another_run.yml', {'barrier_dir': str(barrier), 'run_name': 'remover',
                                                                             'reconcile_steps': [REMOVE]})

    def both_ready():
        for handle in (adder, remover):
            assert handle[0].poll() is None or (barrier / 'go').exists(), 'a run ended before the go'
        return (barrier / 'adder.ready').exists() and (barrier / 'remover.ready').exists()

    wait_until(both_ready, 'both runs to reach the barrier')
    (barrier / 'go').touch()
    add_run = ansible.finish(adder, expect_rc=0)
    remove_run = ansible.finish(remover, expect_rc=0)
    added, removed = step_results(add_run)[0], step_results(remove_run)[0]
    assert added['failures'] == [] and removed['failures'] == []
    assert added['deleted'] == [] and removed['created'] == []

    log = sim.log()
    assert all(entry['status'] is not None and entry['status'] < 500 for entry in log), 'no fault was configured'
    posts = collections.Counter(e['phone_number'] for e in log if e['applied'] and e['method'] == 'POST')
    deletes = collections.Counter(e['phone_number'] for e in log if e['applied'] and e['method'] == 'DELETE')
    # Only the adder creates and only the remover deletes, so the log tells their writes apart.
    assert max(list(posts.values()) + [1]) == 1 and max(list(deletes.values()) + [1]) == 1
    assert set(posts) <= set(added['created']) <= set(X + Y)
    assert set(deletes) <= set(removed['deleted']) <= set(Y + Z)
    # A number reported created without an applied POST must have met a 409 (someone else made it active).
    conflicts = set(e['phone_number'] for e in log if e['method'] == 'POST' and e['status'] == 409)
    assert set(added['created']) - set(posts) <= conflicts

    active = set(sim.active_numbers())
    assert set(X) <= active, 'nobody removes X'
    assert not set(Z) & active, 'nobody adds Z'
    for number in Y:
        writes = [e['method'] for e in log if e['applied'] and e['phone_number'] == number]
        expected = (writes[-1] == 'POST') if writes else (number in before)
        assert (number in active) == expected, '%s: writes %s, active %s' % (number, writes, number in active)

    races = sum(1 for e in log if e['status'] in (404, 409) and e['method'] in ('POST', 'DELETE'))
    interleaved = [e['method'] for e in log if e['method'] in ('POST', 'DELETE')]
    print('409/404 answers: %d; writes in server order: %s' % (races, ''.join(m[0] for m in interleaved)))

    # Each intent, run alone, becomes true; a second run of it changes nothing.
    sim.clear_log()
    sequential = ansible.playbook('reconcile_alongside_another_run.yml', {'reconcile_steps': [ADD, ADD, REMOVE, REMOVE]}, expect_rc=0)
    first_add, second_add, first_remove, second_remove = step_results(sequential)
    assert sorted(first_add['created']) == sorted(set(X + Y) - active)
    assert second_add['changed'] is False and second_add['created'] == []
    assert sorted(r['phone_number'] for r in second_add['phone_numbers']) == sorted(X + Y)
    assert sorted(first_remove['deleted']) == sorted(Y), 'Z was already removed by the concurrent run'
    assert second_remove['changed'] is False and second_remove['deleted'] == []
    assert sorted(sim.active_numbers()) == sorted(X)
