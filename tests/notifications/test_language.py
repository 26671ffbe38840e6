"""Each recipient reads a notification in their own language, whoever caused it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from civicgrid.notifications.services import Message, later, notify, notify_many
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def speaks(user, language: str):
    get_user_model().objects.filter(pk=user.pk).update(language=language)
    return get_user_model().objects.get(pk=user.pk)


def test_an_english_speaker_causes_it_a_chinese_speaker_reads_it_in_chinese(world):
    english = speaks(world.staff, "en")
    chinese = speaks(world.grid_worker, "zh-hans")
    undecided = world.town_operator  # no language yet: the site's default (Chinese)
    with translation.override("en"):  # the request of whoever caused it
        notify(users=[english, chinese, undecided], code="t", title=_("overdue"))
    titles = {n.user_id: n.title for n in world.staff.notifications.model.objects.all()}
    assert titles == {english.pk: "overdue", chinese.pk: "已超期", undecided.pk: "已超期"}


def test_a_text_with_values_is_formatted_in_each_recipients_language(world):
    english = speaks(world.staff, "en")
    chinese = speaks(world.grid_worker, "zh-hans")
    with translation.override("zh-hans"):
        notify(
            users=[english, chinese],
            code="t",
            title=later(_("merged into %(number)s"), number="E-1"),
        )
    model = world.staff.notifications.model
    assert model.objects.get(user=english).title == "merged into E-1"
    assert model.objects.get(user=chinese).title == "已合并至 E-1"


def test_many_messages_at_once_reach_each_reader_in_their_own_language(world):
    english = speaks(world.staff, "en")
    chinese = speaks(world.grid_worker, "zh-hans")
    with translation.override("en"):
        notify_many(
            [
                Message([english, chinese], "t", later(_("merged into %(number)s"), number="E-1")),
                Message([chinese], "t", _("overdue")),
                Message([english, english], "t", later(_("merged into %(number)s"), number="E-2")),
            ]
        )
    titles = sorted(world.staff.notifications.model.objects.values_list("user_id", "title"))
    assert titles == sorted(
        [
            (english.pk, "merged into E-1"),
            (chinese.pk, "已合并至 E-1"),
            (chinese.pk, "已超期"),
            (english.pk, "merged into E-2"),  # once, though named twice
        ]
    )


def test_users_loaded_without_their_language_cost_one_query(world, django_assert_num_queries):
    speaks(world.staff, "en")
    users = list(get_user_model().objects.filter(pk=world.staff.pk).only("pk", "is_active"))
    # One to read the languages, one INSERT.
    with django_assert_num_queries(2):
        notify(users=users, code="t", title=_("overdue"))
    assert world.staff.notifications.get().title == "overdue"


def test_the_language_of_the_sign_in_and_of_the_menu_is_remembered(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post("/accounts/login/", {"username": "gina_grid", "password": PASSWORD})
    world.grid_worker.refresh_from_db()
    assert world.grid_worker.language == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    world.grid_worker.refresh_from_db()
    assert world.grid_worker.language == "zh-hans"
    client.post("/i18n/setlang/", {"language": "klingon", "next": "/"})
    world.grid_worker.refresh_from_db()
    assert world.grid_worker.language == "zh-hans"
