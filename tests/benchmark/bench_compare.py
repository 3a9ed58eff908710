# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section ``compare``: (a) a `uri` loop, (b) the single-number loop and (c) the list form, at N = 100 and 1,000,
first run and rerun; the targets of "Thousands of numbers in one task". Used by run_benchmark.py.
"""

from __future__ import annotations

import re
import statistics

from bench_format import check, log, secs, net_secs, table, times
from benchmark_harness import REPO, listing_pages, numbers

METHODS = (
    ('uri', '(a) `uri` loop', 'uri_loop.yml'),
    ('single', '(b) single-number loop', 'single_loop.yml'),
    ('list', '(c) list form', 'list_form.yml'),
)
LABELS = dict((key, label) for key, label, dummy in METHODS)
RUNS = (('first', 'first run (all creates)'), ('rerun', 'rerun (nothing to do)'))

# Defaults the plugin ships today, read from its source so that the report always names the ones in force.
_RECONCILE_SOURCE = (REPO / 'plugins' / 'module_utils' / '_phone_numbers' / 'reconcile.py').read_text(encoding='utf-8')
_WORKERS_SOURCE = (REPO / 'plugins' / 'module_utils' / '_workers.py').read_text(encoding='utf-8')
CURRENT_THRESHOLD = int(re.search(r'^LISTING_THRESHOLD = (\d+)', _RECONCILE_SOURCE, re.MULTILINE).group(1))
CURRENT_CONCURRENCY = int(re.search(r'^PHONE_NUMBER_CONCURRENCY = (\d+)', _WORKERS_SOURCE, re.MULTILINE).group(1))
READ_CONCURRENCY = int(re.search(r'^PAGE_READ_CONCURRENCY = (\d+)', _WORKERS_SOURCE, re.MULTILINE).group(1))
# Targets set by "Thousands of numbers in one task".
TARGET_SPEEDUP = 50.0
TARGET_IDEAL_FACTOR = 1.3
TARGET_N = 1000


class Row:
    """One cell of the comparison: a method at one N, latency and run, measured or (when skipped) estimated."""

    def __init__(self, latency, n, run, method, measurement=None, skipped=None):
        self.latency = latency
        self.n = n
        self.run = run
        self.method = method
        self.measurement = measurement
        self.skipped = skipped
        self.estimate = None
        self.estimated_requests = None

    @property
    def measured(self):
        return self.measurement is not None

    @property
    def wall(self):
        return self.measurement.wall if self.measured else self.estimate

    @property
    def requests(self):
        return self.measurement.requests if self.measured else self.estimated_requests

    def minimum(self):
        """Fewest requests that can do the job: the cheaper of per-number GETs and a listing, plus the writes."""
        network_before = 0 if self.run == 'first' else self.n
        reads = min(self.n, listing_pages(network_before))
        return reads + (self.n if self.run == 'first' else 0)

    def __repr__(self):
        return '<Row %s %s N=%d %d ms %r>' % (self.method, self.run, self.n, self.latency, self.measurement or self.skipped)


def startup_baseline(bench, repeats=3):
    """Wall time of the list form with an empty list: ansible-playbook plus one module start, and no request."""
    walls = []
    for dummy in range(repeats):
        bench.reset(0)
        measurement = bench.playbook('list_form.yml', {'bench_numbers': []})
        if not measurement.ok or measurement.requests:
            raise RuntimeError('the start-up baseline run failed or sent requests: %r\n%s' % (measurement, measurement.problem))
        walls.append(measurement.wall)
    return statistics.median(walls)


def measure_method(bench, playbook, wanted, latency):
    """First run on an empty network, then the same run again; both checked against the simulator's state."""
    bench.reset(latency)
    first = bench.expect_active(bench.playbook(playbook, {'bench_numbers': wanted}), wanted)
    if first.applied != len(wanted):
        first.fail('%d creates applied, expected %d' % (first.applied, len(wanted)))
    rerun = bench.expect_active(bench.playbook(playbook, {'bench_numbers': wanted}), wanted)
    if rerun.applied or rerun.writes:
        rerun.fail('the rerun sent %d writes (%d applied); expected none' % (rerun.writes, rerun.applied))
    return first, rerun


def compare_methods(bench, sizes, latencies, loop_max_n, loop_latencies, baseline):
    """(a), (b) and (c) at every N and latency, first run and rerun; loops beyond loop_max_n are estimated."""
    rows = []
    for latency in latencies:
        for n in sizes:
            wanted = numbers(n)
            for key, label, playbook in METHODS:
                skipped = None
                if key != 'list' and n > loop_max_n:
                    skipped = 'N > --max-loop-n %d' % loop_max_n
                elif key != 'list' and latency not in loop_latencies:
                    skipped = '--quick'
                if skipped:
                    rows += [Row(latency, n, run, key, skipped=skipped) for run, dummy in RUNS]
                    continue
                log('%s, N=%d, %d ms: first run and rerun' % (label, n, latency))
                first, rerun = measure_method(bench, playbook, wanted, latency)
                log('  first %r; rerun %r' % (first, rerun))
                rows += [Row(latency, n, 'first', key, first), Row(latency, n, 'rerun', key, rerun)]
    for row in rows:
        if not row.measured:
            estimate(rows, row, baseline)
    return rows


def estimate(rows, row, baseline):
    """Time a skipped loop would take: start-up plus per-number cost scaled from the nearest measured run.

    Loops are sequential, so a latency the reference run did not have adds latency x requests.
    """
    refs = [r for r in rows if r.measured and r.measurement.ok and r.method == row.method and r.run == row.run]
    if not refs:
        return
    ref = max(refs, key=lambda r: (r.latency == row.latency, r.n, -abs(r.latency - row.latency)))
    per_number_requests = ref.measurement.requests / float(ref.n)
    wall = baseline + max(0.0, ref.measurement.wall - baseline) * row.n / float(ref.n)
    wall += (row.latency - ref.latency) / 1000.0 * per_number_requests * row.n
    row.estimate = wall
    row.estimated_requests = int(round(per_number_requests * row.n))


def find(rows, latency, n, run, method):
    for row in rows:
        if (row.latency, row.n, row.run, row.method) == (latency, n, run, method):
            return row
    return None


def comparison_table(rows):
    body = []
    for row in rows:
        ref = find(rows, row.latency, row.n, row.run, 'list')
        minimum = row.minimum()
        if row.measured:
            m = row.measurement
            wall = secs(m.wall)
            reqs = '%d (%d + %d)' % (m.requests, m.reads, m.writes)
            over = times(m.requests / float(minimum))
            status = check(m)
        elif row.estimate is not None:
            wall = 'not run (%s; would take ~%s)' % (row.skipped, secs(row.estimate))
            reqs = '~%d' % row.estimated_requests
            over = times(row.estimated_requests / float(minimum), approx=True)
            status = '-'
        else:
            wall, reqs, over, status = 'not run (%s)' % row.skipped, '-', '-', '-'
        time_ratio = req_ratio = ''
        if row.method != 'list' and ref is not None and ref.measured and row.wall is not None:
            time_ratio = times(row.wall / ref.measurement.wall, approx=not row.measured)
            req_ratio = times(row.requests / float(max(1, ref.measurement.requests)), approx=not row.measured)
        body.append(['%d ms' % row.latency, '{:,}'.format(row.n), row.run, LABELS[row.method], wall, reqs, minimum, over,
                     time_ratio, req_ratio, status])
    return table(['latency', 'N', 'run', 'method', 'wall time', 'requests (reads + writes)', 'minimum', 'vs minimum',
                  'time \u00f7 (c)', 'requests \u00f7 (c)', 'check'], body)


def targets(rows, baseline):
    """One line per target of the issue: measured value, met or not, by how much."""
    lines = []
    for latency in sorted(set(r.latency for r in rows)):
        row = find(rows, latency, TARGET_N, 'rerun', 'list')
        name = 'rerun over 1,000 present numbers: 2 requests (reads), 0 writes (%d ms)' % latency
        if row is None or not row.measured:
            lines.append([name, 'not measured (N=1,000 not in this run)', '-', '-'])
            continue
        m = row.measurement
        met = m.requests <= 2 and m.writes == 0 and m.ok
        margin = 'exactly' if m.requests == 2 else '%+d requests' % (m.requests - 2)
        lines.append([name, '%d requests (%d reads, %d writes)' % (m.requests, m.reads, m.writes), 'met' if met else 'NOT met', margin])
    for row in rows:
        if row.method != 'uri' or row.wall is None:
            continue
        ref = find(rows, row.latency, row.n, row.run, 'list')
        if ref is None or not ref.measured:
            continue
        ratio = row.wall / ref.measurement.wall
        name = 'list form \u2265 50\u00d7 faster than the `uri` loop (N=%s, %s, %d ms)' % ('{:,}'.format(row.n), row.run, row.latency)
        value = '%s vs %s: %s' % (secs(row.wall) if row.measured else '~' + secs(row.wall), secs(ref.measurement.wall),
                                  times(ratio, approx=not row.measured))
        verdict = ('met' if ratio >= TARGET_SPEEDUP else 'NOT met') + ('' if row.measured else ' (estimated: `uri` loop not run)')
        lines.append([name, value, verdict, '%.2f of the target (%s / 50)' % (ratio / TARGET_SPEEDUP, times(ratio))])
    row = find(rows, 50, TARGET_N, 'first', 'list')
    ideal = TARGET_N * 0.050 / CURRENT_CONCURRENCY
    name = 'first run of 1,000 creates at 50 ms within 1.3\u00d7 of N \u00d7 latency / concurrency = %s (concurrency %d)' % (
        secs(ideal), CURRENT_CONCURRENCY)
    if row is None or not row.measured:
        lines.append([name, 'not measured (N=1,000 at 50 ms not in this run)', '-', '-'])
    else:
        wall = row.measurement.wall
        lines.append([name, '%s whole process (%s net of the %s start-up)' % (secs(wall), net_secs(wall - baseline), secs(baseline)),
                      'met' if wall <= TARGET_IDEAL_FACTOR * ideal and row.measurement.ok else 'NOT met',
                      '%s of ideal whole process, %s net (target \u00d71.30)' % (times(wall / ideal, digits=2), times((wall - baseline) / ideal, digits=2))])
    return table(['target ("Thousands of numbers in one task")', 'measured', 'verdict', 'by how much'], lines)
