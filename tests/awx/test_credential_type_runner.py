# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A job template of the shipped playbook, run through ansible-runner the way AWX runs it.

The credential is one of the "Invoca SMS Messaging API" type (extensions/awx/invoca_sms_credential_type.yml)
with a fresh random token and the simulator's URL; the job gets exactly the environment its injectors
produce. The project is docs/examples/awx_project, whose job-template playbook imports
invoca.messaging.reconcile_sms_numbers by FQCN.
"""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import EXAMPLE_PROJECT, run_job

PLAYBOOK = 'reconcile_sms_numbers.yml'
RECONCILE_TASK = 'Reconcile the numbers of the network with the list'
WRITE_OPERATIONS = ('create', 'delete')


def listed_numbers():
    """The numbers of the example project's sms_numbers.txt (what the job is asked to reconcile to)."""
    lines = (EXAMPLE_PROJECT / 'sms_numbers.txt').read_text(encoding='utf-8').splitlines()
    return sorted(n for n in (line.split('#')[0].strip() for line in lines) if n)


def seed(simulator):
    """Active: one listed number and two others; soft-deleted: one listed number."""
    wanted = listed_numbers()
    simulator.reset(phone_numbers=[wanted[0], '+18885550190', '+18885550191'], deleted=[wanted[1]])
    return wanted


def playbook_stats(job):
    """The set_stats data of the job (what AWX keeps as the job's artifacts)."""
    for event in job.events:
        if event.get('event') == 'playbook_on_stats':
            return event['event_data'].get('artifact_data') or {}
    raise AssertionError('no playbook_on_stats event')


def test_check_job_then_run_job(awx_job, invoca_credential):
    simulator, env, safe_env = invoca_credential
    wanted = seed(simulator)
    extravars = {'sms_phone_numbers_file': 'sms_numbers.txt', 'sms_exclusive': True}

    # 1. The "Check" job template with "Show Changes": the plan, and not a single write.
    check = awx_job(PLAYBOOK, env, extravars=extravars, job_type='check', diff=True, secrets_=[env['INVOCA_API_TOKEN']])
    check.assert_successful()
    check.assert_no_secret_leaked()
    assert [entry for entry in simulator.log() if entry['operation'] in WRITE_OPERATIONS] == []
    plan = check.task_result(RECONCILE_TASK)
    assert plan['changed'] is True
    assert sorted(plan['created']) == wanted[1:]
    assert sorted(plan['deleted']) == ['+18885550190', '+18885550191']
    assert sorted(simulator.active_numbers()) == sorted([wanted[0], '+18885550190', '+18885550191'])
    assert 'WOULD have created 2 and deleted 2' in check.stdout
    assert playbook_stats(check) == {'sms_reconcile_created': plan['created'], 'sms_reconcile_deleted': plan['deleted'],
                                     'sms_reconcile_check_mode': True}

    # 2. The "Run" job template, same variables, high verbosity: it does what the check said.
    simulator.clear_log()
    run = awx_job(PLAYBOOK, env, extravars=extravars, verbosity=4, secrets_=[env['INVOCA_API_TOKEN']])
    run.assert_successful()
    run.assert_no_secret_leaked()
    result = run.task_result(RECONCILE_TASK)
    assert (sorted(result['created']), sorted(result['deleted'])) == (sorted(plan['created']), sorted(plan['deleted']))
    assert sorted(simulator.active_numbers()) == wanted
    writes = sorted((entry['operation'], entry['phone_number']) for entry in simulator.writes())
    assert writes == sorted([('create', n) for n in wanted[1:]] + [('delete', '+18885550190'), ('delete', '+18885550191')])
    assert 'This run created 2 and deleted 2' in run.stdout
    assert playbook_stats(run)['sms_reconcile_check_mode'] is False

    # 3. Run again: nothing left to do.
    simulator.clear_log()
    again = awx_job(PLAYBOOK, env, extravars=extravars, secrets_=[env['INVOCA_API_TOKEN']])
    again.assert_successful()
    again.assert_no_secret_leaked()
    assert again.task_result(RECONCILE_TASK)['changed'] is False
    assert simulator.writes() == []
    assert sorted(simulator.active_numbers()) == wanted


def test_the_job_uses_the_injected_credential_only(awx_job, invoca_credential):
    """The token reaches the API only through the injected environment: the module is not given it."""
    simulator, env, dummy = invoca_credential
    seed(simulator)
    # Module invocations in every result, at the highest verbosity: the most a job can show.
    job = awx_job(PLAYBOOK, dict(env, ANSIBLE_INJECT_INVOCATION='true'), extravars={'sms_phone_numbers': ['+18885550150']},
                  verbosity=5, secrets_=[env['INVOCA_API_TOKEN']])
    job.assert_successful()
    job.assert_no_secret_leaked()
    invocation = job.task_result(RECONCILE_TASK)['invocation']['module_args']
    assert invocation['api_token'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert invocation['api_url'] == simulator.url
    assert invocation['api_version'] == env['INVOCA_API_VERSION']
    assert '+18885550150' in simulator.active_numbers()
    assert simulator.log() and all(entry['auth'] == 'valid' for entry in simulator.log())


def test_a_wrong_token_fails_the_job_without_showing_either_token(awx_job, invoca_credential, credential_type):
    simulator, env, dummy = invoca_credential
    from awx_emulation import inject  # pylint: disable=import-outside-toplevel
    wrong_env, dummy = inject(credential_type, {'api_token': 'awx-wrong-token-0123456789', 'api_url': simulator.url})
    job = awx_job(PLAYBOOK, wrong_env, extravars={'sms_phone_numbers': ['+18885550150']},
                  secrets_=['awx-wrong-token-0123456789', env['INVOCA_API_TOKEN']])
    assert job.status == 'failed' and job.rc != 0
    job.assert_no_secret_leaked()
    assert 'HTTP 403' in job.task_result(RECONCILE_TASK)['msg']
    assert simulator.writes() == []


def test_the_leak_check_catches_a_printed_token(tmp_path, project_collections, invoca_credential):
    """A playbook that prints the injected token fails the check: the checks above passing means something."""
    dummy, env, dummy = invoca_credential
    project = tmp_path / 'leaky-project'
    project.mkdir()
    (project / 'leak.yml').write_text(yaml.safe_dump([{
        'name': 'Leak', 'hosts': 'localhost', 'gather_facts': False,
        'tasks': [{'name': 'Print the token', 'ansible.builtin.debug': {'msg': "{{ lookup('ansible.builtin.env', 'INVOCA_API_TOKEN') }}"}}],
    }]), encoding='utf-8')
    job = run_job(tmp_path, 'leak.yml', env, project=project, collections_paths=(project_collections,),
                  secrets_=[env['INVOCA_API_TOKEN']])
    job.assert_successful()
    assert env['INVOCA_API_TOKEN'] in job.stdout and env['INVOCA_API_TOKEN'] in json.dumps(job.events)
    with pytest.raises(AssertionError, match='leaked'):
        job.assert_no_secret_leaked()


def test_the_example_project_is_what_awx_needs():
    """collections/requirements.yml installs the collection; the job-template playbook imports it by FQCN."""
    requirements = yaml.safe_load((EXAMPLE_PROJECT / 'collections' / 'requirements.yml').read_text(encoding='utf-8'))
    assert 'invoca.messaging' in [entry['name'] for entry in requirements['collections']]
    (play,) = yaml.safe_load((EXAMPLE_PROJECT / PLAYBOOK).read_text(encoding='utf-8'))
    assert play['ansible.builtin.import_playbook'] == 'invoca.messaging.reconcile_sms_numbers'
