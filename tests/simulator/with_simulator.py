#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one command against a freshly started Invoca SMS API simulator.

    python tests/simulator/with_simulator.py [simulator options] -- command args...

The command sees INVOCA_API_URL, INVOCA_API_TOKEN and INVOCA_SIMULATOR_URL (plus
INVOCA_SIMULATOR_CA with --tls). The simulator is stopped afterwards in every case,
Ctrl-C included, and the wrapper exits with the command's exit code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


from simulator_control import DEFAULT_TOKEN, Simulator, SimulatorError, has_option

USAGE = 'usage: with_simulator.py [simulator options] -- command [args...]\n'


def split_tokens(simulator_args):
    """Take --token/--token-file out of the simulator options; the tokens reach the server through a private file."""
    tokens = []
    rest = []
    index = 0
    while index < len(simulator_args):
        arg = simulator_args[index]
        name, sep, value = arg.partition('=')
        if name in ('--token', '--token-file'):
            if not sep:
                index += 1
                if index >= len(simulator_args):
                    raise SimulatorError('%s needs a value' % name)
                value = simulator_args[index]
            if name == '--token':
                tokens.append(value)
            else:
                with open(value, encoding='utf-8') as handle:
                    tokens.extend(line.strip() for line in handle if line.strip())
        else:
            rest.append(arg)
        index += 1
    return tokens or [DEFAULT_TOKEN], rest


GRACE_SECONDS = 10


def exit_status(returncode):
    # A command killed by a signal exits like a shell reports it: 128 + the signal number.
    return 128 - returncode if returncode < 0 else returncode


def run(command, env):
    """Run the command to its end and return its exit status; a signal to this wrapper is passed on to it."""
    received = []
    child = None

    def forward(signum, _frame):
        # Ctrl-C in a terminal reaches the command too (same process group); a kill aimed at this wrapper alone
        # does not. Either way the command decides how to end, and the wrapper waits for it.
        received.append(signum)
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    # Installed before the command starts, so that no signal can fall between its start and the handlers.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    try:
        child = subprocess.Popen(command, env=env)
    except FileNotFoundError:
        sys.stderr.write('with_simulator: command not found: %s\n' % command[0])
        return 127
    except PermissionError:
        sys.stderr.write('with_simulator: command not executable: %s\n' % command[0])
        return 126
    if received:
        child.send_signal(received[0])
    # Once signalled, the command gets a few seconds to end on its own before it is killed.
    deadline = None
    while True:
        try:
            return exit_status(child.wait(0.5))
        except subprocess.TimeoutExpired:
            if received and deadline is None:
                deadline = time.monotonic() + GRACE_SECONDS
            if deadline is not None and time.monotonic() > deadline:
                child.kill()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if '--' not in argv:
        sys.stderr.write(USAGE)
        return 2
    split = argv.index('--')
    simulator_args, command = argv[:split], argv[split + 1:]
    if not command:
        sys.stderr.write(USAGE)
        return 2
    try:
        tokens, simulator_args = split_tokens(simulator_args)
        # Started for a person (make demo, trying a playbook): the real clock, as when the simulator is started by
        # hand, unless the options name one.
        options = {} if has_option(simulator_args, '--clock') else {'clock': 'real'}
        simulator = Simulator(token=tokens, extra_args=simulator_args, **options)
        simulator.start()
    except (SimulatorError, OSError) as exc:
        sys.stderr.write('with_simulator: %s\n' % exc)
        return 2
    try:
        sys.stderr.write('with_simulator: simulator listening on %s (pid %s)\n' % (simulator.url, simulator.pid))
        env = dict(os.environ)
        env.update({
            'INVOCA_API_URL': simulator.url,
            'INVOCA_API_TOKEN': simulator.token,
            'INVOCA_SIMULATOR_URL': simulator.url,
        })
        if simulator.ca_path:
            env['INVOCA_SIMULATOR_CA'] = simulator.ca_path
        return run(command, env)
    finally:
        # Ignore further Ctrl-C while cleaning up so the simulator is always stopped.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        simulator.stop()


if __name__ == '__main__':
    sys.exit(main())
