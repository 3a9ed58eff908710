# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CHANGELOG.md has the section of the version galaxy.yml declares, as antsibull-changelog release writes it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def test_the_changelog_has_the_section_of_the_galaxy_version():
    version = yaml.safe_load((REPO / 'galaxy.yml').read_text(encoding='utf-8'))['version']
    changelog = (REPO / 'CHANGELOG.md').read_text(encoding='utf-8')
    assert re.search(r'^## v%s$' % re.escape(version.replace('.', '\\.')), changelog, re.MULTILINE), version
    releases = yaml.safe_load((REPO / 'changelogs' / 'changelog.yaml').read_text(encoding='utf-8'))['releases']
    assert version in releases
