# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The notify job-template playbook (docs/examples/awx_project/notify_end_of_job.yml) is safe to relaunch.

AWX gives a relaunched job a new awx_job_id (and a relaunched workflow a new awx_workflow_job_id), and keeps the
template's name. The playbook's default text names only what a relaunch keeps, so a relaunch within
sms_notify_dedupe_window texts nobody again, and a relaunch after it (or with the window off) texts everyone once
more, as the notify guide says. Run as AWX runs it: extra variables in, the credential's INVOCA_API_* environment.
"""

from __future__ import annotations

from collections import Counter

from conftest import REPO

PLAYBOOK = str(REPO / 'docs' / 'examples' / 'awx_project' / 'notify_end_of_job.yml')
SENDER = '+18885550100'
ON_CALL = ['+18885550111', '+18885550112']
TASK = 'Send the notification, once per recipient'


def outbound(sim):
    return [(m['to'], m['text']) for m in sim.messages() if m['direction'] == 'out' and m['from'] == SENDER]


def launch(ansible, job_vars, expect_rc=0, **options):
    return ansible.playbook(PLAYBOOK, dict(job_vars, sms_notify_from=SENDER, sms_notify_to=ON_CALL, **options), expect_rc=expect_rc)


def test_a_relaunch_of_a_job_has_a_new_id_and_texts_nobody_again(ansible, sim):
    sim.seed(phone_numbers=[SENDER])
    first = launch(ansible, {'awx_job_template_name': 'Deploy', 'awx_job_id': 42, 'awx_job_launch_type': 'manual'})
    relaunch = launch(ansible, {'awx_job_template_name': 'Deploy', 'awx_job_id': 43, 'awx_job_launch_type': 'relaunch'})
    assert Counter(outbound(sim)) == Counter({(number, 'Deploy has ended.'): 1 for number in ON_CALL})
    assert sorted(entry['to'] for entry in first.task(TASK)['sent']) == ON_CALL
    result = relaunch.task(TASK)
    assert result['sent'] == [] and sorted(result['skipped_recipients']) == ON_CALL and not result['changed']


def test_a_relaunch_of_a_workflow_has_a_new_id_and_texts_nobody_again(ansible, sim):
    sim.seed(phone_numbers=[SENDER])
    node = {'awx_job_template_name': 'Notify by SMS', 'awx_workflow_job_name': 'Release'}
    launch(ansible, dict(node, awx_job_id=100, awx_workflow_job_id=99))
    relaunch = launch(ansible, dict(node, awx_job_id=201, awx_workflow_job_id=200, awx_job_launch_type='relaunch'))
    assert Counter(outbound(sim)) == Counter({(number, 'Release has ended.'): 1 for number in ON_CALL})
    assert sorted(relaunch.task(TASK)['skipped_recipients']) == ON_CALL


def test_a_relaunch_after_the_window_texts_again(ansible, sim):
    sim.seed(phone_numbers=[SENDER])
    job = {'awx_job_template_name': 'Deploy', 'sms_notify_dedupe_window': 1500}
    launch(ansible, dict(job, awx_job_id=42))
    sim.advance_clock(1501)  # half an hour later, as the next run of a job scheduled every 30 minutes
    later = launch(ansible, dict(job, awx_job_id=43))
    assert Counter(outbound(sim)) == Counter({(number, 'Deploy has ended.'): 2 for number in ON_CALL})
    assert sorted(entry['to'] for entry in later.task(TASK)['sent']) == ON_CALL


def test_a_window_of_zero_texts_on_every_relaunch(ansible, sim):
    sim.seed(phone_numbers=[SENDER])
    job = {'awx_job_template_name': 'Deploy', 'sms_notify_dedupe_window': 0}
    launch(ansible, dict(job, awx_job_id=42))
    launch(ansible, dict(job, awx_job_id=43, awx_job_launch_type='relaunch'))
    assert Counter(outbound(sim)) == Counter({(number, 'Deploy has ended.'): 2 for number in ON_CALL})


def test_a_text_of_ones_own_that_a_relaunch_keeps_is_sent_once(ansible, sim):
    sim.seed(phone_numbers=[SENDER])
    job = {'awx_job_template_name': 'Backup', 'sms_notify_text': 'Backup, 06:00 has ended.'}
    launch(ansible, dict(job, awx_job_id=7))
    launch(ansible, dict(job, awx_job_id=8, awx_job_launch_type='relaunch'))
    assert Counter(outbound(sim)) == Counter({(number, 'Backup, 06:00 has ended.'): 1 for number in ON_CALL})


def test_outside_awx_the_text_names_an_ansible_job(ansible, sim):
    sim.seed(phone_numbers=[SENDER])
    launch(ansible, {})
    assert Counter(outbound(sim)) == Counter({(number, 'Ansible job has ended.'): 1 for number in ON_CALL})
