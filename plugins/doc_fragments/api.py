# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options every module and plugin of this collection takes; the matching argument spec is
    # plugins/module_utils/_sms_module.py:api_argument_spec(), so the two are written once each. Modules add
    # invoca.messaging.api.module (below).
    DOCUMENTATION = r"""
options:
  api_token:
    description:
      - Invoca API token (OAuth2 bearer token) with access to the SMS Messaging API of the network.
      - 'Sent as C(Authorization: Bearer <token>). It is never logged or returned.'
      - If not set, the value of the E(INVOCA_API_TOKEN) environment variable is used. One of the two is required;
        without either, the task fails before any request and names both.
    type: str
  api_url:
    description:
      - Base URL of the Invoca SMS Messaging API, without the C(/sms/<version>) path.
      - Must be C(https://), except for a server on this machine (C(127.0.0.1), C(::1) or C(localhost)), such as
        the simulator that ships with this collection, because the token would otherwise travel in clear text.
      - If not set, the value of the E(INVOCA_API_URL) environment variable is used.
    type: str
    default: https://messaging.invoca.net
  api_version:
    description:
      - Version of the API, a date of the form C(YYYY-MM-DD) that becomes part of the path.
      - If the server does not offer it, the task fails and names the versions the server offers.
      - If not set, the value of the E(INVOCA_API_VERSION) environment variable is used.
    type: str
    default: '2022-08-01'
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the API.
      - Set to V(false) only for a test server with a self-signed certificate; prefer O(ca_path).
      - If not set, the value of the E(INVOCA_VALIDATE_CERTS) environment variable is used (V(false), V(no) or
        V(0) turn verification off).
    type: bool
    default: true
  ca_path:
    description:
      - Path to a PEM file of CA certificates used to verify the API's certificate, instead of the system's.
      - If not set, the value of the E(INVOCA_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds one HTTP request may take as a whole (connecting, sending, and reading the answer's headers and
        body), from 1 to 3600. A retry starts a new request.
    type: int
    default: 30
  max_retries:
    description:
      - How many times a request is retried, with exponential backoff and jitter, after a failure that asking
        again can cure. What is retried depends on whether the request is safe to resend.
      - Safe to resend (every read, creating or deleting a phone number, deleting a message), so retried after a
        connection error, a timeout, or an answer of HTTP 429, 500, 502, 503 or 504. A repeated create or delete
        that had landed the first time answers 409 or 404, which counts as done.
      - Not safe to resend (sending a message with M(invoca.messaging.sms_message), which would send it twice), so
        retried only after an answer of HTTP 429 or a connection that never reached the API (refused, not
        established in time, or a host name that did not resolve). After any other failure the sender's messages
        are read to find out whether it was sent.
      - A C(Retry-After) header is honoured, up to 60 seconds per answer. No request is sent more than
        O(max_retries) + 1 times, whatever the answer (a rate limit's too), and all retry waits of one task
        together stop at 300 seconds (a pause that every worker shares after a rate limit's answer counts once), so
        a task cannot hang for long on an API that keeps refusing.
      - Other answers (other 4xx and 5xx) are not retried. V(0) disables retries.
    type: int
    default: 3
requirements:
  - requests >= 2.25
"""

    # What only modules have: the action group that module_defaults sets the options through (a lookup, which
    # runs on the controller, takes the options as keyword arguments or from the environment instead).
    MODULE = r"""
attributes:
  platform:
    platforms: all
  action_group:
    description: Use C(group/invoca.messaging.sms) in C(module_defaults) to set the API options once for every
      module of this collection.
    support: full
    membership:
      - invoca.messaging.sms
"""
