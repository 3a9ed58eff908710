#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put the awx.awx collection into a collections directory, from PyPI (Ansible Galaxy may be out of reach).

The `ansible` community package used to bundle awx.awx: 11.13.0 has awx.awx 24.6.1 (14.5.0 no longer has it).
Its wheel is downloaded with pip (hash-checked, without dependencies: its pinned ansible-core is not wanted)
and only ansible_collections/awx/awx is extracted.

Usage: fetch_awx_collection.py DEST    (DEST/ansible_collections/awx/awx is created; a second run reuses it)

Prints DEST, the directory to put in ANSIBLE_COLLECTIONS_PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

ANSIBLE_VERSION = '11.13.0'
ANSIBLE_SHA256 = '7f1c9c6a6026ff214d9240647e4d2b019b2a9d4c7a2bc733932bcf92af80ab04'
AWX_COLLECTION_VERSION = '24.6.1'
MEMBER_PREFIX = 'ansible_collections/awx/awx/'


def installed_version(dest):
    manifest = os.path.join(dest, MEMBER_PREFIX, 'MANIFEST.json')
    if not os.path.exists(manifest):
        return None
    with open(manifest, encoding='utf-8') as handle:
        return json.load(handle)['collection_info']['version']


def fetch(dest):
    if installed_version(dest) == AWX_COLLECTION_VERSION:
        return dest
    workdir = tempfile.mkdtemp(prefix='awx-collection-')
    try:
        requirements = os.path.join(workdir, 'requirements.txt')
        with open(requirements, 'w', encoding='utf-8') as handle:
            handle.write('ansible==%s --hash=sha256:%s\n' % (ANSIBLE_VERSION, ANSIBLE_SHA256))
        subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:',
                        '--require-hashes', '-r', requirements, '-d', workdir], check=True)
        wheel = os.path.join(workdir, 'ansible-%s-py3-none-any.whl' % ANSIBLE_VERSION)
        staging = os.path.join(workdir, 'staging')
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if member.startswith(MEMBER_PREFIX) and '..' not in member.split('/'):
                    archive.extract(member, staging)
        target = os.path.join(dest, MEMBER_PREFIX)
        if os.path.exists(target):
            shutil.rmtree(target)
        os.makedirs(os.path.dirname(target.rstrip('/')), exist_ok=True)
        shutil.move(os.path.join(staging, MEMBER_PREFIX), target)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    found = installed_version(dest)
    if found != AWX_COLLECTION_VERSION:
        raise RuntimeError('expected awx.awx %s in ansible %s, found %s' % (AWX_COLLECTION_VERSION, ANSIBLE_VERSION, found))
    return dest


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write('usage: fetch_awx_collection.py DEST\n')
        return 2
    print(fetch(os.path.abspath(args[0])))
    return 0


if __name__ == '__main__':
    sys.exit(main())
