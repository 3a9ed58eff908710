# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local simulator of the Invoca SMS Messaging API: phone numbers and messages.

A real HTTP(S) server on the loopback interface, used by the demo, the integration tests, fault-injection tests
and the benchmark. Standard library only (TLS certificates come from ``cryptography`` or the ``openssl`` CLI).
Run it with ``python3 tests/simulator/invoca_simulator`` (or ``python3 -m invoca_simulator`` from
tests/simulator). See README.md beside this package for every option and the control API.

One module per concern: common (constants, answers, helpers), settings, listing (pagination, sort, filters),
phone_numbers, messages, faults, control (/_sim/), state (clock, routing, log), server (HTTP), tls, cli.
"""
