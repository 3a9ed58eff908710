# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the execution-environment tests: a real EE image, and jobs run inside it as AWX runs them.

* ``ee_image``: ``ansible-builder build`` of docs/examples/execution-environment.yml, with the collection
  built from this checkout, on the tests' local Debian base image (tests/ee/base_image.sh). The collection is
  installed the way the example shows: its requirements.yml names the tarball (``type: file``) and the
  definition's ``additional_build_files`` copies it into the build context; only awx.awx is left out (Galaxy
  may be out of reach). The image and the layers of its build are removed at the end of the session.
* ``run_ee_job``: one job = one ``ansible_runner.run()`` with process isolation through podman in that
  image, a fresh private data directory, the credential type's injected environment, host networking (the
  simulator listens on 127.0.0.1 of the host).

Run with the Python of the venv made from tests/requirements/awx.txt (ansible-builder, ansible-runner), as
root, with podman installed: tests/ee/run.sh does all of that (``make ee``).
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
EE_FILE = REPO / 'docs' / 'examples' / 'execution-environment.yml'
EXAMPLE_PROJECT = REPO / 'docs' / 'examples' / 'awx_project'
CREDENTIAL_TYPE_FILE = REPO / 'extensions' / 'awx' / 'invoca_sms_credential_type.yml'
BIN = Path(sys.executable).parent
EE_IMAGE = 'localhost/invoca-messaging-ee:test'
# Inherited from the base image by every image and build layer made from it; the cleanup goes by it.
LABEL = 'invoca-messaging-tests=ee'
# The uid the EE image runs as (ansible-builder's USER 1000); the job's private data directory belongs to it,
# as AWX's belongs to the user its containers run as.
EE_UID = 1000

from awx_emulation import inject, load_credential_type, validate_credential_type  # noqa: E402  pylint: disable=wrong-import-position
from simulator_control import Simulator  # noqa: E402  pylint: disable=wrong-import-position

import ansible_runner  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order


def podman_environment():
    """The environment podman gets: the tests' containers.conf (runc, cgroupfs, host ulimits), unless given."""
    env = dict(os.environ)
    env.setdefault('CONTAINERS_CONF', str(HERE / 'containers.conf'))
    return env


def run(command, cwd=None, env=None, check=True, timeout=120, stderr_apart=False):
    """Run a command; return (rc, output), failing the test with the output when check and rc != 0.

    The output is stdout and stderr combined, or stdout alone with ``stderr_apart`` (for output to be parsed, which
    a warning on stderr, such as a library's deprecation notice, must not spoil); stderr is shown on failure.
    """
    completed = subprocess.run([str(part) for part in command], cwd=cwd, env=env or podman_environment(), timeout=timeout,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE if stderr_apart else subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, check=False)
    output = completed.stdout.decode('utf-8', errors='replace')
    if check:
        shown = output + (completed.stderr.decode('utf-8', errors='replace') if stderr_apart else '')
        assert completed.returncode == 0, '%s failed (rc %d):\n%s' % (' '.join(str(part) for part in command), completed.returncode, shown[-8000:])
    return completed.returncode, output


def in_image(image, *command):
    """Run a command in a throwaway container of the image; return what it printed on stdout."""
    return run(['podman', 'run', '--rm', '--network=none', image] + list(command), stderr_apart=True)[1]


def remove_test_images():
    """Remove the EE image and the build layers left from it (dangling images with the tests' label)."""
    run(['podman', 'rmi', '--ignore', EE_IMAGE], check=False)
    run(['podman', 'image', 'prune', '--force', '--filter', 'label=' + LABEL], check=False)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No INVOCA_*, CONTROLLER_* or ANSIBLE_* variable of the calling shell may reach a job: only what we give."""
    for name in list(os.environ):
        if name.startswith(('INVOCA_', 'ANSIBLE_', 'CONTROLLER_', 'TOWER_')) and name != 'INVOCA_EE_BASE_IMAGE':
            monkeypatch.delenv(name)


@pytest.fixture(scope='session')
def collection_tarball(tmp_path_factory):
    """The collection built from this checkout, as published."""
    build = tmp_path_factory.mktemp('build')
    run([BIN / 'ansible-galaxy', 'collection', 'build', REPO, '--output-path', build])
    return next(build.glob('invoca-messaging-*.tar.gz'))


@pytest.fixture(scope='session')
def base_image():
    """The local Debian base image (tests/ee/base_image.sh builds it, or finds it from an earlier run)."""
    given = os.environ.get('INVOCA_EE_BASE_IMAGE')
    if given:
        return given
    completed = subprocess.run([str(HERE / 'base_image.sh')], env=podman_environment(), stdout=subprocess.PIPE, check=False, timeout=900)
    assert completed.returncode == 0, 'tests/ee/base_image.sh failed (its messages are above)'
    return completed.stdout.decode().strip()


def definition_for_local_base(definition, base_image):
    """The example definition, changed only where the tests' base image requires it."""
    definition['images']['base_image']['name'] = base_image
    # Debian: no dnf (a shim hands its requests to apt), and pip comes from python3-pip because Debian
    # disables ensurepip for its system Python.
    definition['options']['package_manager_path'] = '/usr/local/sbin/dnf-via-apt'
    definition['options']['skip_pip_install'] = True
    definition['options']['tags'] = [EE_IMAGE]
    return definition


def example_requirements_offline(requirements):
    """The example's requirements.yml as it is, but for the collections that only Galaxy has (awx.awx)."""
    kept = [entry for entry in requirements['collections'] if entry.get('type') in ('file', 'git', 'dir', 'url')]
    return {'collections': kept}


def tarball_the_example_names(definition):
    """The tarball file name that the example's requirements.yml and additional_build_files name (one)."""
    requirements = yaml.safe_load((EE_FILE.parent / definition['dependencies']['galaxy']).read_text(encoding='utf-8'))
    named = [entry['source'] for entry in requirements['collections'] if entry['name'] == 'invoca.messaging']
    copied = [item['src'] for item in definition.get('additional_build_files', [])]
    assert len(named) == 1 and copied == named, (
        'the example requirements.yml should install invoca.messaging from the tarball that execution-environment.yml '
        'copies into the build context: %s, %s' % (named, copied))
    return named[0], requirements


@pytest.fixture(scope='session')
def ee_image(tmp_path_factory, base_image, collection_tarball):
    """ansible-builder build of the example EE definition: the image name; removed at the end of the session."""
    workdir = tmp_path_factory.mktemp('ee')
    definition = definition_for_local_base(yaml.safe_load(EE_FILE.read_text(encoding='utf-8')), base_image)
    # Built as the example says: the tarball of this checkout, under the name the example gives it, next to the
    # definition and its requirements.yml.
    name, requirements = tarball_the_example_names(definition)
    assert name == collection_tarball.name, 'the example names %s, but this checkout builds %s' % (name, collection_tarball.name)
    shutil.copy(collection_tarball, workdir / name)
    offline = yaml.safe_dump(example_requirements_offline(requirements))
    (workdir / definition['dependencies']['galaxy']).write_text(offline, encoding='utf-8')
    (workdir / 'execution-environment.yml').write_text(yaml.safe_dump(definition, sort_keys=False), encoding='utf-8')
    remove_test_images()
    try:
        # Host network: the build's pip reaches PyPI the way the host does.
        run([BIN / 'ansible-builder', 'build', '--file', 'execution-environment.yml', '--context', 'context',
             '--container-runtime', 'podman', '--extra-build-cli-args=--network=host', '--verbosity', '2'], cwd=workdir,
            timeout=900)
        yield EE_IMAGE
    finally:
        remove_test_images()


@pytest.fixture(scope='session')
def credential_type():
    return validate_credential_type(load_credential_type(CREDENTIAL_TYPE_FILE))


@pytest.fixture
def invoca_credential(credential_type):
    """A credential of the Invoca type for a fresh simulator on the host: (simulator, injected env, token)."""
    token = 'ee-secret-' + secrets.token_hex(16)
    with Simulator(token=token) as simulator:
        env, dummy = inject(credential_type, {'api_token': token, 'api_url': simulator.url})
        yield simulator, env, token


class EeJob:
    """What one job left: status, rc, stdout, events, and the container command ansible-runner ran."""

    def __init__(self, runner, private_data_dir, ident):
        self.status = runner.status
        self.rc = runner.rc
        self.stats = runner.stats
        with open(runner.stdout.name, encoding='utf-8', errors='replace') as handle:
            self.stdout = handle.read()
        self.events = list(runner.events)
        with open(private_data_dir / 'artifacts' / ident / 'command', encoding='utf-8') as handle:
            self.command = json.load(handle)['command']

    def task_result(self, task):
        found = [event['event_data']['res'] for event in self.events
                 if event.get('event') in ('runner_on_ok', 'runner_on_failed') and event['event_data'].get('task') == task]
        assert found, 'no result for task %r; stdout:\n%s' % (task, self.stdout[-6000:])
        return found[-1]

    def assert_successful(self):
        assert (self.status, self.rc) == ('successful', 0), 'job %s (rc %s); stdout:\n%s' % (self.status, self.rc, self.stdout[-6000:])

    def assert_secret_absent(self, secret):
        assert secret not in self.stdout, 'the secret leaked into the job output'
        assert secret not in json.dumps(self.events, sort_keys=True), 'the secret leaked into the job events'


@pytest.fixture
def run_ee_job(tmp_path, ee_image):
    """Run a playbook of the example project in the EE image, as AWX runs a job: returns an EeJob."""

    def run_job(playbook, envvars, extravars=None, job_type='run', diff=False):
        ident = 'invoca-messaging-ee-' + secrets.token_hex(4)
        private_data_dir = tmp_path / ident
        shutil.copytree(EXAMPLE_PROJECT, private_data_dir / 'project')
        (private_data_dir / 'inventory').mkdir()
        # AWX's implicit localhost: the play runs in the container, with the Python of its ansible-playbook.
        (private_data_dir / 'inventory' / 'hosts').write_text(
            'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n', encoding='utf-8')
        (private_data_dir / 'env').mkdir()
        (private_data_dir / 'env' / 'extravars').write_text(yaml.safe_dump(extravars or {}), encoding='utf-8')
        # ansible-runner makes the artifacts directory 0700 for the user it runs as (root here); the callback
        # plugin in the container writes job events there as the image's user.
        (private_data_dir / 'artifacts' / ident / 'job_events').mkdir(parents=True)
        for path in [private_data_dir] + list(private_data_dir.rglob('*')):
            os.chown(path, EE_UID, 0)
        job_env = {
            # What AWX sets besides the credential's variables. ansible-runner passes these, and nothing else of
            # the calling environment, into the container.
            'ANSIBLE_FORCE_COLOR': 'false',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_HOST_KEY_CHECKING': 'false',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            # For podman itself, which ansible-runner starts with this environment only.
            'CONTAINERS_CONF': podman_environment()['CONTAINERS_CONF'],
        }
        job_env.update(envvars)
        cmdline = (['--check'] if job_type == 'check' else []) + (['--diff'] if diff else [])
        runner = ansible_runner.run(
            private_data_dir=str(private_data_dir),
            playbook=playbook,
            envvars=job_env,
            cmdline=' '.join(cmdline) or None,
            process_isolation=True,
            process_isolation_executable='podman',
            container_image=ee_image,
            # The simulator listens on the host's 127.0.0.1 only.
            container_options=['--network=host'],
            quiet=True,
            ident=ident,
            timeout=300,
        )
        return EeJob(runner, private_data_dir, ident)

    return run_job
