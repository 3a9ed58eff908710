# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Smoke test of the messages part of the benchmark at tiny sizes: it runs, checks what it should, and reports it.

No timing is asserted; a short wait_timeout keeps the "never settles" case to a few seconds.
"""

from __future__ import annotations

import pytest

import bench_messages as bm
import run_benchmark as rb
from benchmark_harness import Bench

N = 12


@pytest.fixture(scope='module')
def bench(tmp_path_factory):
    with Bench(tmp_path_factory.mktemp('bench-messages')) as started:
        yield started


@pytest.fixture(scope='module')
def results(bench):
    return bm.run(bench, n=N, latency=0, wait_n=N, wait_timeout=3)


def test_poll_schedule_bound():
    # Polls at 0, 1, 3, 7, 15, 25 s and one at the timeout of 30 s.
    assert bm.poll_schedule_bound(30) == 7
    assert bm.poll_schedule_bound(1) == 2


def test_both_senders_send_each_recipient_exactly_one_message(results):
    module, uri = results['send']['module'], results['send']['uri']
    assert module.ok, module.problem
    assert uri.ok, uri.problem
    assert uri.writes == N and uri.reads == 0
    assert module.writes == N and all(entry['status'] == 202 for entry in module.log if entry['method'] == 'POST')


def test_the_wait_is_bounded_and_counted(results):
    settled, unsettled = results['wait']
    for case in (settled, unsettled):
        assert case['m'].ok, case['m'].problem
        assert 1 <= case['polls'] <= case['bound']
    assert settled['polls'] <= unsettled['polls']


def test_report_has_the_messages_sections(results):
    lines = bm.report_section(results, 1.0, rb.secs, rb.times, rb.check, rb.table)
    assert any(line.startswith('## Sending: 12 messages to 12 recipients at 0 ms') for line in lines)
    assert any(line.startswith('## Waiting for delivery of 12 messages') for line in lines)
    assert 'FAILED' not in '\n'.join(lines)
