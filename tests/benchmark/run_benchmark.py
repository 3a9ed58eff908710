#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of invoca.messaging against the local API simulator; writes a Markdown report.

Measures, side by side, (a) a loop of ansible.builtin.uri tasks, (b) a loop of the single-number
sms_phone_number task and (c) the list form (one task), on a first run (all creates) and a rerun (nothing to do),
at 0 and 50 ms of simulated latency; the info module listing 10,000 numbers against a bare requests loop; and the
two defaults the project has to choose (LISTING_THRESHOLD and concurrency); and sending 1,000 messages with
sms_message against a `uri` loop, and the polls that waiting for delivery costs (bench_messages.py). See README.md
next to this file.

    .venv/bin/python tests/benchmark/run_benchmark.py            # full run, several minutes
    .venv/bin/python tests/benchmark/run_benchmark.py --quick    # N=100 only, loops at 0 ms only
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_messages
from bare_listing import bare_listing
from benchmark_harness import (  # pylint: disable=wrong-import-order
    HERE,
    REPO,
    Bench,
    Measurement,
    listing_pages,
    load_average,
    machine_info,
    numbers,
    plugin_modules,
)

METHODS = (
    ('uri', '(a) `uri` loop', 'uri_loop.yml'),
    ('single', '(b) single-number loop', 'single_loop.yml'),
    ('list', '(c) list form', 'list_form.yml'),
)
LABELS = dict((key, label) for key, label, dummy in METHODS)
RUNS = (('first', 'first run (all creates)'), ('rerun', 'rerun (nothing to do)'))
SECTIONS = ('compare', 'info', 'threshold', 'concurrency', 'messages')

# Defaults the plugin ships today, read from its source so that the report always names the ones in force.
_RECONCILE_SOURCE = (REPO / 'plugins' / 'module_utils' / '_phone_numbers' / 'reconcile.py').read_text(encoding='utf-8')
_WORKERS_SOURCE = (REPO / 'plugins' / 'module_utils' / '_workers.py').read_text(encoding='utf-8')
CURRENT_THRESHOLD = int(re.search(r'^LISTING_THRESHOLD = (\d+)', _RECONCILE_SOURCE, re.MULTILINE).group(1))
CURRENT_CONCURRENCY = int(re.search(r'^PHONE_NUMBER_CONCURRENCY = (\d+)', _WORKERS_SOURCE, re.MULTILINE).group(1))
# Targets set by the issue "Thousands of numbers in one task".
TARGET_SPEEDUP = 50.0
TARGET_IDEAL_FACTOR = 1.3
TARGET_N = 1000


def log(message):
    sys.stderr.write('[%s] %s\n' % (time.strftime('%H:%M:%S'), message))
    sys.stderr.flush()


# ----------------------------------------------------------------------------------------------- measurements

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


def info_listing(bench, count, latencies):
    """sms_phone_number_info listing ``count`` numbers, and the bare requests loop over the same pages.

    The bare loop runs twice: in-process (the pages only) and as a fresh ``python bare_listing.py`` process
    (interpreter start-up and ``import requests`` included), the fair match for a whole ansible-playbook process.
    """
    results = []
    for latency in latencies:
        bench.reset(latency)
        bench.sim.seed(count=count)
        log('sms_phone_number_info listing %d numbers, %d ms' % (count, latency))
        module = bench.playbook('info_list.yml', {'bench_expected_count': count})
        if module.writes:
            module.fail('the info module sent %d writes' % module.writes)
        bench.sim.clear_log()
        started = time.perf_counter()
        records = bare_listing(bench.sim.url, bench.token)
        bare = Measurement(time.perf_counter() - started, bench.sim.log())
        if len(records) != count:
            bare.fail('the bare loop got %d records, expected %d' % (len(records), count))
        bench.sim.clear_log()
        started = time.perf_counter()
        completed = subprocess.run([sys.executable, str(HERE / 'bare_listing.py'), bench.sim.url], env=bench.env(),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        process = Measurement(time.perf_counter() - started, bench.sim.log())
        output = completed.stdout.decode('utf-8', 'replace').strip()
        if completed.returncode != 0 or output != str(count):
            process.fail('python bare_listing.py exited %d: %s' % (completed.returncode, output[-300:]))
        log('  module %r; bare loop in-process %r, as a process %r' % (module, bare, process))
        results.append({'latency': latency, 'count': count, 'module': module, 'bare': bare, 'process': process})
    return results


def read_active_once(bench, client_mod, transport_mod, reconcile, workers, wanted, threshold, concurrency):
    """reconcile.read_active as the module calls it, with LISTING_THRESHOLD forced to choose one path."""
    saved = reconcile.LISTING_THRESHOLD
    reconcile.LISTING_THRESHOLD = threshold
    try:
        client = client_mod.PhoneNumberClient(transport_mod.Transport(api_token=bench.token, api_url=bench.sim.url,
                                                                      pool_size=concurrency))
        pool = workers.WorkerPool(concurrency)
        bench.sim.clear_log()
        started = time.perf_counter()
        active = reconcile.read_active(client, wanted, pool)
        wall = time.perf_counter() - started
        client.close()
    finally:
        reconcile.LISTING_THRESHOLD = saved
    measurement = Measurement(wall, bench.sim.log())
    if set(active) != set(wanted):
        measurement.fail('read_active found %d of the %d numbers' % (len(set(active) & set(wanted)), len(wanted)))
    if client.transport.requests_sent != measurement.requests:
        measurement.fail('the client counted %d requests, the simulator logged %d' % (client.transport.requests_sent, measurement.requests))
    return measurement


def threshold_study(bench, networks, sizes, latencies, concurrency=CURRENT_CONCURRENCY, repeats=3):
    """Rerun reads of n numbers in a network of M: per-number GETs on the pool against one paginated listing.

    Returns one dict per (M, latency, n) with the median of ``repeats`` of each path.
    """
    client_mod, transport_mod, reconcile, workers = plugin_modules(bench.collections_path)
    cells = []
    for network in networks:
        everyone = numbers(network)
        for latency in latencies:
            bench.reset(latency)
            bench.sim.seed(count=network)
            log('LISTING_THRESHOLD: network of %d, %d ms' % (network, latency))
            for n in sizes:
                if n > network:
                    continue
                # Spread over the network (first, middle and last pages alike).
                wanted = everyone[::network // n][:n]
                cell = {'network': network, 'latency': latency, 'n': n}
                for path, threshold in (('get', 10 ** 9), ('list', -1)):
                    runs = [read_active_once(bench, client_mod, transport_mod, reconcile, workers, wanted, threshold, concurrency) for dummy in range(repeats)]
                    chosen = sorted(runs, key=lambda m: m.wall)[len(runs) // 2]
                    for other in runs:
                        if not other.ok:
                            chosen.fail(other.problem)
                    cell[path] = chosen
                cells.append(cell)
    return cells


def concurrency_sweep(bench, n, latency, levels):
    """First run of n creates with the list form at each concurrency."""
    wanted = numbers(n)
    results = []
    for level in levels:
        bench.reset(latency)
        log('concurrency %d: first run of %d creates at %d ms' % (level, n, latency))
        measurement = bench.expect_active(bench.playbook('list_form.yml', {'bench_numbers': wanted, 'bench_concurrency': level}), wanted)
        log('  %r' % measurement)
        results.append({'concurrency': level, 'n': n, 'latency': latency, 'm': measurement})
    return results


# --------------------------------------------------------------------------------------------- presentation

def secs(seconds):
    if seconds is None:
        return 'n/a'
    if seconds >= 90:
        return '%.1f min' % (seconds / 60.0)
    return '%.2f s' % seconds


def net_secs(seconds):
    """A time net of the start-up baseline; below zero it is noise (the baseline itself varies)."""
    return '~0 s (noise)' if seconds < 0 else secs(seconds)


def times(ratio, approx=False, digits=1):
    if ratio is None:
        return 'n/a'
    return '%s%s%.*f' % ('~' if approx else '', '\u00d7', digits, ratio)


def check(measurement):
    if measurement.ok:
        return 'ok'
    return 'FAILED: %s' % ' '.join(str(measurement.problem).split())[:200]


def table(header, body):
    lines = ['| %s |' % ' | '.join(header), '|%s|' % '|'.join('---' for dummy in header)]
    lines += ['| %s |' % ' | '.join(str(cell) for cell in line) for line in body]
    return '\n'.join(lines)


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
    return table(['target (issue "Thousands of numbers in one task")', 'measured', 'verdict', 'by how much'], lines)


def info_table(results, baseline):
    body = []
    for result in results:
        module, bare, process = result['module'], result['bare'], result['process']
        minimum = listing_pages(result['count'])
        latency = '%d ms' % result['latency']
        body.append([latency, '`sms_phone_number_info` (ansible-playbook, whole process)', secs(module.wall), net_secs(module.wall - baseline),
                     module.requests, minimum, times(module.wall / process.wall), times(module.wall / bare.wall), check(module)])
        body.append([latency, 'bare `requests` loop, `python bare_listing.py` (whole process)', secs(process.wall), '-', process.requests,
                     minimum, '-', times(process.wall / bare.wall), check(process)])
        body.append([latency, 'bare `requests` loop, in-process (the pages only)', secs(bare.wall), '-', bare.requests, minimum, '-', '-',
                     check(bare)])
    what = 'listing {:,} numbers with'.format(results[0]['count']) if results else 'listing with'
    return table(['latency', what, 'wall time', 'net of start-up', 'requests', 'minimum', '\u00f7 bare process', '\u00f7 bare in-process',
                  'check'], body)


def threshold_tables(cells):
    body = []
    for cell in cells:
        get, lst = cell['get'], cell['list']
        faster = 'GETs' if get.wall < lst.wall else 'listing'
        body.append(['{:,}'.format(cell['network']), '%d ms' % cell['latency'], cell['n'],
                     '%d / %.1f ms' % (get.requests, get.wall * 1000), '%d / %.1f ms' % (lst.requests, lst.wall * 1000),
                     '%s (%s)' % (faster, times(max(get.wall, lst.wall) / min(get.wall, lst.wall))),
                     'ok' if get.ok and lst.ok else check(get if not get.ok else lst)])
    raw = table(['network M', 'latency', 'n listed in the task', 'GETs: requests / time', 'listing: requests / time', 'faster',
                 'check'], body)
    return raw


def threshold_candidates(cells):
    """For each candidate threshold T (list when n > T), how far its choices are from the better path, per latency."""
    sizes = sorted(set(cell['n'] for cell in cells))
    latencies = sorted(set(cell['latency'] for cell in cells))
    candidates = sorted(set([0, CURRENT_THRESHOLD] + sizes))
    scores = []
    for threshold in candidates:
        score = {'threshold': threshold}
        for latency in latencies:
            slowdowns, extra = [], 0
            for cell in cells:
                if cell['latency'] != latency:
                    continue
                get, lst = cell['get'], cell['list']
                chosen = lst if cell['n'] > threshold else get
                slowdowns.append(chosen.wall / min(get.wall, lst.wall))
                extra += chosen.requests - min(get.requests, lst.requests)
            score[latency] = {
                'worst': max(slowdowns) if slowdowns else None,
                'mean': math.exp(statistics.mean(math.log(s) for s in slowdowns)) if slowdowns else None,
                'extra': extra,
            }
        scores.append(score)
    return scores, latencies, max(sizes) if sizes else 0


def recommend_threshold(scores, latencies):
    """Smallest worst-case slowdown at the highest latency measured (real APIs are not 0 ms away), then the mean."""
    key_latency = max(latencies)
    best = min(scores, key=lambda s: (round(s[key_latency]['worst'], 2), round(s[key_latency]['mean'], 3), s[key_latency]['extra']))
    return best['threshold'], key_latency


def threshold_section(cells):
    if not cells:
        return ''
    scores, latencies, largest = threshold_candidates(cells)
    body = []
    for score in scores:
        label = str(score['threshold']) + (' (current)' if score['threshold'] == CURRENT_THRESHOLD else '')
        if score['threshold'] == 0:
            label += ' (always list)'
        elif score['threshold'] >= largest:
            label += ' (never list in this grid)'
        line = [label]
        for latency in latencies:
            item = score[latency]
            line += [times(item['worst']), times(item['mean']), item['extra']]
        body.append(line)
    header = ['LISTING_THRESHOLD T (list when n > T)']
    for latency in latencies:
        header += ['worst slowdown %d ms' % latency, 'geo-mean slowdown %d ms' % latency, 'extra requests %d ms' % latency]
    chosen, key_latency = recommend_threshold(scores, latencies)
    current = [s for s in scores if s['threshold'] == CURRENT_THRESHOLD][0][key_latency]
    best = [s for s in scores if s['threshold'] == chosen][0][key_latency]
    crossovers = []
    for network in sorted(set(c['network'] for c in cells)):
        for latency in latencies:
            own = [c for c in cells if c['network'] == network and c['latency'] == latency]
            winners = [c['n'] for c in own if c['list'].wall < c['get'].wall]
            verdict = 'listing faster from n=%d' % min(winners) if winners else 'GETs faster at every n'
            crossovers.append('M=%s at %d ms: %s' % ('{:,}'.format(network), latency, verdict))
    text = [
        table(header, body),
        '',
        '"Slowdown" is the time of the path T chooses divided by the time of the faster path, for each (M, n) measured; '
        '"extra requests" sums the requests T costs beyond the cheaper path.',
        '',
        'Where the listing starts to win: ' + '; '.join(crossovers) + '.',
        '',
        'The simulator speaks plain HTTP on loopback. Against the real HTTPS API, each of the up to %d connections the '
        'GET path opens also pays a TLS handshake (about two round trips) that the listing pays once: if anything, the '
        'GET path is flattered here.' % CURRENT_CONCURRENCY,
        '',
        '**Recommendation: LISTING_THRESHOLD = %d** (now %d). Rule: smallest worst-case slowdown at %d ms, then the '
        'smallest geometric-mean slowdown. At %d ms: T=%d gives worst %s, geo-mean %s; the current T=%d gives worst %s, geo-mean %s.' % (
            chosen, CURRENT_THRESHOLD, key_latency, key_latency, chosen, times(best['worst']), times(best['mean']),
            CURRENT_THRESHOLD, times(current['worst']), times(current['mean'])),
    ]
    return '\n'.join(text)


def recommend_concurrency(results, baseline):
    """(level, rule) or (None, reason).

    The largest concurrency whose whole-process time is still within 1.3x of N x latency / concurrency, the issue's
    own tolerance: past it the fixed costs, not the latency, dominate, so more concurrency mostly adds load on the
    API. On a loaded machine the start-up alone can break that for every level; then the same test is applied to
    the time net of the start-up baseline, and the report says so.
    """
    def ideal(result):
        return result['n'] * result['latency'] / 1000.0 / result['concurrency']

    usable = [r for r in results if r['m'].ok and ideal(r) > 0]
    whole = [r['concurrency'] for r in usable if r['m'].wall <= TARGET_IDEAL_FACTOR * ideal(r)]
    if whole:
        return max(whole), 'the largest concurrency whose whole-process time is within 1.3\u00d7 of N \u00d7 latency / concurrency'
    net = [r['concurrency'] for r in usable if r['m'].wall - baseline <= TARGET_IDEAL_FACTOR * ideal(r)]
    if net:
        return max(net), ('no level met 1.3\u00d7 in whole-process time (start-up too slow on this machine), so: the largest '
                          'concurrency whose time net of start-up is within 1.3\u00d7 of N \u00d7 latency / concurrency')
    return None, 'no level came within 1.3\u00d7 of the ideal, even net of start-up: the machine is too loaded to tell'


def concurrency_section(results, baseline):
    if not results:
        return ''
    body = []
    previous = None
    for result in results:
        m, level = result['m'], result['concurrency']
        ideal = result['n'] * result['latency'] / 1000.0 / level
        net = m.wall - baseline
        met = m.ok and ideal > 0 and m.wall <= TARGET_IDEAL_FACTOR * ideal
        gain = '-'
        if previous is not None and net > 0 and previous['m'].wall - baseline > 0:
            gain = '%s (ideal %s)' % (times((previous['m'].wall - baseline) / net), times(level / float(previous['concurrency'])))
        body.append([str(level) + (' (current)' if level == CURRENT_CONCURRENCY else ''), secs(m.wall), net_secs(net), secs(ideal),
                     times(m.wall / ideal if ideal else None), times(net / ideal if ideal else None), 'yes' if met else 'no', gain,
                     '%d (%d + %d)' % (m.requests, m.reads, m.writes), check(m)])
        previous = result
    first = results[0]
    text = [table(['concurrency', 'wall time', 'net of start-up', 'ideal N \u00d7 latency / c', 'wall \u00f7 ideal', 'net \u00f7 ideal',
                   'wall within 1.3\u00d7', 'net speed-up over the previous level', 'requests (reads + writes)', 'check'], body), '']
    chosen, rule = recommend_concurrency(results, baseline)
    if chosen is None:
        text.append('**Recommendation: none from this run** (%s); keep %d.' % (rule, CURRENT_CONCURRENCY))
    else:
        text.append('**Recommendation: concurrency default = %d** (now %d). Rule: %s, for %s creates at %d ms. Beyond it the '
                    'fixed costs, not the latency, dominate, and more concurrency mostly adds load on an API that publishes no '
                    'rate limit.' % (chosen, CURRENT_CONCURRENCY, rule, '{:,}'.format(first['n']), first['latency']))
    return '\n'.join(text)


def report(info, args_line, duration, baselines, rows=None, listing=None, cells=None, sweep=None, messages=None):
    """The Markdown report. ``baselines``: start-up baseline in seconds, one for all or a dict by section."""
    if not isinstance(baselines, dict):
        baselines = dict((section, baselines) for section in SECTIONS)
    shown = ', '.join('%s %s' % (section, secs(baselines[section])) for section in SECTIONS if section in baselines)
    parts = [
        '# invoca.messaging benchmark results',
        '',
        table(['machine', 'value'], [
            ['CPU', info['cpu']],
            ['cores', info['cores']],
            ['OS', info['os']],
            ['Python', info['python']],
            ['ansible-core', info['ansible_core']],
            ['date', info['date']],
            ['load average (1/5/15 min) at start / end', '%s / %s' % (info['load_start'], load_average())],
            ['command', '`%s`' % args_line],
            ['duration of the run', secs(duration)],
            ['ansible start-up baseline, measured before each section', '%s (median of the list form run with an empty list: '
             'ansible-playbook + one module start, 0 requests)' % shown],
        ]),
        '',
        'Wall times are of whole `ansible-playbook` processes, start-up included, unless marked in-process. Requests are '
        'counted from the simulator\'s log (API requests only). A load average above the core count means the times are noisy.',
    ]
    if rows:
        parts += ['', '## Targets', '', targets(rows, baselines['compare']),
                  '', '## (a) `uri` loop vs (b) single-number loop vs (c) list form', '', comparison_table(rows), '',
                  '"minimum": fewest requests that can do the job (rerun: ceil(N/500) listing pages, 0 writes; first run: one '
                  'read of the empty network + N creates). "time \u00f7 (c)" and "requests \u00f7 (c)" compare a loop with the list '
                  'form at the same N, latency and run; "~" marks an estimate.']
    if listing:
        parts += ['', '## `sms_phone_number_info` listing', '', info_table(listing, baselines['info'])]
    if cells:
        parts += ['', '## LISTING_THRESHOLD: per-number GETs vs one listing (in-process `reconcile.read_active`, concurrency %d, '
                  'median of repeats)' % CURRENT_CONCURRENCY, '', threshold_tables(cells), '', threshold_section(cells)]
    if sweep:
        parts += ['', '## concurrency: first run of {:,} creates at {:d} ms'.format(sweep[0]['n'], sweep[0]['latency']), '',
                  concurrency_section(sweep, baselines['concurrency'])]
    if messages:
        parts += [''] + bench_messages.report_section(messages, baselines['messages'], secs, times, check, table)
    return '\n'.join(parts) + '\n'


# ------------------------------------------------------------------------------------------------------ main

def plan(args):
    """What to run, from the options."""
    quick = args.quick
    return {
        'sizes': [100] if quick else [100, 1000],
        'latencies': [0, 50],
        'loop_latencies': [0] if quick else [0, 50],
        'loop_max_n': min(args.max_loop_n, 100) if quick else args.max_loop_n,
        'info_count': 10000,
        'networks': [100, 1000] if quick else [100, 1000, 5000],
        'threshold_sizes': [5, 10, 25, 50, 100],
        'repeats': 1 if quick else 3,
        'sweep_n': 100 if quick else 1000,
        'sweep_levels': [1, 4, 8, 16, 32],
        'baseline_repeats': 1 if quick else 3,
        'message_n': 100 if quick else bench_messages.TARGET_N,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--quick', action='store_true', help='N=100 only, loops (a)/(b) at 0 ms only, smaller studies')
    parser.add_argument('--output', default=str(HERE / 'results.md'), help='Markdown report (default %(default)s)')
    parser.add_argument('--max-loop-n', type=int, default=100, help='largest N for the loops (a) and (b) (default %(default)s)')
    parser.add_argument('--only', default=','.join(SECTIONS), help='comma-separated sections among %s (default: all)' % ', '.join(SECTIONS))
    parser.add_argument('--workdir', help='working directory (default: a temporary one, removed at the end)')
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.only.split(',') if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error('unknown section(s): %s' % ', '.join(sorted(unknown)))
    settings = plan(args)
    info = machine_info()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix='invoca-bench-') as tmp:
        log('building and installing the collection, starting the simulator')
        with Bench(args.workdir or tmp) as bench:
            baselines, results = {}, {}
            # Measured again before each section: on a shared machine the start-up drifts with the load.
            for section in [s for s in SECTIONS if s in sections]:
                if section != 'threshold':
                    baselines[section] = startup_baseline(bench, settings['baseline_repeats'])
                    log('start-up baseline before %s: %.2f s' % (section, baselines[section]))
                if section == 'compare':
                    results['rows'] = compare_methods(bench, settings['sizes'], settings['latencies'], settings['loop_max_n'],
                                                      settings['loop_latencies'], baselines[section])
                elif section == 'info':
                    results['listing'] = info_listing(bench, settings['info_count'], settings['latencies'])
                elif section == 'threshold':
                    results['cells'] = threshold_study(bench, settings['networks'], settings['threshold_sizes'], settings['latencies'],
                                                       repeats=settings['repeats'])
                elif section == 'messages':
                    results['messages'] = bench_messages.run(bench, n=settings['message_n'])
                else:
                    results['sweep'] = concurrency_sweep(bench, settings['sweep_n'], 50, settings['sweep_levels'])
    args_line = 'run_benchmark.py ' + ' '.join(argv if argv is not None else sys.argv[1:])
    text = report(info, args_line.strip(), time.perf_counter() - started, baselines, **results)
    Path(args.output).write_text(text, encoding='utf-8')
    sys.stdout.write(text)
    log('report written to %s' % args.output)
    failed = [m for m in _all_measurements(results) if not m.ok]
    return 1 if failed else 0


def _all_measurements(results):
    for row in results.get('rows') or []:
        if row.measured:
            yield row.measurement
    for item in results.get('listing') or []:
        yield item['module']
        yield item['bare']
        yield item['process']
    for cell in results.get('cells') or []:
        yield cell['get']
        yield cell['list']
    for item in results.get('sweep') or []:
        yield item['m']
    yield from bench_messages.measurements(results.get('messages'))


if __name__ == '__main__':
    sys.exit(main())
