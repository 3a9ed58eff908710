# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The messages part of the benchmark: sending with sms_message against a `uri` loop, and waiting for delivery.

Targets ("Send and track SMS messages"):

- 1,000 messages to 1,000 recipients at 50 ms of simulated latency, one task, within 1.3x of
  N x latency / concurrency, side by side with an ``ansible.builtin.uri`` loop doing the same;
- waiting for the delivery of 100 messages costs a bounded number of polls: this module counts them from the
  simulator's log (every read after the last send) and compares them with the bound of the polling schedule.

Every run is checked against the simulator's state: each recipient holds exactly one message of the run.
Used by run_benchmark.py (section ``messages``); see README.md next to this file.
"""

from __future__ import annotations

import math
import re
import sys
import time
from collections import Counter

from benchmark_harness import REPO, numbers

SENDER = '+18885550100'
RECIPIENTS_START = 15551000000
TEXT = 'invoca.messaging benchmark: the deploy finished.'
TARGET_IDEAL_FACTOR = 1.3
TARGET_N = 1000
TARGET_LATENCY = 50
WAIT_N = 100
# Share of the WAIT_N recipients whose messages fail at the carrier, and that never hear back.
WAIT_FAILED = 5
WAIT_PENDING = 5
WAIT_TIMEOUT = 30
PAGE_SIZE = 500

_MESSAGE_SOURCE = (REPO / 'plugins' / 'module_utils' / '_workers.py')


def _module_constant(name, fallback):
    """A constant of the worker pool, read from its source so that the report names the one in force."""
    try:
        source = _MESSAGE_SOURCE.read_text(encoding='utf-8')
    except OSError:
        return fallback
    found = re.search(r"^%s = (\d+)" % re.escape(name), source, re.MULTILINE)
    return int(found.group(1)) if found else fallback


CURRENT_CONCURRENCY = _module_constant('SEND_CONCURRENCY', 4)


def log(message):
    sys.stderr.write('[%s] %s\n' % (time.strftime('%H:%M:%S'), message))
    sys.stderr.flush()


def poll_schedule_bound(timeout, first=1.0, factor=2.0, cap=10.0):
    """Most polling rounds a wait of ``timeout`` seconds can make: one at once, then after pauses of 1, 2, 4 ...
    seconds capped at 10, while the time waited stays within the timeout, plus a last one at the timeout."""
    rounds, waited, pause = 1, 0.0, first
    while waited + pause < timeout:
        waited += pause
        rounds += 1
        pause = min(cap, pause * factor)
    return rounds + 1


def check_sent_once(bench, measurement, recipients):
    """Mark the measurement failed unless every recipient holds exactly one outbound message from SENDER."""
    counts = Counter(message['to'] for message in bench.sim.messages()
                     if message['direction'] == 'out' and message['from'] == SENDER)
    missing = [number for number in recipients if counts.get(number, 0) == 0]
    doubled = [number for number in recipients if counts.get(number, 0) > 1]
    stray = set(counts) - set(recipients)
    if missing or doubled or stray:
        measurement.fail('%d recipients got no message, %d got more than one, %d numbers not asked for got one'
                         % (len(missing), len(doubled), len(stray)))
    return measurement


def prepare(bench, latency, outcomes=None):
    bench.reset(latency, network=[SENDER])
    settings = {'delivery_delay_seconds': 0}
    if outcomes:
        settings['message_outcomes'] = outcomes
    bench.sim.config(**settings)


def send_comparison(bench, n, latency, uri=True):
    """sms_message (one task) and, unless ``uri`` is false, the uri loop: both send ``n`` messages at ``latency``."""
    recipients = numbers(n, start=RECIPIENTS_START)
    extra = {'bench_sender': SENDER, 'bench_recipients': recipients, 'bench_text': TEXT}
    results = {'n': n, 'latency': latency, 'concurrency': CURRENT_CONCURRENCY}
    prepare(bench, latency)
    log('sms_message, %d recipients, %d ms' % (n, latency))
    results['module'] = check_sent_once(bench, bench.playbook('message_send.yml', extra), recipients)
    log('  %r' % results['module'])
    if uri:
        prepare(bench, latency)
        log('uri loop, %d recipients, %d ms' % (n, latency))
        results['uri'] = check_sent_once(bench, bench.playbook('message_uri_loop.yml', extra), recipients)
        log('  %r' % results['uri'])
    return results


def delivery_wait(bench, n=WAIT_N, latency=0, timeout=WAIT_TIMEOUT):
    """Two waits for the delivery of ``n`` messages: all settle at once, and some never do (the timeout ends it).

    Polls are the API reads made after the last send, counted from the simulator's log.
    """
    recipients = numbers(n, start=RECIPIENTS_START)
    failed = {number: {'outcome': 'failed', 'carrier_errorcode': 4720} for number in recipients[:WAIT_FAILED]}
    pending = {number: 'pending' for number in recipients[WAIT_FAILED:WAIT_FAILED + WAIT_PENDING]}
    cases = []
    for label, outcomes in (('every message settles at once (%d delivered, %d failed)' % (n - WAIT_FAILED, WAIT_FAILED),
                             failed),
                            ('%d never settle: the wait ends at wait_timeout=%d s' % (WAIT_PENDING, timeout),
                             dict(failed, **pending))):
        prepare(bench, latency, outcomes)
        log('sms_message with wait, %d recipients: %s' % (n, label))
        measurement = bench.playbook('message_send.yml', {'bench_sender': SENDER, 'bench_recipients': recipients,
                                                          'bench_text': TEXT, 'bench_wait': True,
                                                          'bench_wait_timeout': timeout})
        check_sent_once(bench, measurement, recipients)
        last_send = max([entry['seq'] for entry in measurement.log if entry['method'] == 'POST'] or [0])
        polls = [entry for entry in measurement.log if entry['seq'] > last_send and entry['method'] == 'GET']
        pages = max(1, int(math.ceil(n / float(PAGE_SIZE))))
        rounds = poll_schedule_bound(timeout) if pending_in(outcomes) else 2
        # Plus one read per failed message: its delivery report holds the carrier's error, the message does not.
        bound = rounds * pages + WAIT_FAILED
        if len(polls) > bound:
            measurement.fail('%d polls, more than the bound of %d' % (len(polls), bound))
        log('  %r, %d polls (bound %d)' % (measurement, len(polls), bound))
        cases.append({'label': label, 'n': n, 'm': measurement, 'polls': len(polls), 'bound': bound,
                      'operations': sorted(Counter(entry['operation'] for entry in polls).items())})
    return cases


def pending_in(outcomes):
    return any(value == 'pending' for value in outcomes.values())


def run(bench, n=TARGET_N, latency=TARGET_LATENCY, wait_n=WAIT_N, wait_timeout=WAIT_TIMEOUT, uri=True):
    return {'send': send_comparison(bench, n, latency, uri=uri),
            'wait': delivery_wait(bench, wait_n, timeout=wait_timeout)}


def measurements(results):
    if not results:
        return
    for key in ('module', 'uri'):
        if key in results['send']:
            yield results['send'][key]
    for case in results['wait']:
        yield case['m']


# --------------------------------------------------------------------------------------------- presentation

def report_section(results, baseline, secs, times, check, table):
    """Markdown of the messages section; the formatting helpers are run_benchmark's, passed in."""
    if not results:
        return []
    send = results['send']
    n, latency, concurrency = send['n'], send['latency'], send['concurrency']
    ideal = n * latency / 1000.0 / concurrency
    module = send['module']
    body = []
    for key, label in (('module', '`sms_message`, one task (concurrency %d)' % concurrency),
                       ('uri', '`uri` loop, one task with a loop')):
        m = send.get(key)
        if m is None:
            continue
        body.append([label, secs(m.wall), secs(max(0.0, m.wall - baseline)), '%d (%d + %d)' % (m.requests, m.reads, m.writes),
                     times(m.wall / ideal) if ideal else 'n/a', times(m.wall / module.wall) if key == 'uri' else '-', check(m)])
    lines = ['## Sending: %s messages to %s recipients at %d ms' % ('{:,}'.format(n), '{:,}'.format(n), latency), '',
             table(['method', 'wall time', 'net of start-up', 'requests (reads + writes)', 'wall \u00f7 ideal',
                    '\u00f7 `sms_message`', 'check'], body), '']
    if ideal:
        met = module.ok and module.wall <= TARGET_IDEAL_FACTOR * ideal
        lines.append('Target: within 1.3\u00d7 of N \u00d7 latency / concurrency = %s. `sms_message` took %s (%s of ideal, '
                     '%s net of the %s start-up): **%s**.' % (
                         secs(ideal), secs(module.wall), times(module.wall / ideal, digits=2),
                         times(max(0.0, module.wall - baseline) / ideal, digits=2), secs(baseline),
                         'met' if met else 'NOT met'))
    lines += ['', 'The reads of `sms_message` are its checks before the first send (the sender is an active number; '
              'that answer\'s Date, less two minutes, is the mark) and the one listing of the sender\'s messages since '
              'that mark; the uri loop reads nothing and checks nothing. Each recipient is checked in the simulator '
              'to hold exactly one message afterwards.']
    wait_body = []
    for case in results['wait']:
        m = case['m']
        wait_body.append([case['label'], case['n'], case['polls'], case['bound'],
                          ', '.join('%s %d' % item for item in case['operations']) or '-', secs(m.wall), check(m)])
    lines += ['', '## Waiting for delivery of %d messages' % results['wait'][0]['n'] if results['wait'] else '', '',
              table(['case', 'messages', 'polls (reads after the last send)', 'bound', 'polls by operation', 'wall time',
                     'check'], wait_body), '',
              'Bound: one listing of the sender\'s messages per round, ceil(N / 500) pages a round, plus one read of '
              'the delivery report of each failed message (%d here), which alone holds the carrier\'s error code. When '
              'everything settles, the first round sees it (2 rounds allowed). Otherwise rounds follow the schedule of '
              'pauses 1, 2, 4, 8, 10, 10 ... seconds until wait_timeout: %d rounds for %d s, whatever N is up to 500; '
              'sms_message documents at most 5 + (wait_timeout - 15) / 10 rounds, rounded up.' % (
                  WAIT_FAILED, poll_schedule_bound(WAIT_TIMEOUT), WAIT_TIMEOUT)]
    return lines
