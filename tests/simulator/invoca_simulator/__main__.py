# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Entry point: ``python3 tests/simulator/invoca_simulator [options]`` or ``python3 -m invoca_simulator [options]``."""

from __future__ import annotations

import os
import sys

if not __package__:
    # Run as a directory: Python put the package directory itself on sys.path, so its modules would import
    # under their bare names; put its parent there instead and import the package properly.
    HERE = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [os.path.dirname(HERE) if os.path.abspath(entry or '.') == HERE else entry for entry in sys.path]

from invoca_simulator.cli import main  # noqa: E402  pylint: disable=wrong-import-position

if __name__ == '__main__':
    sys.exit(main())
