# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one record of the API (tests/api_reference/api.json), for the simulator's tests: the texts and record fields
they expect are read from it, never retyped."""

from __future__ import annotations

import json
import os

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, 'api_reference', 'api.json')

with open(_PATH, encoding='utf-8') as _handle:
    API = json.load(_handle)


def text(name, **values):
    """The API's published text ``name``, its placeholders ({phone_number}, ...) filled in from ``values``."""
    template = API['texts'][name]['text']
    return template.format(**values) if values else template


def fields(resource, version, shape='full'):
    """The published fields of a ``resource`` record of ``version``, as a set."""
    return set(API['records'][resource][version][shape]['fields'])
