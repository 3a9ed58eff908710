# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The job template's playbook run inside the execution environment, the way AWX runs a job.

ansible-runner starts ansible-playbook in the EE image through podman, with the credential type's injected
environment; the play reconciles the numbers of the simulator on the host. The host side has no copy of the
collection: everything the job uses comes from the image.
"""

from __future__ import annotations

PLAYBOOK = 'reconcile_sms_numbers.yml'
RECONCILE_TASK = 'Reconcile the numbers of the network with the list'
# docs/examples/awx_project/sms_numbers.txt
LISTED = ['+18885550100', '+18885550101', '+18885550102']


def test_job_runs_in_the_image(run_ee_job, invoca_credential, ee_image):
    simulator, env, token = invoca_credential
    simulator.reset(phone_numbers=['+18885550100', '+18885550199'])
    variables = {'sms_phone_numbers_file': 'sms_numbers.txt', 'sms_exclusive': True}

    check = run_ee_job(PLAYBOOK, env, variables, job_type='check', diff=True)
    check.assert_successful()
    assert check.command[:2] == ['podman', 'run'] and ee_image in check.command, check.command
    assert simulator.writes() == [], 'a check job writes nothing'
    assert 'WOULD have created 2 and deleted 1' in check.stdout
    check.assert_secret_absent(token)

    job = run_ee_job(PLAYBOOK, env, variables)
    job.assert_successful()
    assert sorted(simulator.active_numbers()) == LISTED
    result = job.task_result(RECONCILE_TASK)
    assert result['changed'] is True
    assert (result['created'], result['deleted']) == (['+18885550101', '+18885550102'], ['+18885550199'])
    job.assert_secret_absent(token)

    writes = len(simulator.writes())
    rerun = run_ee_job(PLAYBOOK, env, variables)
    rerun.assert_successful()
    assert rerun.task_result(RECONCILE_TASK)['changed'] is False
    assert rerun.stats['changed'] == {}, rerun.stats
    assert len(simulator.writes()) == writes, 'a rerun sends no write'
    assert sorted(simulator.active_numbers()) == LISTED
    rerun.assert_secret_absent(token)


def test_job_with_a_wrong_token_fails_without_showing_it(run_ee_job, invoca_credential):
    """The credential's token is what authenticates the job: a wrong one fails, and is not shown either."""
    simulator, env, dummy = invoca_credential
    simulator.reset(phone_numbers=['+18885550100'])
    wrong = dict(env, INVOCA_API_TOKEN='ee-wrong-token-5f0c2a')
    job = run_ee_job(PLAYBOOK, wrong, {'sms_phone_numbers': ['+18885550101']})
    assert job.status == 'failed' and job.rc != 0
    assert simulator.active_numbers() == ['+18885550100']
    job.assert_secret_absent('ee-wrong-token-5f0c2a')
