#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of invoca.messaging against the local API simulator; writes a Markdown report.

Measures, side by side, (a) a loop of ansible.builtin.uri tasks, (b) a loop of the single-number
sms_phone_number task and (c) the list form (one task), on a first run (all creates) and a rerun (nothing to do),
at 0 and 50 ms of simulated latency (bench_compare.py); 10,000 numbers at 50 ms with the list form (first run and
rerun) and sms_phone_number_info, each against a bare requests client of the same concurrency, net of Ansible's
start-up, and the in-process listing in round trips (bench_scale.py); the two defaults the project has to choose,
LISTING_THRESHOLD (bench_threshold.py) and concurrency (bench_concurrency.py); and sending 1,000 messages with
sms_message against a `uri` loop, and the polls that waiting for delivery costs (bench_messages.py). See README.md
next to this file.

    .venv/bin/python tests/benchmark/run_benchmark.py            # full run, several minutes
    .venv/bin/python tests/benchmark/run_benchmark.py --quick    # N=100 only, loops at 0 ms only
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

if __name__ == '__main__':
    # Run as a program, where no pytest.ini puts tests/simulator on the path: the simulator's control API
    # (simulator_control.py), which benchmark_harness.py imports, is there.
    sys.path.append(str(Path(__file__).resolve().parents[1] / 'simulator'))

import bench_messages  # noqa: E402  pylint: disable=wrong-import-position
import bench_scale  # noqa: E402  pylint: disable=wrong-import-position
# The sections' functions, also for test_benchmark_smoke.py.
from bench_compare import (  # noqa: F401  pylint: disable=unused-import
    CURRENT_CONCURRENCY,
    CURRENT_THRESHOLD,
    LABELS,
    METHODS,
    RUNS,
    Row,
    compare_methods,
    comparison_table,
    estimate,
    startup_baseline,
    targets,
)
from bench_concurrency import concurrency_section, concurrency_sweep  # noqa: F401
from bench_format import check, log, secs, table, times  # noqa: F401
from bench_threshold import threshold_candidates, threshold_section, threshold_study, threshold_tables  # noqa: F401  pylint: disable=unused-import
from benchmark_harness import HERE, Bench, load_average, machine_info  # pylint: disable=wrong-import-order

SECTIONS = ('compare', 'scale', 'threshold', 'concurrency', 'messages')
# Older names of sections, still accepted by --only.
ALIASES = {'info': 'scale'}


def report(info, args_line, duration, baselines, rows=None, scale=None, cells=None, sweep=None, messages=None):
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
    if scale:
        parts += ['', '## Targets at scale ({:,} numbers)'.format(scale['n']), '',
                  table(['target ("Read 10,000 numbers in four round trips")', 'measured', 'verdict', 'by how much'],
                        bench_scale.targets(scale)),
                  ''] + bench_scale.report_section(scale)
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
        'scale_n': args.scale_n if args.scale_n is not None else (1000 if quick else bench_scale.SCALE_N),
        'networks': [100, 1000] if quick else [100, 1000, 5000],
        'threshold_sizes': [5, 10, 25, 50, 100],
        'repeats': 1 if quick else 3,
        'sweep_n': 100 if quick else 1000,
        'sweep_levels': [1, 4, 8, 16, 32],
        'baseline_repeats': 1 if quick else 3,
        # The scale section compares runs of about a second with a difference of two of them: five repeats each.
        'scale_repeats': 1 if quick else 5,
        'message_n': 100 if quick else bench_messages.TARGET_N,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--quick', action='store_true', help='N=100 only, loops (a)/(b) at 0 ms only, smaller studies')
    parser.add_argument('--output', default=str(HERE / 'results.md'), help='Markdown report (default %(default)s)')
    parser.add_argument('--max-loop-n', type=int, default=100, help='largest N for the loops (a) and (b) (default %(default)s)')
    parser.add_argument('--only', default=','.join(SECTIONS), help='comma-separated sections among %s (default: all)' % ', '.join(SECTIONS))
    parser.add_argument('--scale-n', type=int, help='N of the scale section (default %d; 1,000 with --quick)' % bench_scale.SCALE_N)
    parser.add_argument('--workdir', help='working directory (default: a temporary one, removed at the end)')
    args = parser.parse_args(argv)
    sections = [ALIASES.get(s.strip(), s.strip()) for s in args.only.split(',') if s.strip()]
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
                if section not in ('threshold', 'scale'):
                    baselines[section] = startup_baseline(bench, settings['baseline_repeats'])
                    log('start-up baseline before %s: %.2f s' % (section, baselines[section]))
                if section == 'compare':
                    results['rows'] = compare_methods(bench, settings['sizes'], settings['latencies'], settings['loop_max_n'],
                                                      settings['loop_latencies'], baselines[section])
                elif section == 'scale':
                    results['scale'] = bench_scale.run(bench, n=settings['scale_n'], repeats=settings['scale_repeats'])
                    baselines[section] = results['scale']['module_start']
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
    yield from bench_scale.measurements(results.get('scale'))
    for cell in results.get('cells') or []:
        yield cell['get']
        yield cell['list']
    for item in results.get('sweep') or []:
        yield item['m']
    yield from bench_messages.measurements(results.get('messages'))


if __name__ == '__main__':
    sys.exit(main())
