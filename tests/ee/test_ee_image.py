# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment image that ansible-builder builds from docs/examples/execution-environment.yml.

What AWX needs of it: the collection of this checkout in the image's collections path, its Python requirement
(requests), the ansible-core and ansible-runner the definition pins, and ansible-doc for the modules. Every
command runs in a container without network, so nothing comes from anywhere but the image.
"""

from __future__ import annotations

import json
import tarfile

import yaml

from conftest import EE_FILE, in_image, run

COLLECTION_DIR = '/usr/share/ansible/collections/ansible_collections/invoca/messaging'


def test_image_is_an_execution_environment(ee_image):
    dummy, output = run(['podman', 'image', 'inspect', ee_image])
    config = json.loads(output)[0]['Config']
    assert config['Labels']['ansible-execution-environment'] == 'true'
    assert config['User'] == '1000', 'AWX runs EEs as a non-root user'


def test_image_holds_the_collection_of_this_checkout(ee_image, collection_tarball):
    with tarfile.open(collection_tarball) as tarball:
        built = json.load(tarball.extractfile('FILES.json'))
    installed = json.loads(in_image(ee_image, 'cat', COLLECTION_DIR + '/FILES.json'))
    assert installed == built, 'the collection in the image is not the one built from this checkout'
    listed = json.loads(in_image(ee_image, 'ansible-galaxy', 'collection', 'list', '--format', 'json'))
    versions = dict((name, info['version']) for path in listed.values() for name, info in path.items())
    with tarfile.open(collection_tarball) as tarball:
        manifest = json.load(tarball.extractfile('MANIFEST.json'))
    assert versions.get('invoca.messaging') == manifest['collection_info']['version']


def test_image_has_the_pinned_ansible_and_requests(ee_image):
    definition = yaml.safe_load(EE_FILE.read_text(encoding='utf-8'))['dependencies']
    report = json.loads(in_image(ee_image, 'python3', '-c', (
        'import json, importlib.metadata as m, requests;'
        'print(json.dumps(dict((name, m.version(name)) for name in ("ansible-core", "ansible-runner", "requests"))))')))
    assert 'ansible-core==' + report['ansible-core'] == definition['ansible_core']['package_pip']
    assert 'ansible-runner==' + report['ansible-runner'] == definition['ansible_runner']['package_pip']
    assert report['requests']


def test_ansible_doc_renders_the_modules(ee_image):
    for module in ('sms_phone_number', 'sms_phone_number_info', 'sms_message', 'sms_message_info'):
        output = in_image(ee_image, 'ansible-doc', 'invoca.messaging.' + module)
        assert 'invoca.messaging.' + module in output
        assert COLLECTION_DIR + '/plugins/modules/%s.py' % module in output
