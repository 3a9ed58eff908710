# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section ``concurrency``: a first run of 1,000 creates at 50 ms with the list form at several concurrencies,
against the ideal N x latency / concurrency. Used by run_benchmark.py.
"""

from __future__ import annotations

from bench_compare import CURRENT_CONCURRENCY, TARGET_IDEAL_FACTOR
from bench_format import check, log, net_secs, secs, table, times
from benchmark_harness import numbers


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
