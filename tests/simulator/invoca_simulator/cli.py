# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The command line: options, start-up, lifetime (signals, control-API stop, optional parent watch), clean-up."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import ssl
import sys
import tempfile
import threading
import time

from .common import (CREATE_PATHS, DEFAULT_TOKEN, DEFAULT_VERSIONS, FAULT_KINDS, LOOPBACK_HOSTS, MAX_LIMIT, OPERATIONS, ConfigError, parse_number,
                     set_clock_start)
from .message_settings import LIST_ITEM_FIELDS, MESSAGE_LIST_ORDERS, OUTCOMES, SEND_ANSWERS, TEXT_REWRITES
from .server import SimulatorServer
from .settings import normalize_setting
from .state import SimulatorState
from .tls import generate_tls

CLOCKS = ('real', 'simulated')
# Seconds from a send to its delivery report unless --delivery-delay says otherwise: a few seconds of wall time on
# the real clock, so that wait: true shows a wait; one second on the simulated clock, which only tests move.
DELIVERY_DELAY = {'real': 2.0, 'simulated': 1.0}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='invoca_simulator',
        description='Local simulator of the Invoca SMS Messaging API (phone numbers and messages). Loopback only.',
        epilog='The control API lives under /_sim/ (health, state, messages, clock, log, reset, seed, config, info, shutdown); '
               'see README.md. Stop it with Ctrl-C, SIGTERM, or: python3 tests/simulator/simulator_control.py stop --url URL')
    parser.add_argument('--host', default='127.0.0.1', help='address to bind: 127.0.0.1, ::1 or localhost only (default %(default)s)')
    parser.add_argument('--port', type=int, default=0, help='port to bind; 0 picks a free one (default %(default)s)')
    parser.add_argument('--versions', default=','.join(DEFAULT_VERSIONS), help='comma-separated API versions served (default %(default)s)')
    parser.add_argument('--token', action='append', default=[], help='an accepted bearer token (repeatable; default sim-token when no token is given)')
    parser.add_argument('--token-file', action='append', default=[], help='file with accepted tokens, one a line (repeatable)')
    parser.add_argument('--ready-file', help='write {"url","port","pid","ca_path"} JSON here (atomically) once accepting connections')
    parser.add_argument('--pid-file', help='write the process id here at start; removed at exit')
    lifetime = parser.add_argument_group('lifetime (a simulator started by hand runs until stopped; test harnesses add a safety net)')
    lifetime.add_argument('--max-lifetime', type=float, default=0.0, help='exit after this many seconds; 0 = never (default %(default)s)')
    lifetime.add_argument('--parent-pid', type=int, default=None, help='exit once this process is gone (default: none watched)')
    lifetime.add_argument('--exit-with-parent', action='store_true', help='exit once the process that started the simulator is gone')
    parser.add_argument('--log-limit', type=int, default=100000, help='request-log entries kept, oldest dropped first (default %(default)s)')
    parser.add_argument('--verbose', action='store_true', help='print one line per request to stderr (never headers)')
    group = parser.add_argument_group('behaviour (also settable at runtime through POST /_sim/config)')
    group.add_argument('--latency-ms', type=float, default=0.0, help='delay added to every API answer (default %(default)s)')
    group.add_argument('--pagination-key', choices=('pagination', 'page'), default=None,
                       help='name of the pagination object for every version (default: page for 2022-05-01, pagination after)')
    group.add_argument('--pagination', choices=('page', 'cursor'), default='page', help='list dialect (default %(default)s)')
    group.add_argument('--no-count-endpoint', action='store_true', help='behave as if GET /phone_numbers/count did not exist')
    group.add_argument('--max-page-size', type=int, default=MAX_LIMIT,
                       help='most items a list page holds; a larger limit is served as this many (default %(default)s)')
    group.add_argument('--create-path', choices=CREATE_PATHS, default='both', help='which create routes exist (default %(default)s)')
    group.add_argument('--clock', choices=CLOCKS, default='real',
                       help='real: the clock runs with wall time, so a sent message is delivered --delivery-delay seconds later '
                            'and timestamps are now (for the demo, the guides, trying things by hand); simulated: it moves '
                            'only by a millisecond per write and through POST /_sim/clock, for tests that decide when '
                            'deliveries happen (the test harness\'s default) (default %(default)s)')
    group.add_argument('--clock-start', default='now',
                       help='where the clock starts: now (the real time, to the second) or an ISO 8601 time '
                            'such as 2024-01-01T00:00:00Z (default %(default)s)')
    group.add_argument('--delivery-delay', type=float, default=None,
                       help='seconds of the clock from a send to its delivery report (default: %g on the real clock, '
                            '%g on the simulated one)' % (DELIVERY_DELAY['real'], DELIVERY_DELAY['simulated']))
    group.add_argument('--default-outcome', choices=OUTCOMES, default='delivered', help='what happens to a sent message (default %(default)s)')
    group.add_argument('--message-outcome', action='append', default=[], metavar='NUMBER=OUTCOME',
                       help='what happens to the messages sent to one recipient: %s, e.g. +18885550199=failed '
                            '(repeatable; the message_outcomes setting)' % ', '.join(OUTCOMES))
    group.add_argument('--default-today-filter', action='store_true',
                       help='GET /messages lists only messages of the simulated day unless it filters on created_at')
    group.add_argument('--send-page-size', type=int, default=0, help='records in a send answer; 0 = all of them (default %(default)s)')
    group.add_argument('--listing-lag-seconds', type=float, default=0.0,
                       help='simulated seconds before a sent message shows in the message lists (default %(default)s)')
    group.add_argument('--send-answer', choices=SEND_ANSWERS, default=SEND_ANSWERS[0], help='how a send is answered (default %(default)s)')
    group.add_argument('--list-item-fields', choices=LIST_ITEM_FIELDS, default=LIST_ITEM_FIELDS[0],
                       help="fields of a message list item: full record, or only the 2022-08-01 contract example's (default %(default)s)")
    group.add_argument('--text-rewrite', choices=TEXT_REWRITES, default=TEXT_REWRITES[0],
                       help='what the backend does to a sent text before storing it (default %(default)s)')
    group.add_argument('--message-list-order', choices=MESSAGE_LIST_ORDERS, default=MESSAGE_LIST_ORDERS[0],
                       help='honour the sort parameter of message lists, or ignore it (default %(default)s)')
    group.add_argument('--ignore-created-at-filter', action='store_true', help='message lists ignore created_at[...] filters')
    faults = parser.add_argument_group('fault injection (also settable at runtime through POST /_sim/config)')
    faults.add_argument('--seed', type=int, default=0, help='seed of the one random generator behind every fault (default %(default)s)')
    faults.add_argument('--error-rate', type=float, default=0.0, help='share (0..1) of API requests answered with an error status')
    faults.add_argument('--error-statuses', default='500,502,503', help='statuses drawn for --error-rate (default %(default)s)')
    faults.add_argument('--rate-limit-every', type=int, default=0, help='answer every k-th API request with 429; 0 = off')
    faults.add_argument('--retry-after', default='1', help='Retry-After value sent with 429, as given (default %(default)s)')
    faults.add_argument('--fail-numbers', default='', help='comma-separated numbers whose create/delete always fails')
    faults.add_argument('--fail-status', type=int, default=500, help='status for --fail-numbers (default %(default)s)')
    faults.add_argument('--malformed', choices=FAULT_KINDS, default=None, help='answer matching requests with a malformed response')
    faults.add_argument('--malformed-operations', default=','.join(OPERATIONS), help='operations --malformed applies to (default %(default)s)')
    faults.add_argument('--malformed-every', type=int, default=1, help='apply --malformed to every n-th matching request (default %(default)s)')
    faults.add_argument('--hang-seconds', type=float, default=60.0, help='how long --malformed hang waits before a 504 (default %(default)s)')
    faults.add_argument('--redirect-to', default=None, help='answer matching requests with 307 to this base URL (same path and query)')
    faults.add_argument('--redirect-operations', default=','.join(OPERATIONS), help='operations --redirect-to applies to (default %(default)s)')
    tls = parser.add_argument_group('TLS')
    tls.add_argument('--tls', action='store_true', help='serve HTTPS with a throwaway CA made at start-up')
    tls.add_argument('--tls-dir', default=None, help='where to write ca.pem, server.pem and server.key (default: a temporary directory)')
    tls.add_argument('--tls-cert', default=None, help='use this server certificate (PEM) instead of generating one (needs --tls-key)')
    tls.add_argument('--tls-key', default=None, help='private key for --tls-cert')
    tls.add_argument('--tls-backend', choices=('auto', 'cryptography', 'openssl'), default='auto', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def build_defaults(args):
    settings = {
        'latency_ms': args.latency_ms,
        'pagination_key': args.pagination_key,
        'pagination': args.pagination,
        'count_endpoint': not args.no_count_endpoint,
        'create_path': args.create_path,
        'max_page_size': args.max_page_size,
        'seed': args.seed,
        'error_rate': args.error_rate,
        'error_statuses': args.error_statuses,
        'rate_limit_every': args.rate_limit_every,
        'retry_after': args.retry_after,
        'fail_numbers': args.fail_numbers,
        'fail_status': args.fail_status,
        'hang_seconds': args.hang_seconds,
        'malformed': {'kind': args.malformed, 'operations': args.malformed_operations, 'every': args.malformed_every} if args.malformed else None,
        'redirect': {'to': args.redirect_to, 'operations': args.redirect_operations} if args.redirect_to else None,
        'faults': [],
        'message_outcomes': parse_message_outcomes(args.message_outcome),
        'default_outcome': args.default_outcome,
        'delivery_delay_seconds': DELIVERY_DELAY[args.clock] if args.delivery_delay is None else args.delivery_delay,
        'default_today_filter': args.default_today_filter,
        'send_page_size': args.send_page_size,
        'strict_send_body': False,
        'listing_lag_seconds': args.listing_lag_seconds,
        'send_answer': args.send_answer,
        'list_item_fields': args.list_item_fields,
        'text_rewrite': args.text_rewrite,
        'message_list_order': args.message_list_order,
        'ignore_created_at_filter': args.ignore_created_at_filter,
    }
    return {key: normalize_setting(key, value) for key, value in settings.items()}


def parse_message_outcomes(items):
    """{number: outcome} of the --message-outcome NUMBER=OUTCOME options."""
    outcomes = {}
    for item in items:
        number, sep, outcome = item.partition('=')
        if not sep:
            raise ConfigError('--message-outcome takes NUMBER=OUTCOME, such as +18885550199=failed, not %r' % item)
        outcomes[number.strip()] = outcome.strip()
    return outcomes


def load_tokens(args):
    tokens = list(args.token)
    for path in args.token_file:
        with open(path, encoding='utf-8') as handle:
            tokens.extend(line.strip() for line in handle if line.strip())
    for token in tokens:
        if not token or any(char.isspace() for char in token):
            raise ConfigError('a token must be non-empty and contain no whitespace')
    return tokens or [DEFAULT_TOKEN]


def write_ready_file(path, info):
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix='.ready-', dir=directory)
    with os.fdopen(fd, 'w', encoding='utf-8') as handle:
        json.dump(info, handle)
    os.replace(temp, path)


def parent_alive(pid, original_ppid):
    if pid == original_ppid and os.getppid() != original_ppid:
        return False  # re-parented: the parent has exited
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open('/proc/%d/stat' % pid, encoding='utf-8', errors='replace') as handle:
            # An exited but unreaped parent still answers kill(0); its state letter is Z.
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return True


def parse_clock_start(value):
    """The UTC datetime where the simulated clock starts, from --clock-start."""
    if value == 'now':
        return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    try:
        when = datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
    except ValueError:
        raise ConfigError('--clock-start must be now or an ISO 8601 time such as 2024-01-01T00:00:00Z, not %r' % value)
    return (when if when.tzinfo else when.replace(tzinfo=datetime.timezone.utc)).astimezone(datetime.timezone.utc)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.host not in LOOPBACK_HOSTS:
        sys.stderr.write('invoca_simulator: refusing to bind %r: only loopback addresses (127.0.0.1, ::1, localhost) are allowed\n' % args.host)
        return 2
    versions = [item.strip() for item in args.versions.split(',') if item.strip()]
    if not versions or not all(re.match(r'^\d{4}-\d{2}-\d{2}$', item) for item in versions):
        sys.stderr.write('invoca_simulator: --versions must be comma-separated YYYY-MM-DD dates\n')
        return 2
    if bool(args.tls_cert) != bool(args.tls_key):
        sys.stderr.write('invoca_simulator: --tls-cert and --tls-key go together\n')
        return 2
    try:
        set_clock_start(parse_clock_start(args.clock_start))
        args.retry_after = parse_number(args.retry_after)
        defaults = build_defaults(args)
        tokens = load_tokens(args)
    except (ConfigError, ValueError, OSError) as exc:
        sys.stderr.write('invoca_simulator: %s\n' % exc)
        return 2

    original_ppid = os.getppid()
    # A simulator started by hand (also with nohup or &) keeps running when its shell is gone; only a harness
    # asks to follow a process, so that a crashed test run does not leave simulators behind.
    parent_pid = args.parent_pid or (original_ppid if args.exit_with_parent else None)
    state = SimulatorState(versions, tokens, defaults, log_limit=max(1, args.log_limit), real_clock=args.clock == 'real')

    ssl_context = None
    ca_path = None
    created_tls_dir = None
    use_tls = args.tls or bool(args.tls_cert)
    if use_tls:
        try:
            if args.tls_cert:
                cert_path, key_path = args.tls_cert, args.tls_key
            else:
                tls_dir = args.tls_dir
                if tls_dir is None:
                    tls_dir = created_tls_dir = tempfile.mkdtemp(prefix='invoca-sim-tls-')
                os.makedirs(tls_dir, exist_ok=True)
                generate_tls(tls_dir, args.tls_backend)
                cert_path, key_path = os.path.join(tls_dir, 'server.pem'), os.path.join(tls_dir, 'server.key')
                ca_path = os.path.abspath(os.path.join(tls_dir, 'ca.pem'))
            ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ssl_context.minimum_version = ssl.TLSVersion.TLSv1_2
            ssl_context.load_cert_chain(cert_path, key_path)
        except (RuntimeError, OSError, ssl.SSLError, ValueError) as exc:
            sys.stderr.write('invoca_simulator: TLS set-up failed: %s\n' % exc)
            return 1

    bind_host = '::1' if args.host == '::1' else '127.0.0.1'
    try:
        server = SimulatorServer((bind_host, args.port), state, ssl_context=ssl_context, verbose=args.verbose)
    except OSError as exc:
        sys.stderr.write('invoca_simulator: cannot listen on %s port %d: %s\n' % (bind_host, args.port, exc))
        return 1
    port = server.server_address[1]
    url = '%s://%s:%d' % ('https' if use_tls else 'http', '[::1]' if bind_host == '::1' else bind_host, port)

    stop = threading.Event()

    def request_stop(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    serve_thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.2}, name='serve', daemon=True)
    serve_thread.start()
    # The socket is already listening (bound in the constructor), so it is safe to announce readiness now.
    line = 'Invoca SMS API simulator listening on %s' % url
    if ca_path:
        line += ' (CA certificate: %s)' % ca_path
    try:
        print(line, flush=True)
    except OSError:
        pass  # started detached with its output closed: the ready and pid files still say where it is
    if args.pid_file:
        write_ready_file(args.pid_file, os.getpid())
    if args.ready_file:
        write_ready_file(args.ready_file, {'url': url, 'port': port, 'pid': os.getpid(), 'ca_path': ca_path})
    with state.lock:
        state.info.update({'pid': os.getpid(), 'url': url, 'clock': args.clock, 'parent_pid_watched': parent_pid, 'max_lifetime': args.max_lifetime or None,
                           'pid_file': os.path.abspath(args.pid_file) if args.pid_file else None, 'watch_checks': 0})

    deadline = time.monotonic() + args.max_lifetime if args.max_lifetime > 0 else None
    reason = 'stopped'
    while not stop.wait(0.25):
        if state.shutdown_requested.is_set():
            reason = 'stopped through the control API'
            break
        if deadline is not None and time.monotonic() >= deadline:
            reason = 'max lifetime reached'
            break
        if parent_pid and os.name == 'posix' and not parent_alive(parent_pid, original_ppid):
            reason = 'parent process %d is gone' % parent_pid
            break
        with state.lock:
            # Lets a test see the watch loop run on (no sleeps) after the parent is gone.
            state.info['watch_checks'] += 1
    state.stopping.set()
    server.shutdown()
    server.server_close()
    for path in (args.ready_file, args.pid_file):
        if path:
            try:
                os.remove(path)
            except OSError:
                pass
    if created_tls_dir:
        shutil.rmtree(created_tls_dir, ignore_errors=True)
    if args.verbose or reason != 'stopped':
        try:
            sys.stderr.write('invoca_simulator: %s, exiting\n' % reason)
        except OSError:
            pass
    return 0
