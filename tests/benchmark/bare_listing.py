# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor for listing a network: one requests.Session following ``pagination.next``, nothing else.

run_benchmark.py times it in-process (the pages only) and as ``python bare_listing.py URL`` (interpreter start-up and
``import requests`` included, with the token in INVOCA_API_TOKEN), next to the sms_phone_number_info module.
It asks for what the module asks for: 500 records a page, soft-deleted numbers filtered out.
"""

from __future__ import annotations

import os
import sys

import requests


def bare_listing(url, token, version='2022-08-01', page_size=500):
    """Every active record of the network at ``url`` (the simulator's base URL)."""
    session = requests.Session()
    session.headers.update({'Authorization': 'Bearer %s' % token, 'Accept': 'application/json'})
    base = '%s/sms/%s/phone_numbers?limit=%d&deleted_at%%5Bempty%%5D&page=' % (url, version, page_size)
    records, page = [], 1
    while page:
        answer = session.get(base + str(page), timeout=30)
        answer.raise_for_status()
        body = answer.json()
        records.extend(body['phone_numbers'])
        page = (body.get('pagination') or {}).get('next')
    session.close()
    return records


if __name__ == '__main__':
    sys.stdout.write('%d\n' % len(bare_listing(sys.argv[1], os.environ['INVOCA_API_TOKEN'])))
