# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests of the list form of invoca.messaging.sms_phone_number (option phone_numbers).

Up to 10 numbers (LISTING_THRESHOLD in reconcile.py) are read with one GET each; more, or exclusive=true, are read
with one paginated listing. The simulator's log shows which reads and writes were really sent.
"""

from __future__ import annotations

import pytest

LIST_PATH = '/sms/2022-08-01/phone_numbers'
LIST_STEPS = 'Apply each step with the list form'
A, B, C, D, E = ('+1888555%04d' % i for i in range(1, 6))


def write_requests(log):
    """Every POST or DELETE the simulator received, whether or not it changed anything."""
    return [entry for entry in log if entry['method'] in ('POST', 'DELETE')]


def writes_by_number(log):
    return [(entry['method'], entry['phone_number'], entry['applied']) for entry in write_requests(log)]


def is_listing(entry):
    return entry['method'] == 'GET' and entry['path'] == LIST_PATH


def numbers_of(records):
    return [record['phone_number'] for record in records]


def records_by_number(sim):
    return dict((record['phone_number'], record) for record in sim.state())


def failed_result(run):
    """The result of a run whose only task failed."""
    assert run.rc != 0
    # The callback's status says it failed: not every ansible-core version leaves "failed" in the result it passes on.
    assert [entry['status'] for entry in run.results] == ['failed']
    return run.result


def steps(run):
    return run.task(LIST_STEPS)['results']


# -- present and absent ------------------------------------------------------------------------------------------


def test_short_list_is_created_once_then_left_alone(ansible, sim):
    bystander = '+18885559999'
    sim.reset(phone_numbers=[bystander])
    wanted = [C, A, E, B, D]
    run = ansible.playbook('list_form_apply_steps.yml', {'steps': [{'phone_numbers': wanted}] * 2}, expect_rc=0)
    first, rerun = steps(run)

    assert first['changed'] is True
    assert (first['created'], first['deleted'], first['failures']) == (wanted, [], [])
    assert numbers_of(first['phone_numbers']) == wanted
    assert all(record['deleted_at'] is None for record in first['phone_numbers'])
    assert rerun['changed'] is False
    assert (rerun['created'], rerun['deleted'], rerun['failures']) == ([], [], [])
    assert rerun['phone_numbers'] == first['phone_numbers']

    log = sim.log()
    # Two runs, one POST per number: the rerun wrote nothing.
    assert sorted(writes_by_number(log)) == sorted(('POST', number, True) for number in wanted)
    # A short list is read number by number, never with the listing.
    reads = [entry for entry in log if entry['method'] == 'GET']
    assert sorted(entry['phone_number'] for entry in reads) == sorted(wanted * 2)
    assert not any(is_listing(entry) for entry in log)
    assert sorted(sim.active_numbers()) == sorted(wanted + [bystander])


def test_long_list_is_read_with_one_listing(ansible, sim):
    bystanders = ['+1555000%04d' % i for i in range(30)]
    sim.reset(phone_numbers=bystanders)
    # Not in the order the API lists them, so that the returned order can only come from the input.
    wanted = ['+1888700%04d' % i for i in reversed(range(120))]
    run = ansible.playbook('list_form_apply_steps.yml', {'steps': [{'phone_numbers': wanted}] * 2}, expect_rc=0)
    first, rerun = steps(run)

    assert first['created'] == wanted
    assert numbers_of(first['phone_numbers']) == wanted
    assert (rerun['changed'], rerun['created'], rerun['deleted']) == (False, [], [])
    assert numbers_of(rerun['phone_numbers']) == wanted

    log = sim.log()
    assert sorted(writes_by_number(log)) == sorted(('POST', number, True) for number in wanted)
    reads = [entry for entry in log if entry['method'] == 'GET']
    # The network holds 150 numbers: one listing page of 500 per run, and not a single GET per number.
    assert len(reads) == 2
    assert all(is_listing(entry) and entry['params']['limit'] == ['500'] for entry in reads)
    assert log[0] == reads[0], 'the first run wrote before it read'
    assert log[-1] == reads[1], 'the rerun made another request after its listing'
    assert sorted(sim.active_numbers()) == sorted(bystanders + wanted)


def test_absent_deletes_only_the_active_numbers_and_honours_max_deletions(ansible, sim):
    bystander = '+18885559999'
    sim.reset(phone_numbers=[A, B, bystander], deleted=[C])
    already_deleted_at = records_by_number(sim)[C]['deleted_at']
    unwanted = [A, B, C, D]
    run = ansible.playbook('list_form_apply_steps.yml', {'steps': [
        {'phone_numbers': unwanted, 'state': 'absent', 'max_deletions': 1},
        {'phone_numbers': unwanted, 'state': 'absent', 'max_deletions': 2},
    ]})
    refused, allowed = steps(run)

    assert run.rc != 0
    assert refused['would_delete'] == [A, B]
    assert 'max_deletions is 1' in refused['msg']
    assert (refused['created'], refused['deleted'], refused.get('changed')) == ([], [], False)
    assert allowed['changed'] is True
    assert (allowed['created'], allowed['deleted'], allowed['failures']) == ([], [A, B], [])
    assert allowed['phone_numbers'] == []

    # C was soft-deleted already and D never existed: no DELETE of any kind for them.
    assert sorted(writes_by_number(sim.log())) == [('DELETE', A, True), ('DELETE', B, True)]
    state = records_by_number(sim)
    assert state[A]['deleted_at'] and state[B]['deleted_at']
    assert state[C]['deleted_at'] == already_deleted_at
    assert D not in state
    assert sim.active_numbers() == [bystander]


def test_repeats_of_one_number_are_reconciled_once(ansible, sim):
    spellings = [A, '+1 888 555 0001', '+1-888-555-0001', B, '+1 (888) 555.0001']
    result = ansible.module('sms_phone_number', {'phone_numbers': spellings, 'return_records': True}, expect_rc=0).result

    assert result['created'] == [A, B]
    assert numbers_of(result['phone_numbers']) == [A, B]
    log = sim.log()
    assert sorted(writes_by_number(log)) == [('POST', A, True), ('POST', B, True)]
    assert sorted(entry['phone_number'] for entry in log if entry['method'] == 'GET') == [A, B]


@pytest.mark.core_sensitive
def test_one_invalid_member_fails_the_list_before_any_request(ansible, sim):
    result = failed_result(ansible.module('sms_phone_number', {'phone_numbers': [A, 'bogus', B, '+1888']}))

    assert "'bogus'" in result['msg'] and "'+1888'" in result['msg']
    assert '+18885550100' in result['msg']
    assert sim.log() == []
    assert sim.state() == []


# -- exclusive -------------------------------------------------------------------------------------------------


def test_exclusive_check_mode_shows_the_plan_and_the_real_run_follows_it(ansible, sim):
    sim.reset(phone_numbers=[A, B, C, D])
    state_before = sim.state()
    args = {'phone_numbers': [A, B, E], 'exclusive': True, 'return_records': True}
    # Only what changes, after a line counting the others (A and B).
    others = '# 2 other active numbers, unchanged\n'
    expected_diff = {'before': '%s%s\n%s\n' % (others, C, D), 'after': '%s%s\n' % (others, E),
                     'before_header': 'active SMS numbers before', 'after_header': 'active SMS numbers after'}

    preview = ansible.module('sms_phone_number', args, check=True, diff=True, expect_rc=0).result
    assert preview['changed'] is True
    assert (preview['created'], preview['deleted'], preview['failures']) == ([E], [C, D], [])
    assert preview['diff'] == expected_diff
    assert numbers_of(preview['phone_numbers']) == [A, B, E]
    assert preview['phone_numbers'][2] == {'phone_number': E}
    assert write_requests(sim.log()) == []
    assert sim.state() == state_before

    sim.clear_log()
    real = ansible.module('sms_phone_number', args, diff=True, expect_rc=0).result
    assert (real['changed'], real['created'], real['deleted'], real['failures']) == (True, [E], [C, D], [])
    assert real['diff'] == expected_diff
    assert numbers_of(real['phone_numbers']) == [A, B, E]
    writes = writes_by_number(sim.log())
    # Creates go first, so that a run cut short leaves a number too many rather than one too few.
    assert writes[0] == ('POST', E, True)
    assert sorted(writes[1:]) == [('DELETE', C, True), ('DELETE', D, True)]
    assert sim.active_numbers() == [A, B, E]


@pytest.mark.core_sensitive
def test_exclusive_refuses_an_empty_list_before_any_request(ansible, sim):
    sim.reset(phone_numbers=[A, B])
    result = failed_result(ansible.module('sms_phone_number', {'phone_numbers': [], 'exclusive': True}))

    assert 'Refusing exclusive=true with an empty phone_numbers list' in result['msg']
    assert sim.log() == []
    assert sim.active_numbers() == [A, B]


def test_exclusive_max_deletions_refuses_before_any_write_and_allows_up_to_the_limit(ansible, sim):
    sim.reset(phone_numbers=[A, B, C, D])
    desired = {'phone_numbers': [A, B, E], 'exclusive': True}
    run = ansible.playbook('list_form_apply_steps.yml', {'steps': [
        dict(desired, max_deletions=1),
        dict(desired, max_deletions=2),
    ]})
    refused, allowed = steps(run)

    assert run.rc != 0
    assert refused['would_delete'] == [C, D]
    assert 'Refusing to delete 2 numbers' in refused['msg']
    assert (refused['created'], refused['deleted'], refused.get('changed')) == ([], [], False)
    assert (allowed['changed'], allowed['created'], allowed['deleted']) == (True, [E], [C, D])

    log = sim.log()
    # The refused step read the network and stopped: every write comes after the second step's listing.
    assert [entry['method'] for entry in log] == ['GET', 'GET', 'POST', 'DELETE', 'DELETE']
    assert sim.active_numbers() == [A, B, E]


# -- concurrency and partial failure ---------------------------------------------------------------------------


def test_one_worker_gives_the_same_result_as_eight(ansible, sim):
    network = ['+1555000%04d' % i for i in range(10)]
    desired = ['+1888600%04d' % i for i in range(10)] + network[:5]
    outcomes = {}
    for concurrency in (1, 8):
        sim.reset(phone_numbers=network)
        args = {'phone_numbers': desired, 'exclusive': True, 'concurrency': concurrency, 'return_records': True}
        result = ansible.module('sms_phone_number', args, expect_rc=0).result
        log = sim.log()
        outcomes[concurrency] = {
            'result': (result['changed'], result['created'], result['deleted'], result['failures'],
                       numbers_of(result['phone_numbers'])),
            'writes': writes_by_number(log),
            'active': sorted(sim.active_numbers()),
        }

    assert outcomes[1]['result'] == outcomes[8]['result']
    assert outcomes[1]['result'][1:3] == (desired[:10], network[5:])
    assert outcomes[1]['active'] == outcomes[8]['active'] == sorted(desired)
    # One worker sends one request after another, in the order of the plan.
    assert outcomes[1]['writes'] == [('POST', n, True) for n in desired[:10]] + [('DELETE', n, True) for n in network[5:]]
    assert sorted(outcomes[8]['writes']) == sorted(outcomes[1]['writes'])


@pytest.mark.core_sensitive
def test_partial_failure_reports_everything_and_a_rerun_finishes(ansible, sim):
    wanted = ['+1888555%04d' % i for i in range(6)]
    failing = [wanted[1], wanted[4]]
    succeeding = [n for n in wanted if n not in failing]
    sim.config(fail_numbers=failing)

    result = failed_result(ansible.module('sms_phone_number', {'phone_numbers': wanted, 'return_records': True}))
    assert result['changed'] is True
    assert result['created'] == succeeding
    assert result['deleted'] == []
    # "failed" is Ansible's flag; the list of what went wrong is "failures".
    assert not isinstance(result.get('failed'), list)
    assert [(f['phone_number'], f['action'], f['status']) for f in result['failures']] == [
        (number, 'create', 500) for number in failing]
    for entry in result['failures']:
        assert set(entry) == {'phone_number', 'action', 'status', 'message'}
        # A create is safe to resend, so a 500 is retried (max_retries 3: four attempts) before it fails.
        assert entry['phone_number'] in entry['message'] and 'still failing after 4 attempts' in entry['message']
    assert '2 of 6 changes failed' in result['msg']
    assert numbers_of(result['phone_numbers']) == succeeding
    assert sorted(sim.active_numbers()) == sorted(succeeding)
    assert sorted(writes_by_number(sim.log())) == sorted(
        [('POST', n, True) for n in succeeding] + [('POST', n, False) for n in failing] * 4)

    sim.config(fail_numbers=[])
    sim.clear_log()
    run = ansible.playbook('list_form_apply_steps.yml', {'steps': [{'phone_numbers': wanted}] * 2}, expect_rc=0)
    finish, converged = steps(run)

    assert (finish['changed'], finish['created'], finish['failures']) == (True, failing, [])
    assert numbers_of(finish['phone_numbers']) == wanted
    assert (converged['changed'], converged['created'], converged['deleted']) == (False, [], [])
    assert sorted(writes_by_number(sim.log())) == sorted(('POST', n, True) for n in failing)
    assert sorted(sim.active_numbers()) == sorted(wanted)
