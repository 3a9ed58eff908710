# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Formatting shared by the sections of the benchmark report, and the progress log (stderr)."""

from __future__ import annotations

import sys
import time


def log(message):
    sys.stderr.write('[%s] %s\n' % (time.strftime('%H:%M:%S'), message))
    sys.stderr.flush()


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
