# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shipped job-template playbook invoca.messaging.reconcile_sms_numbers, its variables and its refusals.

Every job runs through ansible-runner with the Invoca credential injected, as in test_credential_type_runner.
"""

from __future__ import annotations

import shutil

from conftest import EXAMPLE_PROJECT

PLAYBOOK = 'reconcile_sms_numbers.yml'
RECONCILE_TASK = 'Reconcile the numbers of the network with the list'


def run(awx_job, env, extravars, **kwargs):
    job = awx_job(PLAYBOOK, env, extravars=extravars, secrets_=[env['INVOCA_API_TOKEN']], **kwargs)
    job.assert_no_secret_leaked()
    return job


def test_refuses_to_run_without_a_list(awx_job, invoca_credential):
    simulator, env, dummy = invoca_credential
    simulator.reset(phone_numbers=['+18885550100'])
    for extravars in ({}, {'sms_exclusive': True}, {'sms_phone_numbers': '', 'sms_phone_numbers_file': ''},
                      {'sms_phone_numbers': None}):
        job = run(awx_job, env, extravars)
        assert job.status == 'failed' and job.rc != 0, extravars
        assert 'Refusing to run without them' in job.stdout
        assert simulator.log() == [], 'not a single API request may be sent'
    assert simulator.active_numbers() == ['+18885550100']


def test_not_exclusive_adds_and_deletes_nothing(awx_job, invoca_credential):
    simulator, env, dummy = invoca_credential
    simulator.reset(phone_numbers=['+18885550100', '+18885550199'])
    job = run(awx_job, env, {'sms_phone_numbers': ['+18885550100', '+1 (888) 555-0101']})
    job.assert_successful()
    assert job.task_result(RECONCILE_TASK)['created'] == ['+18885550101']
    assert sorted(simulator.active_numbers()) == ['+18885550100', '+18885550101', '+18885550199']
    assert 'This run created 1 and deleted 0' in job.stdout


def test_survey_text_and_file_combined(awx_job, invoca_credential, tmp_path):
    """A survey textarea gives a string: one number per line (or comma-separated), comments ignored."""
    simulator, env, dummy = invoca_credential
    simulator.reset(phone_numbers=['+18885550199'])
    project = tmp_path / 'project-src'
    shutil.copytree(EXAMPLE_PROJECT, project)
    (project / 'more').mkdir()
    (project / 'more' / 'numbers.txt').write_text('# header\n\n  +18885550120  \n+18885550121 # trailing comment\n\n', encoding='utf-8')
    job = run(awx_job, env, {
        'sms_phone_numbers': '+18885550110\n# a comment line\n\n+18885550111, +18885550112\n',
        'sms_phone_numbers_file': 'more/numbers.txt',
        'sms_exclusive': 'true',   # surveys give strings
    }, project=project)
    job.assert_successful()
    expected = ['+18885550110', '+18885550111', '+18885550112', '+18885550120', '+18885550121']
    assert sorted(simulator.active_numbers()) == expected
    assert job.task_result(RECONCILE_TASK)['deleted'] == ['+18885550199']


def test_file_given_by_absolute_path(awx_job, invoca_credential, tmp_path):
    simulator, env, dummy = invoca_credential
    simulator.reset()
    numbers = tmp_path / 'numbers.txt'
    numbers.write_text('+18885550130\n', encoding='utf-8')
    job = run(awx_job, env, {'sms_phone_numbers_file': str(numbers)})
    job.assert_successful()
    assert simulator.active_numbers() == ['+18885550130']


def test_a_missing_file_fails_before_any_request(awx_job, invoca_credential):
    simulator, env, dummy = invoca_credential
    simulator.reset(phone_numbers=['+18885550100'])
    job = run(awx_job, env, {'sms_phone_numbers_file': 'no-such-file.txt', 'sms_exclusive': True})
    assert job.status == 'failed'
    assert 'no-such-file.txt' in job.stdout
    assert simulator.log() == []


def test_exclusive_stops_at_the_default_of_ten_deletions(awx_job, invoca_credential):
    simulator, env, dummy = invoca_credential
    simulator.reset(phone_numbers=['+188855502%02d' % n for n in range(12)])
    job = run(awx_job, env, {'sms_phone_numbers': ['+18885550200'], 'sms_exclusive': True})
    assert job.status == 'failed'
    result = job.task_result(RECONCILE_TASK)
    assert len(result['would_delete']) == 11 and 'max_deletions is 10' in result['msg']
    assert simulator.writes() == []
    # A larger limit, given on purpose, lets it through.
    job = run(awx_job, env, {'sms_phone_numbers': ['+18885550200'], 'sms_exclusive': True, 'sms_max_deletions': 11})
    job.assert_successful()
    assert simulator.active_numbers() == ['+18885550200']
