# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor: a bare ``requests`` client doing what a module does, with the same concurrency and nothing else.

- ``bare_listing``: every record of the network, 500 a page. With ``concurrency`` > 1, page 1 tells the number
  of pages and the others are asked for ``concurrency`` at once (the module's parallel page reads), assembled in
  order; with 1, one page after the other following ``pagination.next``.
- ``bare_reconcile``: what the list form of sms_phone_number does for a list of numbers: one listing of the
  whole network (soft-deleted records included, as ``reconcile.read_active`` reads it), then a POST per number that
  is not active, on ``concurrency`` threads. No check of any kind: the floor, not a client anyone should ship.

run_benchmark.py times them in-process (the requests only) and as ``python bare_listing.py URL ...`` (interpreter
start-up and ``import requests`` included, the token in INVOCA_API_TOKEN), next to the modules.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import requests
from requests.adapters import HTTPAdapter

VERSION = '2022-08-01'
PAGE_SIZE = 500
# What the modules send with every listing: an explicit lower bound over all time.
ALL_TIME = 'created_at%5Bgte%5D=1970-01-01T00%3A00%3A00.000Z'


def session_for(token, concurrency):
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(1, concurrency))
    session.mount('http://', adapter)
    session.mount('https://', adapter)
    session.headers.update({'Authorization': 'Bearer %s' % token, 'Accept': 'application/json'})
    return session


def bare_listing(url, token, concurrency=1, active_only=True, session=None):
    """Every record of the network at ``url`` (the simulator's base URL); soft-deleted ones too unless active_only."""
    own = session is None
    session = session or session_for(token, concurrency)
    active = '&deleted_at%5Bempty%5D' if active_only else ''
    base = '%s/sms/%s/phone_numbers?%s%s&limit=%d&page=' % (url, VERSION, ALL_TIME, active, PAGE_SIZE)

    def page(number):
        answer = session.get(base + str(number), timeout=30)
        answer.raise_for_status()
        return answer.json()

    try:
        first = page(1)
        records = list(first['phone_numbers'])
        pager = first.get('pagination') or {}
        if concurrency > 1 and pager.get('pages'):
            with ThreadPoolExecutor(max_workers=concurrency) as executor:
                for body in executor.map(page, range(2, int(pager['pages']) + 1)):
                    records.extend(body['phone_numbers'])
            return records
        number = pager.get('next')
        while number:
            body = page(number)
            records.extend(body['phone_numbers'])
            number = (body.get('pagination') or {}).get('next')
        return records
    finally:
        if own:
            session.close()


def bare_reconcile(url, token, numbers, concurrency=8):
    """Make ``numbers`` active: one listing, then a POST for each one not active. Returns (records listed, created)."""
    session = session_for(token, concurrency)
    try:
        records = bare_listing(url, token, concurrency, active_only=False, session=session)
        active = set(record['phone_number'] for record in records if not record.get('deleted_at'))
        missing = [number for number in numbers if number not in active]

        def create(number):
            answer = session.post('%s/sms/%s/phone_numbers/%s' % (url, VERSION, number.replace('+', '%2B')), timeout=30)
            if answer.status_code not in (200, 201, 409):
                answer.raise_for_status()
            return answer.status_code != 409

        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as executor:
            created = sum(1 for done in executor.map(create, missing) if done)
        return len(records), created
    finally:
        session.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('url')
    parser.add_argument('--concurrency', type=int, default=1)
    parser.add_argument('--reconcile', metavar='NUMBERS_JSON', help='a JSON list of numbers to make active')
    args = parser.parse_args(argv)
    token = os.environ['INVOCA_API_TOKEN']
    if args.reconcile:
        with open(args.reconcile, encoding='utf-8') as handle:
            listed, created = bare_reconcile(args.url, token, json.load(handle), args.concurrency)
        sys.stdout.write('%d %d\n' % (listed, created))
    else:
        sys.stdout.write('%d\n' % len(bare_listing(args.url, token, args.concurrency)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
