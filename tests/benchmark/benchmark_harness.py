# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plumbing of the benchmark: the machine, the installed collection, timed ansible-playbook runs, the request log.

Same approach as tests/integration/conftest.py (copied, not imported): the collection is built with ansible-galaxy
and installed from the tarball, and ansible-playbook is taken from the directory of the running Python (else from
PATH), so ``.venv/bin/python tests/benchmark/run_benchmark.py`` benchmarks the ansible-core of that venv.
"""

from __future__ import annotations

import datetime
import importlib
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PLAYBOOKS = HERE / 'playbooks'
BIN = Path(sys.executable).parent

from simulator_control import Simulator  # noqa: E402  pylint: disable=wrong-import-position

API_VERSION = '2022-08-01'
PAGE_SIZE = 500
WRITE_METHODS = frozenset(('POST', 'DELETE', 'PUT', 'PATCH'))
_RECAP = re.compile(r'^\S+\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.MULTILINE)


def ansible_tool(name):
    """The ansible command next to the running Python (a venv's), else the one on PATH."""
    path = BIN / name
    if path.exists():
        return str(path)
    return shutil.which(name) or str(path)


def ansible_core_version():
    try:
        from importlib.metadata import version  # pylint: disable=import-outside-toplevel
        return version('ansible-core')
    except Exception:  # pylint: disable=broad-exception-caught
        completed = subprocess.run([ansible_tool('ansible'), '--version'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   check=False)
        first = completed.stdout.decode('utf-8', 'replace').splitlines()[:1]
        return first[0] if first else 'unknown'


def cpu_model():
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as handle:
            for line in handle:
                if line.lower().startswith(('model name', 'hardware', 'cpu model')):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or 'unknown CPU'


def load_average():
    try:
        return '%.2f %.2f %.2f' % os.getloadavg()
    except OSError:
        return 'n/a'


def machine_info():
    """What the README quotes about where the numbers come from."""
    return {
        'cpu': cpu_model(),
        'cores': os.cpu_count(),
        'python': platform.python_version(),
        'ansible_core': ansible_core_version(),
        'os': '%s %s' % (platform.system(), platform.release()),
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'load_start': load_average(),
    }


def numbers(count, start=15550000000):
    """``count`` consecutive E.164 numbers, the same ones the simulator's seed(count=..., start=...) makes."""
    return ['+%d' % (start + index) for index in range(count)]


def listing_pages(network_size):
    """Requests a full listing costs: one page even for an empty network."""
    return max(1, int(math.ceil(network_size / float(PAGE_SIZE))))


def children_cpu():
    """CPU seconds (user + system) of the child processes waited for so far: less sensitive to the load than wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def install_collection(workdir):
    """Build the collection from this tree and install the tarball, as a user would get it; returns the path."""
    workdir = Path(workdir)
    build = workdir / 'build'
    installed = workdir / 'collections'
    build.mkdir(parents=True, exist_ok=True)
    _check([ansible_tool('ansible-galaxy'), 'collection', 'build', str(REPO), '--output-path', str(build), '--force'])
    tarball = sorted(build.glob('invoca-messaging-*.tar.gz'))[-1]
    _check([ansible_tool('ansible-galaxy'), 'collection', 'install', str(tarball), '-p', str(installed), '--force'])
    return installed


def _check(command):
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    if completed.returncode != 0:
        raise RuntimeError('%s failed:\n%s' % (' '.join(command), completed.stdout.decode('utf-8', 'replace')))


def plugin_modules(collections_path):
    """(phone-number client, transport, reconcile, workers) modules of the installed collection, imported here."""
    path = str(collections_path)
    # The installed collection is known only now (a temporary directory): its ansible_collections is put on the path
    # at run time; nothing else on the path of a benchmark holds invoca.messaging.
    if path not in sys.path:
        sys.path.append(path)
    prefix = 'ansible_collections.invoca.messaging.plugins.module_utils.'
    names = ('_phone_numbers.client', '_api.transport', '_phone_numbers.reconcile', '_workers')
    return tuple(importlib.import_module(prefix + name) for name in names)


class Measurement:
    """One timed run: wall time, the API requests it made (from the simulator log) and whether it did its job."""

    def __init__(self, wall, log, ok=True, problem=None, output='', cpu=None):
        self.wall = wall
        # CPU seconds of the process tree (a whole-process run only): what the load of the machine changes least.
        self.cpu = cpu
        self.log = log
        self.ok = ok
        self.problem = problem
        self.output = output

    @property
    def requests(self):
        return len(self.log)

    @property
    def reads(self):
        return sum(1 for entry in self.log if entry['method'] not in WRITE_METHODS)

    @property
    def writes(self):
        return sum(1 for entry in self.log if entry['method'] in WRITE_METHODS)

    @property
    def applied(self):
        return sum(1 for entry in self.log if entry['applied'])

    def fail(self, problem):
        self.ok = False
        self.problem = self.problem or problem

    def __repr__(self):
        return '<Measurement %.2fs %d requests (%d reads, %d writes)%s>' % (
            self.wall, self.requests, self.reads, self.writes, '' if self.ok else ' FAILED: %s' % self.problem)


class Bench:
    """A simulator, the installed collection and a working directory: everything a scenario needs.

    Every measurement starts from a reset simulator (state, log and settings) unless the scenario says otherwise.
    """

    def __init__(self, workdir, collections_path=None, token='bench-token-%d' % os.getpid()):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.collections_path = Path(collections_path) if collections_path else None
        self.token = token
        self.sim = None
        self._count = 0

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        if self.collections_path is None:
            self.collections_path = install_collection(self.workdir)
        # No lifetime limit of its own (a full run outlasts the default 30 min); it still dies with this process.
        self.sim = Simulator(token=self.token, max_lifetime=0).start()
        return self

    def stop(self):
        if self.sim is not None:
            self.sim.stop()
            self.sim = None

    def reset(self, latency_ms=0, network=()):
        """Empty simulator (or holding ``network``), empty log, default settings, then the given latency."""
        self.sim.reset(phone_numbers=list(network))
        self.sim.config(latency_ms=latency_ms)

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(('INVOCA_', 'ANSIBLE_'))}
        env.update({
            'ANSIBLE_COLLECTIONS_PATH': str(self.collections_path),
            'ANSIBLE_HOME': str(self.workdir / 'ansible-home'),
            'ANSIBLE_LOCAL_TEMP': str(self.workdir / 'ansible-tmp'),
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'INVOCA_API_URL': self.sim.url,
            'INVOCA_API_TOKEN': self.token,
        })
        return env

    def playbook(self, name, extra_vars):
        """Run one playbook of tests/benchmark/playbooks; the log is cleared first. Returns a Measurement."""
        self._count += 1
        vars_file = self.workdir / ('vars-%d.json' % self._count)
        vars_file.write_text(json.dumps(extra_vars), encoding='utf-8')
        command = [ansible_tool('ansible-playbook'), '-i', 'localhost,', '-c', 'local', str(PLAYBOOKS / name),
                   '-e', '@%s' % vars_file]
        self.sim.clear_log()
        cpu = children_cpu()
        started = time.perf_counter()
        completed = subprocess.run(command, env=self.env(), cwd=str(self.workdir), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        wall = time.perf_counter() - started
        output = completed.stdout.decode('utf-8', errors='replace')
        measurement = Measurement(wall, self.sim.log(), output=output, cpu=children_cpu() - cpu)
        recap = _RECAP.findall(output)
        if completed.returncode != 0 or not recap or any(int(r[2]) or int(r[3]) for r in recap):
            tail = '\n'.join(output.splitlines()[-15:])
            measurement.fail('ansible-playbook %s exited %d:\n%s' % (name, completed.returncode, tail))
        vars_file.unlink()
        return measurement

    def expect_active(self, measurement, wanted):
        """Mark the measurement failed unless exactly ``wanted`` numbers are active."""
        active = set(self.sim.active_numbers())
        if active != set(wanted):
            measurement.fail('%d numbers active after the run, expected %d (missing %d, unexpected %d)' % (
                len(active), len(wanted), len(set(wanted) - active), len(active - set(wanted))))
        return measurement
