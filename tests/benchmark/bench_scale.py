# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section ``scale``: 10,000 numbers at 50 ms, each run side by side with a bare ``requests`` client of
the same concurrency, in the same run, every module at its default concurrency.

- the list form of sms_phone_number, first run (10,000 creates) and no-op rerun, against ``bare_listing.py
  --reconcile`` (one listing with the same parallel page reads, then the creates on as many threads);
- sms_phone_number_info listing the 10,000, against ``bare_listing.py`` (the same parallel page reads);
- Ansible's share, measured in the same run: a no-op playbook (no module), and for each module run a stand-in
  module (playbooks/library/bench_stand_in.py) given the same arguments and returning a result of the same size,
  without a request. "Net" is the module's run less its stand-in's: the module's own work;
- in-process, the reads alone: the client's listing and ``reconcile.read_active`` (what a rerun reads), in requests
  and in round trips (wall time / latency), against the bare parallel and one-by-one listings.

Targets: net of Ansible's share within 1.2x of the bare client; the listing in at most 4 round trips (20 requests,
the minimum); the no-op rerun under 1.5 s as a whole ansible-playbook process. Used by run_benchmark.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from bare_listing import bare_listing
from bench_compare import CURRENT_CONCURRENCY, READ_CONCURRENCY, startup_baseline
from bench_format import check, log, net_secs, secs, table, times
from benchmark_harness import HERE, Measurement, children_cpu, listing_pages, numbers, plugin_modules

SCALE_N = 10000
SCALE_LATENCY = 50
TARGET_BARE_FACTOR = 1.2
TARGET_ROUND_TRIPS = 4
TARGET_RERUN_SECONDS = 1.5


def no_request_run(bench, playbook, extra_vars, repeats=3):
    """The run of median wall time of a playbook that must send no request (the no-op one)."""
    return median([no_request(bench.playbook(playbook, extra_vars), playbook) for dummy in range(repeats)])


def median(runs):
    """The run of median wall time, failed if any of the runs failed."""
    chosen = sorted(runs, key=lambda m: m.wall)[len(runs) // 2]
    for other in runs:
        if not other.ok:
            chosen.fail(other.problem)
    return chosen


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


def no_request(measurement, playbook):
    if not measurement.ok or measurement.requests:
        raise RuntimeError('%s failed or sent requests: %r\n%s' % (playbook, measurement, measurement.problem))
    return measurement


def interleaved(repeats, **runners):
    """Each runner called ``repeats`` times, one after the other in turn, so that a drift of the machine's load
    weighs on every side alike; the median run of each, by name."""
    runs = dict((name, []) for name in runners)
    for dummy in range(repeats):
        for name, runner in runners.items():
            runs[name].append(runner())
    return dict((name, median(measured)) for name, measured in runs.items())


def reconcile_runs(bench, n, latency, concurrency, repeats):
    """First run of the list form, then of the bare client, each checked from the simulator's state; then the
    reruns of both and the list form's stand-in (given the same list), interleaved, the median of ``repeats``."""
    wanted = numbers(n)
    numbers_file = bench.workdir / 'scale-numbers.json'
    numbers_file.write_text(json.dumps(wanted), encoding='utf-8')
    extra = {'bench_numbers': wanted, 'bench_concurrency': concurrency}

    def bare_reconcile(expected):
        measurement, output = bare_process(bench, '--reconcile', numbers_file, '--concurrency', concurrency)
        return bench.expect_active(expect_output(measurement, output, expected), wanted)

    runs = {}
    bench.reset(latency)
    log('scale: list form, first run of %d creates, %d ms, concurrency %d' % (n, latency, concurrency))
    runs['first'] = bench.expect_active(bench.playbook('list_form.yml', extra), wanted)
    bench.reset(latency)
    log('scale: bare client, first run')
    runs['bare_first'] = bare_reconcile('0 %d' % n)
    log('scale: reruns over %d numbers: list form, bare client, the stand-in of the list form' % n)
    runs.update(interleaved(
        repeats,
        rerun=lambda: bench.expect_active(bench.playbook('list_form.yml', extra), wanted),
        bare_rerun=lambda: bare_reconcile('%d 0' % n),
        share_rerun=lambda: no_request(bench.playbook('stand_in_list_form.yml', extra), 'stand_in_list_form.yml')))
    runs['share_first'] = runs['share_rerun']
    for key in ('first', 'bare_first'):
        if runs[key].applied != n:
            runs[key].fail('%d creates applied, expected %d' % (runs[key].applied, n))
    for key in ('rerun', 'bare_rerun'):
        if runs[key].writes:
            runs[key].fail('the rerun sent %d writes; expected none' % runs[key].writes)
    numbers_file.unlink()
    return runs


def info_runs(bench, n, latency, concurrency, repeats):
    """sms_phone_number_info listing ``n`` seeded numbers, the bare parallel listing of the same pages, and the
    stand-in returning the records the listing returns: interleaved, the median of ``repeats`` each."""
    bench.reset(latency)
    bench.sim.seed(count=n)
    records_file = bench.workdir / 'scale-records.json'
    records_file.write_text(json.dumps(bare_listing(bench.sim.url, bench.token, concurrency)), encoding='utf-8')
    log('scale: sms_phone_number_info listing %d numbers, %d ms, concurrency %d; the bare client; the stand-in'
        % (n, latency, concurrency))
    runs = interleaved(
        repeats,
        info=lambda: bench.playbook('info_list.yml', {'bench_expected_count': n, 'bench_concurrency': concurrency}),
        bare_info=lambda: expect_output(*bare_process(bench, '--concurrency', concurrency), expected=str(n)),
        share_info=lambda: no_request(bench.playbook('stand_in_info.yml', {'bench_records_file': str(records_file),
                                                                           'bench_expected_count': n}), 'stand_in_info.yml'))
    records_file.unlink()
    for key in ('info', 'bare_info'):
        if runs[key].writes:
            runs[key].fail('the listing sent %d writes' % runs[key].writes)
    return runs


def in_process(bench, n, latency, write_concurrency, read_concurrency, repeats=3):
    """The reads alone, in this process, over the ``n`` numbers seeded by info_runs: median of ``repeats``. Rows
    marked ``target`` are held to the round trips target: the listing at the info modules' default, and the
    read of a rerun at that concurrency (sms_phone_number's default, which also bounds its writes, is shown too)."""
    client_mod, transport_mod, reconcile, workers = plugin_modules(bench.collections_path)
    everyone = numbers(n)

    def client(concurrency):
        return client_mod.PhoneNumberClient(transport_mod.Transport(api_token=bench.token, api_url=bench.sim.url,
                                                                    pool_size=concurrency))

    def read_active(concurrency):
        reader = client(concurrency)
        try:
            return list(reconcile.read_active(reader, everyone, workers.WorkerPool(concurrency)).values())
        finally:
            reader.close()

    def listing(concurrency):
        reader = client(concurrency)
        try:
            return list(reader.iter_phone_numbers())
        finally:
            reader.close()

    def bare(concurrency):
        return bare_listing(bench.sim.url, bench.token, concurrency, active_only=False)

    cases = [
        ('`PhoneNumberClient` listing (the read of `sms_phone_number_info`)', listing, read_concurrency, True),
        ('`reconcile.read_active` (the read of a list-form rerun)', read_active, read_concurrency, True),
        ('`reconcile.read_active` (the read of a list-form rerun)', read_active, write_concurrency, False),
        ('bare `requests`, the same parallel page reads', bare, read_concurrency, False),
        ('bare `requests`, the same parallel page reads', bare, write_concurrency, False),
        ('bare `requests`, one page after the other (the reads before pages were asked for ahead)', bare, 1, False),
    ]
    rows, done = [], set()
    for label, read, concurrency, target in cases:
        if (label, concurrency) in done:
            continue
        done.add((label, concurrency))
        runs = []
        for dummy in range(repeats):
            bench.sim.clear_log()
            started = time.perf_counter()
            records = read(concurrency)
            measurement = Measurement(time.perf_counter() - started, bench.sim.log())
            if len(records) != n:
                measurement.fail('read %d records, expected %d' % (len(records), n))
            runs.append(measurement)
        chosen = median(runs)
        label = label if concurrency == 1 else '%s, concurrency %d' % (label, concurrency)
        log('  in-process %s: %r' % (label, chosen))
        rows.append({'label': label, 'm': chosen, 'concurrency': concurrency, 'target': target})
    return rows


def run(bench, n=SCALE_N, latency=SCALE_LATENCY, write_concurrency=CURRENT_CONCURRENCY, read_concurrency=READ_CONCURRENCY,
        repeats=3):
    """Everything of the section; the start-up baselines are measured first, in the same run. The list form runs at
    ``write_concurrency`` and the info listing at ``read_concurrency``, the modules' defaults unless told."""
    noop = no_request_run(bench, 'noop.yml', {}, repeats)
    module_start = startup_baseline(bench, repeats)
    log('scale: no-op playbook %.2f s (%.2f s CPU), list form with an empty list %.2f s' % (noop.wall, noop.cpu, module_start))
    results = {'n': n, 'latency': latency, 'write_concurrency': write_concurrency, 'read_concurrency': read_concurrency,
               'noop': noop.wall, 'noop_cpu': noop.cpu, 'module_start': module_start}
    results.update(reconcile_runs(bench, n, latency, write_concurrency, repeats))
    results.update(info_runs(bench, n, latency, read_concurrency, repeats))
    results['in_process'] = in_process(bench, n, latency, write_concurrency, read_concurrency, repeats)
    return results


RUNS = (('first', 'first run'), ('rerun', 'no-op rerun'), ('info', 'info listing'))


def measurements(results):
    if not results:
        return
    for key, dummy in RUNS:
        for prefix in ('', 'bare_', 'share_'):
            yield results[prefix + key]
    for row in results['in_process']:
        yield row['m']


# --------------------------------------------------------------------------------------------- presentation

def net(results, key):
    """The module's own time of run ``key``: its wall time less its stand-in's (Ansible's share)."""
    return results[key].wall - results['share_' + key].wall


def ratios(results, key):
    """(whole-process ratio, ratio net of Ansible's share) of module run ``key`` to its bare client run."""
    bare = results['bare_' + key]
    return results[key].wall / bare.wall, net(results, key) / bare.wall


def verdict(ok, met):
    return ('met' if met else 'NOT met') if ok else 'FAILED'


def concurrency_of(results, key):
    return results['read_concurrency' if key == 'info' else 'write_concurrency']


def round_trips(row, latency):
    return row['m'].wall * 1000.0 / latency if latency else None


def targets(results):
    """The lines of the targets at scale: measured value, verdict, by how much."""
    n, latency = '{:,}'.format(results['n']), results['latency']
    lines = []
    for key, what in (('first', 'list form, first run (%s creates)' % n), ('rerun', 'list form, no-op rerun over %s' % n),
                      ('info', '`sms_phone_number_info` listing %s' % n)):
        whole, net_ratio = ratios(results, key)
        module, bare, share = results[key], results['bare_' + key], results['share_' + key]
        lines.append(['%s at %d ms (concurrency %d, the default) within %.1f\u00d7 of a bare `requests` client of the same '
                      'concurrency, net of Ansible\'s share' % (what, latency, concurrency_of(results, key), TARGET_BARE_FACTOR),
                      '%s (%s net of the stand-in\'s %s) vs %s: %s net, %s whole process' % (
                          secs(module.wall), net_secs(net(results, key)), secs(share.wall), secs(bare.wall),
                          times(net_ratio, digits=2), times(whole, digits=2)),
                      verdict(module.ok and bare.ok and share.ok, net_ratio <= TARGET_BARE_FACTOR),
                      '%.2f of the target' % (net_ratio / TARGET_BARE_FACTOR)])
    rerun = results['rerun']
    lines.append(['no-op rerun of the list form over %s numbers at %d ms, whole `ansible-playbook` process, under %s' % (
        n, latency, secs(TARGET_RERUN_SECONDS)), secs(rerun.wall), verdict(rerun.ok, rerun.wall < TARGET_RERUN_SECONDS),
        '%+.2f s' % (rerun.wall - TARGET_RERUN_SECONDS)])
    minimum = listing_pages(results['n'])
    for row in results['in_process']:
        if not row['target']:
            continue
        m, trips = row['m'], round_trips(row, latency)
        met = m.requests <= minimum and trips is not None and trips <= TARGET_ROUND_TRIPS
        lines.append(['in-process, %s numbers at %d ms: %s in at most %d round trips (%d requests)' % (
            n, latency, row['label'], TARGET_ROUND_TRIPS, minimum),
            '%d requests, %s = %s round trips' % (m.requests, secs(m.wall), '%.1f' % trips if trips is not None else 'n/a'),
            verdict(m.ok, met), '%s of the target' % ('%.2f' % (trips / TARGET_ROUND_TRIPS) if trips is not None else 'n/a')])
    return lines


def fewest_round_trips(pages, concurrency):
    """Page 1, then the others ``concurrency`` at a time."""
    return 1 + -(-(pages - 1) // concurrency)


def report_section(results):
    """Markdown lines of the section."""
    if not results:
        return []
    n, latency = '{:,}'.format(results['n']), results['latency']
    body = []
    for key, what in RUNS:
        module, bare, share = results[key], results['bare_' + key], results['share_' + key]
        whole, net_ratio = ratios(results, key)
        body.append(['%s%s' % (what, ' (%s creates)' % n if key == 'first' else ''), concurrency_of(results, key),
                     secs(module.wall), secs(share.wall), net_secs(net(results, key)), secs(bare.wall),
                     times(whole, digits=2), times(net_ratio, digits=2), 'yes' if net_ratio <= TARGET_BARE_FACTOR else 'no',
                     '%s / %s / %s' % (secs(module.cpu), secs(share.cpu), secs(bare.cpu)),
                     '%d (%d + %d) / %d (%d + %d)' % (module.requests, module.reads, module.writes, bare.requests, bare.reads,
                                                      bare.writes),
                     next((check(m) for m in (module, bare, share) if not m.ok), 'ok')])
    lines = ['## Scale: {} numbers at {:d} ms, against a bare `requests` client'.format(n, latency), '',
             table(['run', 'concurrency', 'module (whole ansible-playbook)', 'Ansible\'s share (stand-in, whole)',
                    'net of Ansible\'s share', 'bare client (whole python process)', '\u00f7 bare, whole', '\u00f7 bare, net',
                    'net within %.1f\u00d7' % TARGET_BARE_FACTOR, 'CPU: module / stand-in / bare',
                    'requests module / bare (reads + writes)', 'check'], body), '',
             'Module runs, each at the module\'s default concurrency: `playbooks/list_form.yml` (first run on an empty '
             'network, then the rerun) and `playbooks/info_list.yml` (over %s seeded numbers). Bare client, at the same '
             'concurrency: `python bare_listing.py --reconcile` (one listing with the same parallel page reads, then one '
             'POST per missing number) and `python bare_listing.py` (the same parallel page reads). The bare client\'s '
             'time is its whole process, its own interpreter start and `import requests` included.' % n, '',
             'Ansible\'s share is the run of a stand-in module (`playbooks/library/bench_stand_in.py`) given the same '
             'arguments and the token, and returning a result of the same size (the info listing\'s stand-in returns the '
             'same records, and its playbook makes the same check), without any request: ansible-playbook\'s start-up, '
             'templating and passing the arguments, starting the module, validating the arguments, scrubbing the token '
             'from the result and carrying it back. "Net" is the module\'s run less its stand-in\'s: the module\'s own '
             'imports, requests and checks. For scale, measured in this run: a no-op playbook (no module) takes %s, the '
             'list form with an empty list (one module start, no request) %s. "CPU" is the user + system time of the '
             'process tree: on a busy machine it moves far less than the wall time.' % (
                 secs(results['noop']), secs(results['module_start'])), '']
    minimum = listing_pages(results['n'])
    body = []
    for row in results['in_process']:
        m, trips = row['m'], round_trips(row, latency)
        body.append([row['label'], m.requests, minimum, '%.0f ms' % (m.wall * 1000), '%.1f' % trips if trips is not None else 'n/a',
                     fewest_round_trips(minimum, row['concurrency']), 'yes' if row['target'] else '', check(m)])
    lines += ['### In-process reads of the %s numbers (median of repeats)' % n, '',
              table(['read', 'requests', 'minimum', 'wall time', 'round trips (wall \u00f7 %d ms)' % latency,
                     'fewest possible', 'target row', 'check'], body), '',
              'The pages after the first are asked for `concurrency` at a time once page 1 has told how many there are: '
              '%d pages take 1 + ceil(%d / concurrency) round trips at best ("fewest possible"). A round trip here is the '
              'latency alone; what the pages cost beyond it (the simulator serving, the client decoding and checking 500 '
              'records a page) is the rest. The target rows are the listing at the info modules\' default concurrency (%d) '
              'and a rerun\'s read at that concurrency; sms_phone_number\'s default (%d) also bounds its writes, and its '
              'read at that default is shown beside them.' % (
                  minimum, minimum - 1, results['read_concurrency'], results['write_concurrency'])]
    return lines
