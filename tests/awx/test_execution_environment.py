# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An execution environment with this collection: what ansible-builder makes of it, without a container engine.

The image itself is built, and a job run in it, by tests/ee/ (``make ee``, which needs root and podman);
these checks need neither and say quickly when the definition or the build context is wrong.

* introspect: ansible-builder reads the installed collection's meta/execution-environment.yml and finds
  its Python requirement (requests) and no system package (so no bindep.txt is needed).
* create: the example docs/examples/execution-environment.yml gives a complete build context.
* The galaxy and builder stages of that context, run here as the Containerfile would run them: the
  collection installs from the context, and the build's own introspection finds requests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap

import yaml

from packaging.specifiers import SpecifierSet

from conftest import EXAMPLES, REPO, tool

EE_FILE = EXAMPLES / 'execution-environment.yml'


def run(command, cwd=None):
    completed = subprocess.run([str(part) for part in command], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    output = completed.stdout.decode('utf-8', errors='replace')
    assert completed.returncode == 0, '%s failed:\n%s' % (' '.join(str(part) for part in command), output)
    return output


def pins(path):
    return dict(line.split('==', 1) for line in (raw.split('#')[0].strip() for raw in path.read_text(encoding='utf-8').splitlines())
                if '==' in line)


def test_collection_declares_its_python_requirements():
    meta = yaml.safe_load((REPO / 'meta' / 'execution-environment.yml').read_text(encoding='utf-8'))
    assert meta['version'] == 3
    requirements = (REPO / meta['dependencies']['python']).read_text(encoding='utf-8')
    assert re.search(r'^requests\b', requirements, re.M)
    assert 'system' not in meta['dependencies'], 'pure Python: no bindep.txt'


def test_introspect_lists_requests(installed_collection):
    output = run([tool('ansible-builder'), 'introspect', installed_collection])
    data = yaml.safe_load(output)
    assert any(line.startswith('requests>=') and 'invoca.messaging' in line for line in data['python']), output
    assert not data.get('system'), output


def shown_collection_requirements():
    """Every requirement on invoca.messaging that the examples and guides tell a user to install: {where: entry}.

    A Galaxy entry's version is a pin; a git entry's (type git, source the repository) is a branch, tag or commit;
    a file entry's source is a tarball.
    """
    shown = {}
    for path in (EXAMPLES / 'requirements.yml', EXAMPLES / 'awx_project' / 'collections' / 'requirements.yml'):
        for entry in yaml.safe_load(path.read_text(encoding='utf-8'))['collections']:
            if entry['name'] == 'invoca.messaging':
                shown[str(path.relative_to(REPO))] = entry
    for path in sorted((REPO / 'docs').rglob('*.rst')) + [REPO / 'README.md']:
        text = path.read_text(encoding='utf-8')
        for index, found in enumerate(re.finditer(r'- name: invoca\.messaging\s*\n((?:[ \t]+\w+: .*\n)+)', text)):
            shown['%s#%d' % (path.relative_to(REPO), index)] = dict(yaml.safe_load(textwrap.dedent(found.group(1))), name='invoca.messaging')
    return shown


def test_every_shown_requirement_installs_this_version():
    # A pin of "<2.0.0" in the EE's requirements.yml would install the old major version in AWX, over the EE's; a
    # tarball of another version would not be there; a repository other than the collection's would be another.
    galaxy = yaml.safe_load((REPO / 'galaxy.yml').read_text(encoding='utf-8'))
    version = galaxy['version']
    shown = shown_collection_requirements()
    assert len(shown) >= 2, shown
    wrong = {}
    for where, entry in shown.items():
        kind = entry.get('type', 'galaxy')
        if kind == 'galaxy':
            ok = version in SpecifierSet(entry.get('version', '>=0'))
        elif kind == 'git':
            ok = entry.get('source', '').rstrip('/').removesuffix('.git') == galaxy['repository'].rstrip('/')
        elif kind == 'file':
            ok = os.path.basename(entry.get('source', '')) == 'invoca-messaging-%s.tar.gz' % version
        else:
            ok = False
        if not ok:
            wrong[where] = entry
    assert not wrong, 'these requirements do not install invoca.messaging %s from %s: %s' % (version, galaxy['repository'], wrong)


def test_example_definition():
    definition = yaml.safe_load(EE_FILE.read_text(encoding='utf-8'))
    assert definition['version'] == 3
    assert definition['images']['base_image']['name']
    dependencies = definition['dependencies']
    requirements = yaml.safe_load((EE_FILE.parent / dependencies['galaxy']).read_text(encoding='utf-8'))
    assert 'invoca.messaging' in [entry['name'] for entry in requirements['collections']]
    # The EE gets the ansible-core release the collection is tested with, and the ansible-runner of these tests.
    core = pins(REPO / 'tests' / 'requirements' / 'core-newest.txt')['ansible-core']
    runner = pins(REPO / 'tests' / 'requirements' / 'awx.txt')['ansible-runner']
    assert dependencies['ansible_core']['package_pip'] == 'ansible-core==%s' % core
    assert dependencies['ansible_runner']['package_pip'] == 'ansible-runner==%s' % runner


def build_context(tmp_path, collection_tarball):
    """ansible-builder create on a copy of the example, installing the collection from the built tarball."""
    workdir = tmp_path / 'ee'
    workdir.mkdir()
    definition = yaml.safe_load(EE_FILE.read_text(encoding='utf-8'))
    # Galaxy may be out of reach here: the requirements name the tarball, which goes into the build context.
    shutil.copy(collection_tarball, workdir)
    (workdir / definition['dependencies']['galaxy']).write_text(yaml.safe_dump({'collections': [
        {'name': collection_tarball.name, 'type': 'file'}]}), encoding='utf-8')
    definition['additional_build_files'] = [{'src': collection_tarball.name, 'dest': '.'}]
    (workdir / 'execution-environment.yml').write_text(yaml.safe_dump(definition, sort_keys=False), encoding='utf-8')
    run([tool('ansible-builder'), 'create', '--file', 'execution-environment.yml', '--context', 'context',
         '--output-filename', 'Containerfile'], cwd=workdir)
    return workdir / 'context', definition


def test_create_build_context(tmp_path, collection_tarball):
    context, definition = build_context(tmp_path, collection_tarball)
    containerfile = (context / 'Containerfile').read_text(encoding='utf-8')
    assert 'ARG EE_BASE_IMAGE="%s"' % definition['images']['base_image']['name'] in containerfile
    assert definition['dependencies']['ansible_core']['package_pip'] in containerfile
    assert definition['dependencies']['ansible_runner']['package_pip'] in containerfile
    assert 'ansible-galaxy collection install' in containerfile and '-r requirements.yml' in containerfile
    assert (context / '_build' / collection_tarball.name).is_file()
    requirements = yaml.safe_load((context / '_build' / 'requirements.yml').read_text(encoding='utf-8'))
    assert requirements == {'collections': [{'name': collection_tarball.name, 'type': 'file'}]}
    assert (context / '_build' / 'scripts' / 'introspect.py').is_file()


def test_build_stages_install_the_collection_and_find_requests(tmp_path, collection_tarball):
    """The galaxy and builder stages, as the Containerfile runs them (WORKDIR /build = context/_build)."""
    context, dummy = build_context(tmp_path, collection_tarball)
    collections = tmp_path / 'usr-share-ansible' / 'collections'
    run([tool('ansible-galaxy'), 'collection', 'install', '-r', 'requirements.yml', '--collections-path', collections],
        cwd=context / '_build')
    assert (collections / 'ansible_collections' / 'invoca' / 'messaging' / 'MANIFEST.json').is_file()
    assert (collections / 'ansible_collections' / 'invoca' / 'messaging' / 'playbooks' / 'reconcile_sms_numbers.yml').is_file()
    assert (collections / 'ansible_collections' / 'invoca' / 'messaging' / 'extensions' / 'awx' / 'invoca_sms_credential_type.yml').is_file()
    pip_file = tmp_path / 'requirements.txt'
    bindep_file = tmp_path / 'bindep.txt'
    run([sys.executable, context / '_build' / 'scripts' / 'introspect.py', 'introspect', collections,
         '--write-pip', pip_file, '--write-bindep', bindep_file])
    assert re.search(r'^requests>=2\.25\.0\b.*invoca\.messaging', pip_file.read_text(encoding='utf-8'), re.M)
    assert not bindep_file.exists() or not bindep_file.read_text(encoding='utf-8').strip()
