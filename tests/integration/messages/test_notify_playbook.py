# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The job-template playbook of the "Notify at the end of a job" guide, run as AWX runs it: extra variables in, the
credential's INVOCA_API_* environment, the variables AWX gives every job. Checked against the simulator's state."""

from __future__ import annotations

from collections import Counter


from conftest import REPO

PLAYBOOK = str(REPO / 'docs' / 'examples' / 'awx_project' / 'notify_end_of_job.yml')
SENDER = '+18885550100'
ON_CALL = ['+18885550111', '+1 (888) 555-0112']
ON_CALL_E164 = ['+18885550111', '+18885550112']
AWX_VARS = {'awx_job_template_name': 'Deploy', 'awx_job_id': 42}


def outbound(sim):
    return [(m['to'], m['text']) for m in sim.messages() if m['direction'] == 'out' and m['from'] == SENDER]


def test_the_job_texts_each_recipient_once_with_the_job_name(ansible, sim):
    sim.seed(phone_numbers=[SENDER])
    run = ansible.playbook(PLAYBOOK, dict(AWX_VARS, sms_notify_from=SENDER, sms_notify_to=ON_CALL), expect_rc=0)
    assert Counter(outbound(sim)) == Counter({(number, 'Deploy has ended.'): 1 for number in ON_CALL_E164})
    sent = run.task('Send the notification, once per recipient')
    assert sorted(entry['to'] for entry in sent['sent']) == ON_CALL_E164


def test_check_mode_sends_nothing(ansible, sim):
    sim.seed(phone_numbers=[SENDER])
    run = ansible.playbook(PLAYBOOK, dict(AWX_VARS, sms_notify_from=SENDER, sms_notify_to=ON_CALL[0],
                                          sms_notify_text='Check only'), check=True, expect_rc=0)
    assert outbound(sim) == []
    assert [entry['method'] for entry in sim.log() if entry['method'] != 'GET'] == []
    result = run.task('Send the notification, once per recipient')
    assert [entry['to'] if isinstance(entry, dict) else entry for entry in result['would_send']] == [ON_CALL_E164[0]]


def test_missing_variables_fail_before_any_request(ansible, sim):
    run = ansible.playbook(PLAYBOOK, dict(AWX_VARS, sms_notify_to=ON_CALL), expect_rc=2)
    assert 'Set sms_notify_from' in run.task('Check that a sender and recipients were given')['msg']
    assert sim.log() == []


def test_a_relaunch_within_the_dedupe_window_texts_nobody_again(ansible, sim):
    sim.seed(phone_numbers=[SENDER])
    extra = dict(AWX_VARS, sms_notify_from=SENDER, sms_notify_to=ON_CALL)
    ansible.playbook(PLAYBOOK, extra, expect_rc=0)
    rerun = ansible.playbook(PLAYBOOK, extra, expect_rc=0)
    assert Counter(outbound(sim)) == Counter({(number, 'Deploy has ended.'): 1 for number in ON_CALL_E164})
    result = rerun.task('Send the notification, once per recipient')
    assert sorted(result['skipped_recipients']) == ON_CALL_E164 and result['sent'] == []
