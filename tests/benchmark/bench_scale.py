# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section ``scale``: 10,000 numbers at 50 ms, each run side by side with a bare ``requests`` client of
the same concurrency, in the same run.

- the list form of sms_phone_number, first run (10,000 creates) and no-op rerun, against ``bare_listing.py
  --reconcile`` (one listing with the same parallel page reads, then the creates on as many threads);
- sms_phone_number_info listing the 10,000, against ``bare_listing.py`` (the same parallel page reads);
- Ansible's start-up, measured in the same run: a no-op playbook (no module), and the list form with an empty list
  (one module start, no request). "Net" times are wall time minus the no-op playbook;
- in-process, the reads alone: ``reconcile.read_active`` (what a rerun reads) and the client's listing, in requests
  and in round trips (wall time / latency), against the bare parallel and one-by-one listings.

Targets: net of Ansible's start-up within 1.2x of the bare client; the listing in at most 4 round trips (20
requests, the minimum); the no-op rerun under 1.5 s as a whole ansible-playbook process. Used by run_benchmark.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from bare_listing import bare_listing
from bench_compare import CURRENT_CONCURRENCY, startup_baseline
from bench_format import check, log, net_secs, secs, table, times
from benchmark_harness import HERE, Measurement, children_cpu, listing_pages, numbers, plugin_modules

SCALE_N = 10000
SCALE_LATENCY = 50
TARGET_BARE_FACTOR = 1.2
TARGET_ROUND_TRIPS = 4
TARGET_RERUN_SECONDS = 1.5


def noop_startup(bench, repeats=3):
    """The no-op playbook run of median wall time: ansible-playbook's start-up, no module, no request."""
    runs = []
    for dummy in range(repeats):
        measurement = bench.playbook('noop.yml', {})
        if not measurement.ok or measurement.requests:
            raise RuntimeError('the no-op playbook failed or sent requests: %r\n%s' % (measurement, measurement.problem))
        runs.append(measurement)
    return sorted(runs, key=lambda m: m.wall)[len(runs) // 2]


def bare_process(bench, *args):
    """``python bare_listing.py URL ARGS`` as its own process, timed; (Measurement, its output)."""
    bench.sim.clear_log()
    cpu = children_cpu()
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, str(HERE / 'bare_listing.py'), bench.sim.url] + [str(a) for a in args],
                               env=bench.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               check=False)
    measurement = Measurement(time.perf_counter() - started, bench.sim.log(), cpu=children_cpu() - cpu)
    output = completed.stdout.decode('utf-8', 'replace').strip()
    if completed.returncode != 0:
        measurement.fail('python bare_listing.py exited %d: %s' % (completed.returncode, output[-300:]))
    return measurement, output


def expect_output(measurement, output, expected):
    if measurement.ok and output != expected:
        measurement.fail('printed %r, expected %r' % (output[-200:], expected))
    return measurement


def reconcile_runs(bench, n, latency, concurrency):
    """First run and rerun of the list form, then of the bare client, each checked from the simulator's state."""
    wanted = numbers(n)
    numbers_file = bench.workdir / 'scale-numbers.json'
    numbers_file.write_text(json.dumps(wanted), encoding='utf-8')
    extra = {'bench_numbers': wanted, 'bench_concurrency': concurrency}
    runs = {}
    bench.reset(latency)
    log('scale: list form, first run of %d creates, %d ms, concurrency %d' % (n, latency, concurrency))
    runs['first'] = bench.expect_active(bench.playbook('list_form.yml', extra), wanted)
    log('scale: list form, rerun over %d numbers' % n)
    runs['rerun'] = bench.expect_active(bench.playbook('list_form.yml', extra), wanted)
    bench.reset(latency)
    log('scale: bare client, first run and rerun')
    first, output = bare_process(bench, '--reconcile', numbers_file, '--concurrency', concurrency)
    runs['bare_first'] = bench.expect_active(expect_output(first, output, '0 %d' % n), wanted)
    rerun, output = bare_process(bench, '--reconcile', numbers_file, '--concurrency', concurrency)
    runs['bare_rerun'] = bench.expect_active(expect_output(rerun, output, '%d 0' % n), wanted)
    for key in ('first', 'bare_first'):
        if runs[key].applied != n:
            runs[key].fail('%d creates applied, expected %d' % (runs[key].applied, n))
    for key in ('rerun', 'bare_rerun'):
        if runs[key].writes:
            runs[key].fail('the rerun sent %d writes; expected none' % runs[key].writes)
    numbers_file.unlink()
    return runs


def info_runs(bench, n, latency, concurrency):
    """sms_phone_number_info listing ``n`` seeded numbers, and the bare parallel listing of the same pages."""
    bench.reset(latency)
    bench.sim.seed(count=n)
    log('scale: sms_phone_number_info listing %d numbers, %d ms, concurrency %d' % (n, latency, concurrency))
    module = bench.playbook('info_list.yml', {'bench_expected_count': n, 'bench_concurrency': concurrency})
    bare, output = bare_process(bench, '--concurrency', concurrency)
    for measurement in (module, bare):
        if measurement.writes:
            measurement.fail('the listing sent %d writes' % measurement.writes)
    return {'info': module, 'bare_info': expect_output(bare, output, str(n))}


def in_process(bench, n, latency, concurrency, repeats=3):
    """The reads alone, in this process, over the ``n`` numbers seeded by info_runs: median of ``repeats``."""
    client_mod, transport_mod, reconcile, workers = plugin_modules(bench.collections_path)
    everyone = numbers(n)

    def client():
        return client_mod.PhoneNumberClient(transport_mod.Transport(api_token=bench.token, api_url=bench.sim.url,
                                                                    pool_size=concurrency))

    def read_active():
        reader = client()
        try:
            return list(reconcile.read_active(reader, everyone, workers.WorkerPool(concurrency)).values())
        finally:
            reader.close()

    def listing():
        reader = client()
        try:
            return list(reader.iter_phone_numbers())
        finally:
            reader.close()

    cases = (
        ('`reconcile.read_active` (the read of a list-form rerun), concurrency %d' % concurrency, read_active),
        ('`PhoneNumberClient` listing (the read of `sms_phone_number_info`), concurrency %d' % concurrency, listing),
        ('bare `requests`, the same parallel page reads, concurrency %d' % concurrency,
         lambda: bare_listing(bench.sim.url, bench.token, concurrency, active_only=False)),
        ('bare `requests`, one page after the other (the reads before pages were asked for ahead)',
         lambda: bare_listing(bench.sim.url, bench.token, 1, active_only=False)),
    )
    rows = []
    for label, read in cases:
        runs = []
        for dummy in range(repeats):
            bench.sim.clear_log()
            started = time.perf_counter()
            records = read()
            measurement = Measurement(time.perf_counter() - started, bench.sim.log())
            if len(records) != n:
                measurement.fail('read %d records, expected %d' % (len(records), n))
            runs.append(measurement)
        chosen = sorted(runs, key=lambda m: m.wall)[len(runs) // 2]
        for other in runs:
            if not other.ok:
                chosen.fail(other.problem)
        log('  in-process %s: %r' % (label, chosen))
        rows.append({'label': label, 'm': chosen})
    return rows


def run(bench, n=SCALE_N, latency=SCALE_LATENCY, concurrency=CURRENT_CONCURRENCY, repeats=3):
    """Everything of the section; the start-up baselines are measured first, in the same run."""
    noop = noop_startup(bench, repeats)
    module_start = startup_baseline(bench, repeats)
    log('scale: no-op playbook %.2f s (%.2f s CPU), list form with an empty list %.2f s' % (noop.wall, noop.cpu, module_start))
    results = {'n': n, 'latency': latency, 'concurrency': concurrency, 'noop': noop.wall, 'noop_cpu': noop.cpu,
               'module_start': module_start}
    results.update(reconcile_runs(bench, n, latency, concurrency))
    results.update(info_runs(bench, n, latency, concurrency))
    results['in_process'] = in_process(bench, n, latency, concurrency, repeats)
    return results


def measurements(results):
    if not results:
        return
    for key in ('first', 'rerun', 'bare_first', 'bare_rerun', 'info', 'bare_info'):
        yield results[key]
    for row in results['in_process']:
        yield row['m']


# --------------------------------------------------------------------------------------------- presentation

def ratios(results, key):
    """(whole-process ratio, ratio net of the no-op playbook) of module run ``key`` to its bare client run."""
    module, bare = results[key], results['bare_' + key]
    return module.wall / bare.wall, (module.wall - results['noop']) / bare.wall


def verdict(ok, met):
    return ('met' if met else 'NOT met') if ok else 'FAILED'


def targets(results):
    """The lines of the targets at scale: measured value, verdict, by how much."""
    n, latency = '{:,}'.format(results['n']), results['latency']
    lines = []
    for key, what in (('first', 'list form, first run (%s creates)' % n), ('rerun', 'list form, no-op rerun over %s' % n),
                      ('info', '`sms_phone_number_info` listing %s' % n)):
        whole, net = ratios(results, key)
        module, bare = results[key], results['bare_' + key]
        lines.append(['%s at %d ms within %.1f\u00d7 of a bare `requests` client of the same concurrency, net of Ansible\'s '
                      'start-up' % (what, latency, TARGET_BARE_FACTOR),
                      '%s (%s net of the %s no-op playbook) vs %s: %s net, %s whole process' % (
                          secs(module.wall), net_secs(module.wall - results['noop']), secs(results['noop']), secs(bare.wall),
                          times(net, digits=2), times(whole, digits=2)),
                      verdict(module.ok and bare.ok, net <= TARGET_BARE_FACTOR), '%.2f of the target' % (net / TARGET_BARE_FACTOR)])
    rerun = results['rerun']
    lines.append(['no-op rerun of the list form over %s numbers at %d ms, whole `ansible-playbook` process, under %s' % (
        n, latency, secs(TARGET_RERUN_SECONDS)), secs(rerun.wall), verdict(rerun.ok, rerun.wall < TARGET_RERUN_SECONDS),
        '%+.2f s' % (rerun.wall - TARGET_RERUN_SECONDS)])
    minimum = listing_pages(results['n'])
    for row in results['in_process'][:2]:
        m = row['m']
        trips = m.wall * 1000.0 / latency if latency else None
        met = m.requests <= minimum and trips is not None and trips <= TARGET_ROUND_TRIPS
        lines.append(['in-process, %s numbers at %d ms: %s in at most %d round trips (%d requests)' % (
            n, latency, row['label'], TARGET_ROUND_TRIPS, minimum),
            '%d requests, %s = %s round trips' % (m.requests, secs(m.wall), '%.1f' % trips if trips is not None else 'n/a'),
            verdict(m.ok, met), '%s of the target' % ('%.2f' % (trips / TARGET_ROUND_TRIPS) if trips is not None else 'n/a')])
    return lines


def report_section(results):
    """Markdown lines of the section."""
    if not results:
        return []
    n, latency, concurrency = '{:,}'.format(results['n']), results['latency'], results['concurrency']
    noop = results['noop']
    body = []
    for key, what in (('first', 'first run (%s creates)' % n), ('rerun', 'no-op rerun'), ('info', 'info listing')):
        module, bare = results[key], results['bare_' + key]
        whole, net = ratios(results, key)
        body.append([what, secs(module.wall), net_secs(module.wall - noop), secs(bare.wall), times(whole, digits=2),
                     times(net, digits=2), 'yes' if net <= TARGET_BARE_FACTOR else 'no',
                     '%s / %s / %s' % (secs(module.cpu), secs(module.cpu - results['noop_cpu']), secs(bare.cpu)),
                     '%d (%d + %d) / %d (%d + %d)' % (module.requests, module.reads, module.writes, bare.requests, bare.reads,
                                                      bare.writes), check(module) if not module.ok else check(bare)])
    lines = ['## Scale: {} numbers at {:d} ms, concurrency {:d}, against a bare `requests` client'.format(n, latency, concurrency), '',
             table(['run', 'module (whole ansible-playbook)', 'net of Ansible\'s start-up', 'bare client (whole python process)',
                    '\u00f7 bare, whole', '\u00f7 bare, net', 'net within %.1f\u00d7' % TARGET_BARE_FACTOR,
                    'CPU: module / net / bare',
                    'requests module / bare (reads + writes)', 'check'], body), '',
             'Module runs: `playbooks/list_form.yml` (first run on an empty network, then the rerun) and '
             '`playbooks/info_list.yml` (over %s seeded numbers), both with `concurrency: %d`. Bare client: `python '
             'bare_listing.py --reconcile` (one listing with the same parallel page reads, then one POST per missing number '
             'on %d threads) and `python bare_listing.py` (the same parallel page reads). Ansible\'s start-up, measured in '
             'this run: a no-op playbook takes %s (median of repeats), the list form with an empty list (one module start, '
             'no request) %s. "Net" is the module\'s wall time minus the no-op playbook; the bare client\'s time is its '
             'whole process, its own interpreter start and `import requests` included. "CPU" is the user + system time of '
             'the process tree (the no-op playbook\'s %s taken off for "net"): on a busy machine it moves far less than '
             'the wall time.' % (n, concurrency, concurrency, secs(noop), secs(results['module_start']), secs(results['noop_cpu'])), '']
    minimum = listing_pages(results['n'])
    body = []
    for row in results['in_process']:
        m = row['m']
        trips = m.wall * 1000.0 / latency if latency else None
        body.append([row['label'], m.requests, minimum, '%.0f ms' % (m.wall * 1000), '%.1f' % trips if trips is not None else 'n/a',
                     check(m)])
    lines += ['### In-process reads of the %s numbers (median of repeats)' % n, '',
              table(['read', 'requests', 'minimum', 'wall time', 'round trips (wall \u00f7 %d ms)' % latency, 'check'], body), '',
              'The pages after the first are asked for %d at a time once page 1 has told how many there are: %d pages take '
              '1 + ceil(%d / %d) = %d round trips at best. A round trip here is the latency alone; what the pages cost '
              'beyond it (the simulator serving, the client decoding and checking 500 records a page) is the rest.' % (
                  concurrency, minimum, minimum - 1, concurrency, 1 + -(-(minimum - 1) // concurrency))]
    return lines
