# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the documentation says is retried is what the transport retries.

The statuses come from the retry policies of plugins/module_utils/_api/retry.py (SAFE_TO_RESEND, used by every
request but a message send, and NOT_SAFE_TO_RESEND, used by the send), loaded from the file itself: it imports
only the standard library and requests. The doc fragment's max_retries (what ansible-doc and the docsite show
for every module), README.md and the reliability page of the docsite (docs/docsite/rst/reliability.rst) must name
exactly those statuses, each list where it describes its policy.

    python -m pytest tests/docs/test_retry_docs.py
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
TRANSPORT = REPO / 'plugins' / 'module_utils' / '_api' / 'retry.py'
FRAGMENT = REPO / 'plugins' / 'doc_fragments' / 'api.py'
README = REPO / 'README.md'
RELIABILITY = REPO / 'docs' / 'docsite' / 'rst' / 'reliability.rst'
# "HTTP 429, 500, 502, 503 or 504", "HTTP 429/500/502/503/504", "HTTP 429": the statuses a text names.
STATUS_LIST = re.compile(r'HTTP (\d{3}(?:(?:, or |, | or | and |/)\d{3})*)')


def statuses_named(text):
    return set(int(status) for found in STATUS_LIST.findall(text) for status in re.findall(r'\d{3}', found))


@pytest.fixture(scope='module')
def transport():
    spec = importlib.util.spec_from_file_location('invoca_retry_for_docs', str(TRANSPORT))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def max_retries():
    """The description items of max_retries in the doc fragment, read without importing it."""
    tree = ast.parse(FRAGMENT.read_text(encoding='utf-8'))
    documentation = next(node.value.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                         and any(getattr(target, 'id', None) == 'DOCUMENTATION' for target in node.targets))
    return yaml.safe_load(documentation)['options']['max_retries']['description']


def test_the_transport_has_the_two_policies_the_docs_describe(transport):
    policies = dict((name, value) for name, value in vars(transport).items() if isinstance(value, transport.RetryPolicy))
    assert set(policies) == {'SAFE_TO_RESEND', 'NOT_SAFE_TO_RESEND'}, (
        'a new retry policy: describe it in max_retries (plugins/doc_fragments/api.py), README.md and reliability.rst, '
        'and here')


def test_max_retries_names_exactly_the_statuses_each_policy_retries(transport, max_retries):
    safe = [item for item in max_retries if item.startswith('Safe to resend')]
    unsafe = [item for item in max_retries if item.startswith('Not safe to resend')]
    assert len(safe) == 1 and len(unsafe) == 1, max_retries
    assert statuses_named(safe[0]) == set(transport.SAFE_TO_RESEND.retry_statuses), safe[0]
    assert statuses_named(unsafe[0]) == set(transport.NOT_SAFE_TO_RESEND.retry_statuses), unsafe[0]
    # No other item names a status: one saying "500 is not retried" contradicted the safe policy.
    others = [item for item in max_retries if item not in safe + unsafe]
    assert not [item for item in others if re.search(r'\b[45]\d\d\b', item)], others


@pytest.mark.parametrize('document', [README, RELIABILITY], ids=lambda path: path.name)
def test_the_readme_and_the_reliability_page_name_the_same_statuses(transport, document):
    """Every sentence about retries that names statuses names one policy's exactly, the safe one first."""
    text = re.sub(r'\s+', ' ', document.read_text(encoding='utf-8'))
    sentences = [s for s in re.split(r'(?<=[.|])\s', text) if 'retried' in s and STATUS_LIST.search(s)]
    assert sentences, '%s no longer says which statuses are retried' % document.name
    safe = set(transport.SAFE_TO_RESEND.retry_statuses)
    unsafe = set(transport.NOT_SAFE_TO_RESEND.retry_statuses)
    for sentence in sentences:
        lists = [set(int(s) for s in re.findall(r'\d{3}', found)) for found in STATUS_LIST.findall(sentence)]
        assert lists[0] == safe and all(named in (safe, unsafe) for named in lists), sentence
    assert not re.search(r'\b500\b[^.]*\bnot retried', text), '%s says 500 is not retried' % document.name


def test_statuses_are_read_from_the_ways_the_docs_write_them():
    assert statuses_named('after HTTP 429, 500, 502, 503 or 504; then 409 or 404') == {429, 500, 502, 503, 504}
    assert statuses_named('HTTP 429/500/502/503/504 and HTTP 429') == {429, 500, 502, 503, 504}
    assert statuses_named('only after an answer of HTTP 429 or a connection') == {429}
