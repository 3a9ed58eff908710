# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""invoca.messaging.awx_credential_type: creates the credential type from the one definition file.

It runs the real awx.awx.credential_type module (awx.awx 24.6.1, from the `ansible` package on PyPI) against
fake_awx.FakeAwx, which accepts only what AWX would accept; as an AWX job (ansible-runner, the example
project's wrapper playbook, a "Red Hat Ansible Automation Platform" credential's CONTROLLER_* variables).
"""

from __future__ import annotations

import subprocess

import pytest
import yaml

from awx_emulation import inject, validate_credential_type
from conftest import CREDENTIAL_TYPE_FILE, EXAMPLE_PROJECT, REPO, fresh_token, tool
from fake_awx import FakeAwx

# FakeAwx serves from a thread of this process while ansible-runner forks ansible-playbook through a pty;
# the child execs at once, so Python's warning about forking a threaded process does not apply.
pytestmark = pytest.mark.filterwarnings('ignore:This process .* is multi-threaded:DeprecationWarning')

PLAYBOOK = 'create_credential_type.yml'
TASK = 'Create or update the credential type'


def only(records):
    """The one credential type the fake AWX holds."""
    assert len(records) == 1, records
    return list(records.values())[0]


def controller_env(awx):
    """What AWX's built-in "Red Hat Ansible Automation Platform" credential injects."""
    return {'CONTROLLER_HOST': awx.url, 'CONTROLLER_OAUTH_TOKEN': awx.token, 'CONTROLLER_VERIFY_SSL': 'false'}


def test_syntax_of_the_playbooks_with_awx_collection(installed_collection, awx_collection, tmp_path):
    """ansible-playbook --syntax-check resolves every module, awx.awx.credential_type included."""
    env = {'ANSIBLE_COLLECTIONS_PATH': '%s:%s' % (installed_collection, awx_collection), 'PATH': '/usr/bin:/bin',
           'ANSIBLE_LOCAL_TEMP': str(tmp_path), 'HOME': str(tmp_path)}
    playbooks = [str(path) for path in sorted((REPO / 'playbooks').glob('*.yml'))]
    playbooks += [str(path) for path in sorted(EXAMPLE_PROJECT.glob('*.yml'))]
    playbooks += ['invoca.messaging.awx_credential_type', 'invoca.messaging.reconcile_sms_numbers']
    for playbook in playbooks:
        completed = subprocess.run([tool('ansible-playbook'), '--syntax-check', '-i', 'localhost,', playbook], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        assert completed.returncode == 0, '%s:\n%s' % (playbook, completed.stdout.decode())


def test_creates_the_type_from_the_file_then_changes_nothing(awx_job, project_collections, awx_collection):
    definition = yaml.safe_load(CREDENTIAL_TYPE_FILE.read_text(encoding='utf-8'))
    with FakeAwx(fresh_token()) as awx:
        paths = (project_collections, awx_collection)
        job = awx_job(PLAYBOOK, controller_env(awx), collections_paths=paths, secrets_=[awx.token])
        job.assert_successful()
        job.assert_no_secret_leaked()
        assert job.task_result(TASK)['changed'] is True
        created = only(awx.credential_types)
        for key in ('name', 'description', 'kind', 'inputs', 'injectors'):
            assert created[key] == definition[key], key
        assert [(entry['method'], entry['path']) for entry in awx.writes()] == [('POST', '/api/v2/credential_types/')]

        # What a credential of the type that AWX now holds gives a job.
        env, dummy = inject(validate_credential_type(created), {'api_token': 'x', 'api_url': 'https://sms.example.test'})
        assert env == {'INVOCA_API_TOKEN': 'x', 'INVOCA_API_URL': 'https://sms.example.test', 'INVOCA_API_VERSION': '2022-08-01'}

        again = awx_job(PLAYBOOK, controller_env(awx), collections_paths=paths, secrets_=[awx.token])
        again.assert_successful()
        assert again.task_result(TASK)['changed'] is False
        assert len(awx.writes()) == 1, 'the second run must not write'
        assert 'already up to date' in again.stdout


def test_check_mode_reports_without_writing(awx_job, project_collections, awx_collection):
    with FakeAwx(fresh_token()) as awx:
        job = awx_job(PLAYBOOK, controller_env(awx), collections_paths=(project_collections, awx_collection),
                      job_type='check', secrets_=[awx.token])
        job.assert_successful()
        assert awx.writes() == [] and awx.credential_types == {}


def test_an_edited_definition_updates_the_type(awx_job, project_collections, awx_collection, tmp_path):
    definition = yaml.safe_load(CREDENTIAL_TYPE_FILE.read_text(encoding='utf-8'))
    edited = dict(definition, description='Edited description')
    edited_file = tmp_path / 'edited.yml'
    edited_file.write_text(yaml.safe_dump(edited), encoding='utf-8')
    with FakeAwx(fresh_token()) as awx:
        paths = (project_collections, awx_collection)
        awx_job(PLAYBOOK, controller_env(awx), collections_paths=paths, secrets_=[awx.token]).assert_successful()
        job = awx_job(PLAYBOOK, controller_env(awx), collections_paths=paths, secrets_=[awx.token],
                      extravars={'invoca_credential_type_file': str(edited_file)})
        job.assert_successful()
        assert job.task_result(TASK)['changed'] is True
        assert [entry['method'] for entry in awx.writes()] == ['POST', 'PATCH']
        record = only(awx.credential_types)
        assert record['description'] == 'Edited description' and record['injectors'] == definition['injectors']


def test_a_definition_awx_refuses_fails_the_job(awx_job, project_collections, awx_collection, tmp_path):
    definition = yaml.safe_load(CREDENTIAL_TYPE_FILE.read_text(encoding='utf-8'))
    definition['injectors']['env']['INVOCA_EXTRA'] = '{{ undefined_field }}'
    broken_file = tmp_path / 'broken.yml'
    broken_file.write_text(yaml.safe_dump(definition), encoding='utf-8')
    with FakeAwx(fresh_token()) as awx:
        job = awx_job(PLAYBOOK, controller_env(awx), collections_paths=(project_collections, awx_collection),
                      extravars={'invoca_credential_type_file': str(broken_file)}, secrets_=[awx.token])
        assert job.status == 'failed'
        assert 'undefined field' in job.task_result(TASK)['msg']
        assert awx.credential_types == {}
