# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the simulator's tests that check it against the collection's own code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='session')
def importable_collection(tmp_path_factory):
    """This checkout importable as ansible_collections.invoca.messaging (the name its code imports itself by)."""
    pytest.importorskip('ansible')
    pytest.importorskip('requests')
    root = tmp_path_factory.mktemp('collections')
    (root / 'ansible_collections' / 'invoca').mkdir(parents=True)
    os.symlink(REPO, str(root / 'ansible_collections' / 'invoca' / 'messaging'))
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(root))
        yield
