# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Settings shared by every unit test."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

import pytest
from hypothesis import HealthCheck, settings

try:
    from hypothesis.configuration import set_hypothesis_home_dir
except ImportError:  # pragma: no cover - an old or a future hypothesis
    set_hypothesis_home_dir = None

# Hypothesis keeps caches (Unicode tables, constants) under ./.hypothesis by default: keep them out of the work tree.
if set_hypothesis_home_dir is not None:
    set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), 'invoca-messaging-hypothesis'))

# Reproducible in CI (derandomize) and leaving no example database behind in the work tree. For a longer,
# randomised search run with HYPOTHESIS_PROFILE=explore.
settings.register_profile('ci', database=None, derandomize=True, deadline=None, max_examples=150,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile('explore', database=None, deadline=None, max_examples=3000,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))


@pytest.fixture(autouse=True)
def no_invoca_environment(monkeypatch):
    """The INVOCA_* variables of whoever runs the tests must not leak into them."""
    for name in list(os.environ):
        if name.startswith('INVOCA_'):
            monkeypatch.delenv(name)
