"""notify(): in-app rows at once; e-mail, SMS … only after commit, through a task, never lost."""

from __future__ import annotations

import logging

from django.core import mail
from django.db import transaction
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from civicgrid.notifications.models import Delivery, Notification
from civicgrid.notifications.services import notify
from civicgrid.notifications.tasks import deliver_notification
from tests.notifications.conftest import BROKEN, IDEMPOTENT, IMMEDIATE, RECORDING


def test_notify_stores_one_in_app_row_per_distinct_active_user(world):
    world.leader.is_active = False
    users = [world.staff, world.staff, world.town_operator, world.leader, None]
    created = notify(users=users, code="events.overdue", title="E1 overdue", link="/events/E1/")
    stored = Notification.objects.filter(pk__in=created)
    assert sorted(n.user.username for n in stored) == ["sally_staff", "tom_town"]
    assert Notification.objects.filter(read_at__isnull=True).count() == 2


def test_with_no_external_sender_nothing_is_queued(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(users=[world.staff], code="events.overdue", title="E1 overdue")
    assert callbacks == []
    assert not DBTaskResult.objects.exists()


def test_senders_are_called_only_after_commit(
    world, settings, sent, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_SENDERS = [RECORDING]
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (row_id,) = notify(users=[world.staff], code="events.overdue", title="E1 overdue")
    assert sent == []  # the change has not committed yet
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [("recording", row_id)]


def test_a_rolled_back_change_tells_nobody_outside(world, settings, sent):
    settings.NOTIFICATION_SENDERS = [RECORDING]
    settings.TASKS = IMMEDIATE

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            notify(users=[world.staff], code="events.overdue", title="E1 overdue")
            raise Undo
    except Undo:
        pass
    assert sent == []
    assert not Notification.objects.exists()


def test_with_the_database_backend_delivery_waits_in_the_queue(
    world, settings, sent, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_SENDERS = [RECORDING]
    with django_capture_on_commit_callbacks(execute=True):
        (row_id,) = notify(users=[world.staff], code="events.overdue", title="E1 overdue")
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "civicgrid.notifications.tasks.deliver_notification"
    assert queued.args_kwargs["args"] == [row_id]
    assert sent == []


def test_a_failing_sender_keeps_the_in_app_row_and_the_others_still_send(
    world, settings, sent, caplog
):
    settings.NOTIFICATION_SENDERS = [BROKEN, RECORDING]
    (row_id,) = notify(users=[world.staff], code="events.overdue", title="E1 overdue")
    queued = list(DBTaskResult.objects.values_list("pk", flat=True))  # the first delivery
    with caplog.at_level(logging.ERROR):
        result = deliver_notification.call(row_id)
    assert result == {"failed": [BROKEN]}
    assert sent == [("recording", row_id)]
    assert Notification.objects.filter(pk=row_id, read_at__isnull=True).exists()
    # The database backend can run a task later: only the broken sender is tried again.
    retry = DBTaskResult.objects.exclude(pk__in=queued).get()
    assert retry.args_kwargs["args"] == [row_id, [BROKEN], 2]
    assert retry.run_after is not None and retry.status == TaskResultStatus.READY


def test_a_sender_still_failing_after_the_last_attempt_is_logged_not_retried(
    world, settings, caplog
):
    settings.NOTIFICATION_SENDERS = [BROKEN]
    settings.NOTIFICATION_ATTEMPTS = 2
    (row_id,) = notify(users=[world.staff], code="events.overdue", title="E1 overdue")
    queued = list(DBTaskResult.objects.values_list("pk", flat=True))  # the first delivery
    with caplog.at_level(logging.ERROR):
        deliver_notification.call(row_id, [BROKEN], 2)
    assert not DBTaskResult.objects.exclude(pk__in=queued).exists()
    assert any("not delivered" in r.getMessage() for r in caplog.records)
    assert Notification.objects.filter(pk=row_id).exists()


def test_a_backend_that_cannot_wait_logs_the_failure(world, settings, caplog):
    settings.NOTIFICATION_SENDERS = [BROKEN]
    settings.TASKS = IMMEDIATE
    (row_id,) = notify(users=[world.staff], code="events.overdue", title="E1 overdue")
    with caplog.at_level(logging.ERROR):
        assert deliver_notification.call(row_id) == {"failed": [BROKEN]}
    assert any("not delivered" in r.getMessage() for r in caplog.records)


def test_the_email_sender_mails_those_with_an_address(world, settings):
    settings.NOTIFICATION_SENDERS = ["civicgrid.notifications.senders.EmailSender"]
    settings.SITE_URL = "https://grid.example.gov.cn"
    world.staff.email = "sally@example.gov.cn"
    world.staff.save()
    world.town_operator.email = ""
    world.town_operator.save()
    row_ids = notify(
        users=[world.staff, world.town_operator],
        code="events.whistle",
        title="E1 whistle",
        body="超时未处置",
        link="/events/E1/",
    )
    for row_id in row_ids:
        deliver_notification.call(row_id)
    (message,) = mail.outbox
    assert message.to == ["sally@example.gov.cn"]
    assert message.subject == "E1 whistle"
    assert "https://grid.example.gov.cn/events/E1/" in message.body


def test_the_log_sms_sender_writes_a_masked_number_for_urgent_kinds_only(world, settings, caplog):
    settings.NOTIFICATION_SENDERS = ["civicgrid.notifications.senders.LogSmsSender"]
    world.staff.phone = "13812345678"
    world.staff.save()
    (urgent,) = notify(users=[world.staff], code="events.overdue", title="E1 overdue")
    (routine,) = notify(users=[world.staff], code="events.dispatched", title="E2 new order")
    with caplog.at_level(logging.INFO, logger="civicgrid.notifications.senders"):
        deliver_notification.call(urgent)
        deliver_notification.call(routine)
    texts = [r.getMessage() for r in caplog.records if r.name.endswith("senders")]
    assert texts == ["SMS to 138****5678: E1 overdue"]


def test_with_the_database_backend_the_delivery_task_commits_with_the_change(world, settings):
    settings.NOTIFICATION_SENDERS = [RECORDING]

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            notify(users=[world.staff], code="events.overdue", title="E1 overdue")
            # Queued inside the change's transaction: no moment where one is kept without the other.
            assert DBTaskResult.objects.count() == 1
            raise Undo
    except Undo:
        pass
    assert not DBTaskResult.objects.exists()


def test_a_delivery_run_again_sends_nothing_twice(world, settings, sent):
    settings.NOTIFICATION_SENDERS = [RECORDING, BROKEN]
    (row_id,) = notify(users=[world.staff], code="events.overdue", title="E1 overdue")
    deliver_notification.call(row_id)
    deliver_notification.call(row_id)  # a worker killed after sending, before marking done
    assert sent == [("recording", row_id)]
    states = dict(Delivery.objects.filter(notification_id=row_id).values_list("sender", "state"))
    # The broken sender gave its claim back, so its retry may try again.
    assert states == {RECORDING: "sent"}


def test_a_delivery_cut_off_midway_is_not_sent_again(world, settings, sent, caplog):
    settings.NOTIFICATION_SENDERS = [RECORDING]
    (row_id,) = notify(users=[world.staff], code="events.overdue", title="E1 overdue")
    # The worker died between taking it and hearing back from the gateway.
    Delivery.objects.create(notification_id=row_id, sender=RECORDING, state="claimed")
    with caplog.at_level(logging.WARNING):
        deliver_notification.call(row_id)
    assert sent == []
    assert any("did not finish" in r.getMessage() for r in caplog.records)


def test_an_idempotent_sender_finishes_a_delivery_cut_off_midway(world, settings, sent):
    settings.NOTIFICATION_SENDERS = [IDEMPOTENT]
    (row_id,) = notify(users=[world.staff], code="events.overdue", title="E1 overdue")
    Delivery.objects.create(notification_id=row_id, sender=IDEMPOTENT, state="claimed")
    deliver_notification.call(row_id)
    assert sent == [("idempotent", row_id)]
    assert Delivery.objects.get(notification_id=row_id).state == "sent"
