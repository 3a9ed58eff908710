# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's files as git sees them, copied into a throwaway tree; shared by the docs and Galaxy checks.

Tools such as antsibull-docs and galaxy-importer want a directory that is only the collection, under
ansible_collections/invoca/messaging, so the scripts copy the tracked and untracked-but-not-ignored files there
(uncommitted work included, virtualenvs and build output left out).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Caches, virtualenvs and build output, which git ignores; this matters only where there is no git checkout.
SKIP_PARTS = frozenset(('.git', '.venv', '__pycache__', '.pytest_cache', '.hypothesis', '.ansible', '.cache', '.tox'))
SKIP_TOP = frozenset(('build', 'dist', 'docs/build', 'tests/output'))


def tool(name, requirements):
    """The path of a command installed next to this Python (its virtualenv), else on PATH; LookupError if neither."""
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise LookupError('%s not found next to %s or on PATH (pip install -r %s)' % (name, sys.executable, requirements))
    return found


def skipped(name):
    parts = Path(name).parts
    return (bool(SKIP_PARTS.intersection(parts)) or any(part.startswith('.venv') for part in parts)
            or '/'.join(parts[:2]) in SKIP_TOP or parts[0] in SKIP_TOP)


def collection_files(repo=REPO):
    """Relative paths of the collection's files: tracked plus untracked-but-not-ignored, as git sees them."""
    try:
        completed = subprocess.run(['git', '-C', str(repo), 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
        names = [name for name in completed.stdout.decode('utf-8').split('\0') if name]
    except (OSError, subprocess.CalledProcessError):
        names = [str(path.relative_to(repo)) for path in repo.rglob('*') if path.is_file()]
    return sorted(name for name in names if not skipped(name) and (repo / name).is_file())


def copy_collection(dest, repo=REPO):
    """Copy the collection's files into ``dest`` (which should end in ansible_collections/invoca/messaging)."""
    for name in collection_files(repo):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(str(repo / name), str(target))
