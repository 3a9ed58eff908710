# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the AWX-readiness tests: the collection as AWX gets it, jobs run the way AWX runs them.

* ``project_collections``: AWX's project update, done once: the example project of docs/examples/awx_project is
  copied, its collections/requirements.yml is pointed at the freshly built tarball (type: file, since Galaxy
  may be out of reach), and ``ansible-galaxy collection install -r`` installs it, as AWX does.
* ``AwxJob``: one job = one ansible_runner.run() with a FRESH private data directory (project/, inventory/,
  env/extravars), the environment the credential's injectors produce passed as ``envvars``, and ``--check``
  (and ``--diff``) in ``cmdline`` for a job template of type "Check" with "Show Changes", as AWX does.

Run with the Python of a venv made from tests/requirements/awx.txt: ansible-playbook, ansible-galaxy and
ansible-builder are taken from that venv's bin directory.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
EXAMPLES = REPO / 'docs' / 'examples'
EXAMPLE_PROJECT = EXAMPLES / 'awx_project'
CREDENTIAL_TYPE_FILE = REPO / 'extensions' / 'awx' / 'invoca_sms_credential_type.yml'
BIN = Path(sys.executable).parent

from awx_emulation import inject, load_credential_type, validate_credential_type  # noqa: E402  pylint: disable=wrong-import-position
from simulator_control import Simulator  # noqa: E402  pylint: disable=wrong-import-position

import ansible_runner  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order


def tool(name):
    """A command of this venv (ansible-playbook, ansible-galaxy, ansible-builder)."""
    return str(BIN / name)


def fresh_token():
    """A credential's secret: random, and distinctive enough that a substring search finds any leak."""
    return 'awx-secret-' + secrets.token_hex(16)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No INVOCA_*, CONTROLLER_* or ANSIBLE_* variable of the calling shell may reach a job: only what we give."""
    for name in list(os.environ):
        if name.startswith(('INVOCA_', 'ANSIBLE_', 'CONTROLLER_', 'TOWER_')):
            monkeypatch.delenv(name)


@pytest.fixture(scope='session')
def collection_tarball(tmp_path_factory):
    """The collection as published: built with ansible-galaxy."""
    build = tmp_path_factory.mktemp('build')
    subprocess.run([tool('ansible-galaxy'), 'collection', 'build', str(REPO), '--output-path', str(build)],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return next(build.glob('invoca-messaging-*.tar.gz'))


@pytest.fixture(scope='session')
def installed_collection(tmp_path_factory, collection_tarball):
    """A collections directory (ANSIBLE_COLLECTIONS_PATH) holding the installed collection."""
    installed = tmp_path_factory.mktemp('collections')
    subprocess.run([tool('ansible-galaxy'), 'collection', 'install', str(collection_tarball), '-p', str(installed)],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return installed


@pytest.fixture(scope='session')
def project_collections(tmp_path_factory, collection_tarball):
    """AWX's project update: install what the example project's collections/requirements.yml asks for.

    invoca.messaging is taken from the built tarball instead of Galaxy; awx.awx is left out (only the
    credential-type playbook needs it, see awx_collection).
    """
    requirements = yaml.safe_load((EXAMPLE_PROJECT / 'collections' / 'requirements.yml').read_text(encoding='utf-8'))
    names = [entry['name'] for entry in requirements['collections']]
    assert 'invoca.messaging' in names, 'the example project must install invoca.messaging'
    local = tmp_path_factory.mktemp('project-update')
    (local / 'requirements.yml').write_text(yaml.safe_dump({'collections': [
        {'name': str(collection_tarball), 'type': 'file'}]}), encoding='utf-8')
    installed = local / 'requirements_collections'
    subprocess.run([tool('ansible-galaxy'), 'collection', 'install', '-r', str(local / 'requirements.yml'), '-p', str(installed)],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return installed


@pytest.fixture(scope='session')
def awx_collection():
    """A collections directory holding awx.awx (from the `ansible` package on PyPI; see fetch_awx_collection.py).

    INVOCA_AWX_COLLECTIONS_PATH may name one that already has ansible_collections/awx/awx.
    """
    given = os.environ.get('INVOCA_AWX_COLLECTIONS_PATH')
    if given:
        return Path(given)
    cache = Path(os.environ.get('XDG_CACHE_HOME') or Path.home() / '.cache') / 'invoca-messaging-tests' / 'awx-collection'
    subprocess.run([sys.executable, str(HERE / 'fetch_awx_collection.py'), str(cache)], check=True, stdout=subprocess.PIPE)
    return cache


@pytest.fixture(scope='session')
def credential_type():
    """The credential type, checked as AWX checks it when it is created."""
    return validate_credential_type(load_credential_type(CREDENTIAL_TYPE_FILE))


class AwxJob:
    """One job run the way AWX runs it, and what it left: status, rc, stdout, events, artifacts."""

    def __init__(self, runner, private_data_dir, secrets_):
        self.runner = runner
        self.private_data_dir = private_data_dir
        self.status = runner.status
        self.rc = runner.rc
        with open(runner.stdout.name, encoding='utf-8', errors='replace') as handle:
            self.stdout = handle.read()
        self.events = list(runner.events)
        self.secrets = secrets_

    def task_results(self, task):
        """The `res` of every runner_on_ok / runner_on_failed event of the task with this name."""
        return [event['event_data']['res'] for event in self.events
                if event.get('event') in ('runner_on_ok', 'runner_on_failed') and event['event_data'].get('task') == task]

    def task_result(self, task):
        found = self.task_results(task)
        assert found, 'no result for task %r; tasks seen: %s' % (task, sorted(set(
            e['event_data'].get('task') for e in self.events if e['event_data'].get('task'))))
        return found[-1]

    @property
    def stats(self):
        return self.runner.stats

    def assert_successful(self):
        assert (self.status, self.rc) == ('successful', 0), 'job %s (rc %s); stdout:\n%s' % (self.status, self.rc, self.stdout[-6000:])

    def assert_no_secret_leaked(self):
        """No secret in the job output, nor anywhere in any job event (all fields, serialised)."""
        events = json.dumps(self.events, sort_keys=True)
        for secret in self.secrets:
            assert secret not in self.stdout, 'a secret leaked into the job output'
            assert secret not in events, 'a secret leaked into the job events'


def run_job(tmp_path, playbook, envvars, extravars=None, job_type='run', diff=False, verbosity=0, secrets_=(),
            collections_paths=(), project=EXAMPLE_PROJECT):
    """Run `playbook` of `project` like an AWX job: fresh private data dir, injected env, job type."""
    private_data_dir = Path(tmp_path) / ('job-' + secrets.token_hex(4))
    assert not private_data_dir.exists()
    shutil.copytree(project, private_data_dir / 'project')
    (private_data_dir / 'inventory').mkdir()
    # AWX always passes an inventory; the play targets localhost, which runs in the execution environment
    # with the Python of ansible-playbook (here: this venv's).
    (private_data_dir / 'inventory' / 'hosts').write_text(
        'localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable, encoding='utf-8')
    (private_data_dir / 'env').mkdir()
    (private_data_dir / 'env' / 'extravars').write_text(yaml.safe_dump(extravars or {}), encoding='utf-8')
    job_env = {
        # What AWX and the execution environment set besides the credential's variables.
        'PATH': '%s%s%s' % (BIN, os.pathsep, os.environ.get('PATH', '')),
        'ANSIBLE_COLLECTIONS_PATH': os.pathsep.join(str(path) for path in collections_paths),
        'ANSIBLE_FORCE_COLOR': 'false',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_HOST_KEY_CHECKING': 'false',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'ANSIBLE_LOCAL_TEMP': str(private_data_dir / 'tmp'),
        'ANSIBLE_REMOTE_TEMP': str(private_data_dir / 'tmp'),
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
    }
    job_env.update(envvars)
    cmdline = []
    if job_type == 'check':
        cmdline.append('--check')
    if diff:
        cmdline.append('--diff')
    runner = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        playbook=playbook,
        envvars=job_env,
        cmdline=' '.join(cmdline) or None,
        verbosity=verbosity or None,
        quiet=True,
        ident='1',
    )
    return AwxJob(runner, private_data_dir, list(secrets_))


@pytest.fixture
def awx_job(tmp_path, project_collections):
    """run_job with the project's collections; the caller gives the injected env and its secrets."""

    def run(playbook, envvars, **kwargs):
        kwargs.setdefault('collections_paths', (project_collections,))
        return run_job(tmp_path, playbook, envvars, **kwargs)

    return run


@pytest.fixture
def invoca_credential(credential_type):
    """A credential of the Invoca type for a fresh simulator: fresh random token, the simulator's URL.

    Yields (simulator, env, safe_env): env is what the job gets (the injectors rendered as AWX renders them),
    safe_env what AWX stores with the job.
    """
    token = fresh_token()
    with Simulator(token=token) as simulator:
        env, safe_env = inject(credential_type, {'api_token': token, 'api_url': simulator.url})
        yield simulator, env, safe_env
