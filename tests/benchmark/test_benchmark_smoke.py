# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Smoke test of the benchmark: its core functions at tiny sizes (N=5, latency 0), no timing asserted.

Checks that every scenario runs and does its job, that the request counts the report shows are those of the
simulator's log, and that the report has the rows it should. Runs in well under a minute.
"""

from __future__ import annotations

import pytest

import bench_scale
import run_benchmark as rb
from benchmark_harness import Bench

N = 5


@pytest.fixture(scope='module')
def bench(tmp_path_factory):
    with Bench(tmp_path_factory.mktemp('bench')) as started:
        yield started


@pytest.fixture(scope='module')
def baseline(bench):
    return rb.startup_baseline(bench, repeats=1)


@pytest.fixture(scope='module')
def rows(bench, baseline):
    return rb.compare_methods(bench, sizes=[N], latencies=[0], loop_max_n=N, loop_latencies=[0], baseline=baseline)


@pytest.fixture(scope='module')
def scale(bench):
    # 600 numbers: two pages of 500, so the second page is read ahead; concurrency 4 and 3, 0 ms, one repeat.
    return bench_scale.run(bench, n=600, latency=0, write_concurrency=4, read_concurrency=3, repeats=1)


@pytest.fixture(scope='module')
def cells(bench):
    return rb.threshold_study(bench, networks=[20], sizes=[2, 5], latencies=[0], repeats=1)


def counted(entries, methods):
    return sum(1 for entry in entries if entry['method'] in methods)


def test_baseline_sends_nothing(baseline):
    assert baseline > 0


def test_comparison_requests_match_the_log(rows):
    assert [(r.method, r.run) for r in rows] == [(m, run) for m, dummy, dummy2 in rb.METHODS for run in ('first', 'rerun')]
    for row in rows:
        m = row.measurement
        assert m is not None and m.ok, row
        assert m.requests == len(m.log)
        assert m.reads == counted(m.log, ('GET',))
        assert m.writes == counted(m.log, ('POST', 'DELETE'))
        assert all(entry['status'] in (200, 201, 404) for entry in m.log), row
        # Every method reads each of the 5 numbers once (5 < LISTING_THRESHOLD for the list form too) and
        # creates each one on the first run only.
        assert m.reads == N
        assert m.writes == (N if row.run == 'first' else 0)
        assert m.applied == m.writes
        assert row.minimum() == (1 + N if row.run == 'first' else 1)


def test_loops_beyond_max_loop_n_are_estimated(rows, baseline):
    skipped = rb.Row(0, 50, 'first', 'uri', skipped='N > --max-loop-n 5')
    rb.estimate(rows + [skipped], skipped, baseline)
    assert skipped.estimated_requests == 100
    assert skipped.estimate > baseline


def test_scale_runs_match_the_bare_client(scale):
    for key in ('first', 'rerun', 'info', 'bare_first', 'bare_rerun', 'bare_info'):
        m = scale[key]
        assert m.ok, (key, m.problem)
        assert m.requests == len(m.log)
        assert m.cpu is not None and m.cpu > 0
    # The same requests on each side: one listing (2 pages of 500; one for the empty network) and the creates.
    for key, reads, writes in (('first', 1, 600), ('rerun', 2, 0), ('info', 2, 0)):
        for side in (key, 'bare_' + key):
            assert (scale[side].reads, scale[side].writes) == (reads, writes), side
    assert all(entry['operation'] == 'list' for entry in scale['info'].log + scale['bare_info'].log)
    assert scale['noop'] > 0 and scale['module_start'] > 0
    # Ansible's share: the stand-ins send nothing, and the info listing's returns the records (its playbook checks).
    for key in ('share_first', 'share_rerun', 'share_info'):
        assert scale[key].ok and scale[key].requests == 0, key
    assert [(row['concurrency'], row['target']) for row in scale['in_process']] == [
        (3, True), (3, True), (4, False), (3, False), (4, False), (1, False)]
    for row in scale['in_process']:
        assert row['m'].ok, row
        assert row['m'].requests == 2 and row['m'].writes == 0


def test_threshold_paths(cells):
    assert [(c['network'], c['n']) for c in cells] == [(20, 2), (20, 5)]
    for cell in cells:
        assert cell['get'].ok and cell['list'].ok
        assert cell['get'].requests == counted(cell['get'].log, ('GET',)) == cell['n']
        assert [e['operation'] for e in cell['get'].log] == ['get'] * cell['n']
        assert [e['operation'] for e in cell['list'].log] == ['list']
    scores, latencies, dummy = rb.threshold_candidates(cells)
    assert latencies == [0]
    assert [s['threshold'] for s in scores] == [0, 2, 5, rb.CURRENT_THRESHOLD]
    assert scores[0][0]['extra'] == 0  # always listing: one request per cell, the cheaper path here


def test_report_has_every_section(bench, rows, baseline, scale, cells):
    sweep = rb.concurrency_sweep(bench, N, 0, [2])
    assert sweep[0]['m'].ok and sweep[0]['m'].writes == N
    info = rb.machine_info()
    text = rb.report(info, 'run_benchmark.py --smoke', 1.0, baseline, rows=rows, scale=scale, cells=cells, sweep=sweep)
    lines = text.splitlines()
    assert lines[0] == '# invoca.messaging benchmark results'
    assert '| CPU | %s |' % info['cpu'] in lines
    for heading in ('## Targets', '## (a) `uri` loop vs (b) single-number loop vs (c) list form', '## Targets at scale (600 numbers)',
                    '## Scale: 600 numbers at 0 ms, against', '### In-process reads of the 600 numbers',
                    '## LISTING_THRESHOLD', '## concurrency'):
        assert any(line.startswith(heading) for line in lines), heading
    table_rows = [line for line in lines if line.startswith('| 0 ms | 5 |')]
    assert len(table_rows) == 6
    for line, row in zip(table_rows, rows):
        fields = [cell.strip() for cell in line.strip('|').split('|')]
        assert fields[2] == row.run and fields[3] == rb.LABELS[row.method]
        m = row.measurement
        assert fields[5] == '%d (%d + %d)' % (m.requests, m.reads, m.writes)
        assert fields[-1] == 'ok'
    assert '**Recommendation: LISTING_THRESHOLD =' in text
    assert 'FAILED' not in text
