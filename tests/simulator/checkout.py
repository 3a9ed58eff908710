# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""This checkout made importable as ansible_collections.invoca.messaging, for the tests that check the simulator
against the collection's own code."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def importable_checkout(tmp_path_factory):
    """Within the block, this checkout imports as ansible_collections.invoca.messaging (the name its code uses)."""
    pytest.importorskip('ansible')
    pytest.importorskip('requests')
    root = tmp_path_factory.mktemp('collections')
    (root / 'ansible_collections' / 'invoca').mkdir(parents=True)
    os.symlink(REPO, str(root / 'ansible_collections' / 'invoca' / 'messaging'))
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(root))
        yield
