# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/ee/run.sh on machines where podman cannot run: one sentence saying why, not podman's errors.

Each case runs the script with a PATH of its own: the few real tools it needs, and stand-ins for the missing
or failing ones.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import HERE

REAL_TOOLS = ('bash', 'cat', 'dirname', 'id', 'mktemp', 'rm', 'sha256sum', 'env', 'true')


def stub(directory, name, script):
    path = directory / name
    path.write_text('#!/bin/sh\n' + script + '\n', encoding='utf-8')
    path.chmod(0o755)


@pytest.fixture
def bin_dir(tmp_path):
    directory = tmp_path / 'bin'
    directory.mkdir()
    for name in REAL_TOOLS:
        os.symlink(shutil.which(name), directory / name)
    return directory


def run_script(bin_dir):
    completed = subprocess.run([str(HERE / 'run.sh'), 'no-venv'], env={'PATH': str(bin_dir), 'HOME': os.environ.get('HOME', '/root')},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, check=False, timeout=60)
    return completed.returncode, completed.stderr.decode('utf-8', errors='replace')


def assert_one_sentence(rc, stderr, expected):
    """The script failed with one line of its own, after nothing but its own progress lines."""
    assert rc != 0
    *progress, last = stderr.rstrip('\n').split('\n')
    assert all(line.startswith('base image ') for line in progress), stderr
    assert last.startswith('make ee: ') and last.endswith('.'), stderr
    assert expected in last, stderr


@pytest.mark.skipif(os.geteuid() != 0, reason='run.sh stops earlier, at its root check')
def test_no_podman_and_no_apt(bin_dir):
    rc, stderr = run_script(bin_dir)
    assert_one_sentence(rc, stderr, 'podman runc debootstrap not installed, and this machine has no apt-get')


@pytest.mark.skipif(os.geteuid() != 0, reason='run.sh stops earlier, at its root check')
def test_no_namespaces(bin_dir):
    for name in ('podman', 'runc', 'debootstrap'):
        stub(bin_dir, name, 'echo "$0 must not be run" >&2; exit 99')
    stub(bin_dir, 'unshare', 'echo "unshare: unshare failed: Operation not permitted" >&2; exit 1')
    rc, stderr = run_script(bin_dir)
    assert_one_sentence(rc, stderr, 'does not allow the namespaces a container needs (unshare: Operation not permitted)')


@pytest.mark.skipif(os.geteuid() != 0, reason='run.sh stops earlier, at its root check')
def test_podman_cannot_start_a_container(bin_dir):
    stub(bin_dir, 'runc', 'exit 0')
    stub(bin_dir, 'debootstrap', 'exit 0')
    stub(bin_dir, 'unshare', 'exit 0')
    # The base image "exists", so no build; starting a container fails the way runc does on a hostile host.
    stub(bin_dir, 'podman', '\n'.join((
        'case "$1" in image|info) exit 0 ;; esac',
        'echo "time=x level=warning msg=\\"something podman says first\\"" >&2',
        'echo "Error: runc: runc create failed: error setting rlimits for ready process: operation not permitted" >&2',
        'exit 126')))
    rc, stderr = run_script(bin_dir)
    assert_one_sentence(rc, stderr, 'podman is installed but cannot start a container here (Error: runc: runc create failed')
    assert 'something podman says first' not in stderr


@pytest.mark.skipif(os.geteuid() != 0, reason='run.sh stops earlier, at its root check')
def test_podman_storage_that_does_not_work(bin_dir):
    stub(bin_dir, 'runc', 'exit 0')
    stub(bin_dir, 'unshare', 'exit 0')
    # Found before a minute of debootstrap is spent on an image podman could not store.
    stub(bin_dir, 'debootstrap', 'echo "debootstrap must not be run" >&2; exit 99')
    stub(bin_dir, 'podman', '\n'.join((
        'case "$1" in info) ;; *) echo "podman $1 must not be run" >&2; exit 99 ;; esac',
        'echo "time=x level=warning msg=\\"something podman says first\\"" >&2',
        'echo "Error: kernel does not support overlay fs: \'overlay\' is not supported over extfs." >&2',
        'exit 125')))
    rc, stderr = run_script(bin_dir)
    assert_one_sentence(rc, stderr, 'podman is installed but cannot use its image storage here (Error: kernel does not '
                                    'support overlay fs')
    assert 'must not be run' not in stderr
