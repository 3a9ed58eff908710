# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section ``threshold``: LISTING_THRESHOLD, per-number GETs on the pool against one listing, in-process
(``reconcile.read_active`` of the installed collection). Used by run_benchmark.py.
"""

from __future__ import annotations

import math
import statistics
import time

from bench_compare import CURRENT_CONCURRENCY, CURRENT_THRESHOLD
from bench_format import check, log, table, times
from benchmark_harness import Measurement, numbers, plugin_modules


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
