#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the collection tarball and run Galaxy's importer on it, as Galaxy and Automation Hub do on upload.

    python tests/galaxy/check_import.py [--keep DIR]

Run it with the Python of a virtualenv made from tests/requirements/awx.txt: the ansible-galaxy, ansible-lint
and galaxy-importer next to that Python are the ones used. In a temporary directory it

1. copies the collection (the files git tracks, plus new files git does not ignore: what a clean checkout has),
2. builds it with ansible-galaxy collection build,
3. runs python -m galaxy_importer.main on the tarball, configured (galaxy-importer.cfg, GALAXY_IMPORTER_CONFIG) to
   run ansible-doc and ansible-lint but not ansible-test (RUN_ANSIBLE_TEST=False: no container engine needed),
4. reads the result the importer writes to importer_result.json in its working directory.

It fails (exit 1) on any WARNING or ERROR line of the importer, and on a result that lacks what Galaxy shows:
the importer exits 0 even when a module's DOCUMENTATION cannot be parsed, leaving the module without a description
and without documentation. So every module of plugins/modules/ must have a non-empty description in "contents"
and doc_strings (with its options) in "docs_blob", and the README must have been rendered.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

if __name__ == '__main__':
    # Run as a program, where no pytest.ini puts tests/ on the path: the helper it shares with the tests,
    # collection_tree.py, is there.
    sys.path.append(str(Path(__file__).resolve().parents[1]))
import collection_tree  # noqa: E402  pylint: disable=wrong-import-position

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROBLEM_LINE = re.compile(r'^(WARNING|ERROR|CRITICAL)\b')

IMPORTER_CONFIG = """\
[galaxy-importer]
LOG_LEVEL_MAIN = INFO
RUN_ANSIBLE_TEST = False
RUN_ANSIBLE_DOC = True
RUN_ANSIBLE_LINT = True
OFFLINE_ANSIBLE_LINT = True
CHECK_CHANGELOG = True
RUN_FLAKE8 = False
ANSIBLE_LOCAL_TMP = {tmp}/ansible-local-tmp
TMP_ROOT_DIR = {tmp}
"""


def tool(name):
    try:
        return collection_tree.tool(name, 'tests/requirements/awx.txt')
    except LookupError as exc:
        raise SystemExit(str(exc))


def say(message=''):
    sys.stdout.write(message + '\n')
    sys.stdout.flush()


def expected_modules(source):
    return sorted(path.stem for path in (source / 'plugins' / 'modules').glob('*.py') if path.stem != '__init__')


def check_result(result, galaxy, modules):
    """The problems of an importer result, as sentences; empty when Galaxy would show everything."""
    problems = []
    metadata = result.get('metadata') or {}
    for key in ('namespace', 'name', 'version'):
        if str(metadata.get(key)) != str(galaxy.get(key)):
            problems.append('metadata.%s is %r, galaxy.yml says %r' % (key, metadata.get(key), galaxy.get(key)))
    if not result.get('requires_ansible'):
        problems.append('requires_ansible is missing (meta/runtime.yml)')

    described = dict((entry.get('name'), entry.get('description')) for entry in result.get('contents') or []
                     if entry.get('content_type') == 'module')
    for module in modules:
        if module not in described:
            problems.append('contents has no module %s' % module)
        elif not (described[module] or '').strip():
            problems.append('contents: module %s has no description (its DOCUMENTATION was not parsed)' % module)

    docs_blob = result.get('docs_blob') or {}
    documented = dict((entry.get('content_name'), entry.get('doc_strings')) for entry in docs_blob.get('contents') or []
                      if entry.get('content_type') == 'module')
    for module in modules:
        doc_strings = documented.get(module)
        if not doc_strings or not (doc_strings.get('doc') or {}).get('short_description'):
            problems.append('docs_blob.contents: module %s has no doc_strings (ansible-doc could not read it)' % module)
        elif not (doc_strings['doc'].get('options')):
            problems.append('docs_blob.contents: module %s has doc_strings without options' % module)
    readme = docs_blob.get('collection_readme') or {}
    if not (readme.get('html') or '').strip():
        problems.append('docs_blob.collection_readme has no HTML (README.md missing or empty)')
    return problems


def summary(result):
    counts = {}
    for entry in result.get('contents') or []:
        counts[entry.get('content_type')] = counts.get(entry.get('content_type'), 0) + 1
    say('contents: %s' % ', '.join('%d %s' % (count, kind) for kind, count in sorted(counts.items())))
    for entry in result.get('contents') or []:
        if entry.get('content_type') == 'module':
            say('  module %s: %s' % (entry.get('name'), entry.get('description')))
    docs_blob = result.get('docs_blob') or {}
    for entry in docs_blob.get('contents') or []:
        if entry.get('content_type') == 'module':
            doc = (entry.get('doc_strings') or {}).get('doc') or {}
            say('  docs_blob %s: %d options, %d return values, %d examples lines' % (
                entry.get('content_name'), len(doc.get('options') or {}), len((entry.get('doc_strings') or {}).get('return') or {}),
                len(((entry.get('doc_strings') or {}).get('examples') or '').splitlines())))
    files = [item.get('name') for item in docs_blob.get('documentation_files') or []]
    say('documentation files: %s' % (', '.join(files) or 'none'))
    say('README rendered: %d characters of HTML' % len((docs_blob.get('collection_readme') or {}).get('html') or ''))
    say('requires_ansible: %s' % result.get('requires_ansible'))


def run_check(keep=None):
    started = time.time()
    with open(str(REPO / 'galaxy.yml'), encoding='utf-8') as handle:
        galaxy = yaml.safe_load(handle)
    tmp = Path(tempfile.mkdtemp(prefix='invoca-galaxy-import-'))
    try:
        source = tmp / 'src' / 'ansible_collections' / galaxy['namespace'] / galaxy['name']
        collection_tree.copy_collection(source)
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'GALAXY_IMPORTER_')))
        env.update({
            'PATH': '%s%s%s' % (BIN, os.pathsep, env.get('PATH', '')),
            'ANSIBLE_HOME': str(tmp / 'ansible-home'),
            'ANSIBLE_LOCAL_TEMP': str(tmp / 'ansible-local-tmp'),
            'ANSIBLE_NOCOLOR': '1',
            'GALAXY_IMPORTER_CONFIG': str(tmp / 'galaxy-importer.cfg'),
            'GALAXY_IMPORTER_RUN_ANSIBLE_TEST': 'False',
        })
        (tmp / 'galaxy-importer.cfg').write_text(IMPORTER_CONFIG.format(tmp=tmp), encoding='utf-8')
        (tmp / 'ansible-local-tmp').mkdir()

        say('== ansible-galaxy collection build')
        build = subprocess.run([tool('ansible-galaxy'), 'collection', 'build', str(source), '--output-path', str(tmp)],
                               env=env, cwd=str(tmp), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        build_output = build.stdout.decode('utf-8', 'replace')
        say(build_output.rstrip())
        tarballs = sorted(tmp.glob('%s-%s-*.tar.gz' % (galaxy['namespace'], galaxy['name'])))
        if build.returncode != 0 or len(tarballs) != 1:
            say('FAILED: ansible-galaxy collection build exited %d' % build.returncode)
            return 1
        problems = ['ansible-galaxy collection build: %s' % line.strip() for line in build_output.splitlines()
                    if PROBLEM_LINE.match(line.strip().lstrip('[').upper())]

        say('== galaxy-importer (RUN_ANSIBLE_TEST=False)')
        importer = subprocess.run([sys.executable, '-m', 'galaxy_importer.main', str(tarballs[0])], env=env, cwd=str(tmp),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        output = importer.stdout.decode('utf-8', 'replace')
        say(output.rstrip())
        problems += ['galaxy-importer: %s' % line for line in output.splitlines() if PROBLEM_LINE.match(line)]
        result_file = tmp / 'importer_result.json'
        if importer.returncode not in (0, None) or not result_file.is_file():
            problems.append('galaxy-importer exited %s and wrote %s' % (
                importer.returncode, 'its result' if result_file.is_file() else 'no importer_result.json'))
        if result_file.is_file():
            result = json.loads(result_file.read_text(encoding='utf-8'))
            say('== importer result (%s)' % result_file.name)
            summary(result)
            problems += check_result(result, galaxy, expected_modules(source))
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            for path in [result_file] + tarballs:
                if path.is_file():
                    shutil.copy2(str(path), str(keep / path.name))
            (keep / 'importer_output.txt').write_text(output, encoding='utf-8')
    finally:
        shutil.rmtree(str(tmp), ignore_errors=True)

    say('== %s in %.1f s' % ('FAILED' if problems else 'passed', time.time() - started))
    for problem in problems:
        say('  - %s' % problem)
    return 1 if problems else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--keep', metavar='DIR', help='copy the tarball, importer_result.json and the importer output to DIR')
    args = parser.parse_args(argv)
    return run_check(Path(args.keep).resolve() if args.keep else None)


if __name__ == '__main__':
    sys.exit(main())
