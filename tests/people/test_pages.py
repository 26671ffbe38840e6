"""The register's pages: what each user sees, and a constant number of queries per page."""

from __future__ import annotations

from datetime import date

import pytest

from civicgrid.people import services
from tests import factories as f

pytestmark = pytest.mark.django_db


def add_households(world, n: int, first: int = 0) -> None:
    for i in range(first, first + n):
        home = services.register_household(
            region_code=world.micro_a1.code, address=f"{i}号", by=None
        )
        f.resident(
            home,
            f"户主{i}",
            f.id_number("320113", date(1960, 1, 1 + i), 101 + 2 * i),
            relation="head",
            tags=[services.TagValue("veteran")],
        )


def test_the_book_lists_households_with_their_members_and_tags(world, as_user):
    html = as_user(world.grid_worker).get(f"/people/book/{world.micro_a1.code}/").content.decode()
    assert html.count('data-testid="household"') == 1
    assert "王建国" in html and "李秀英" in html and "退役军人" in html


def test_the_book_does_not_query_once_per_household(world, as_user, django_assert_max_num_queries):
    client = as_user(world.grid_worker)
    add_households(world, 2)
    with django_assert_max_num_queries(20) as few:
        client.get(f"/people/book/{world.micro_a1.code}/")
    add_households(world, 8, first=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/people/book/{world.micro_a1.code}/")


def test_search_results_do_not_query_once_per_resident(
    world, as_user, django_assert_max_num_queries
):
    client = as_user(world.grid_worker)
    add_households(world, 2)
    with django_assert_max_num_queries(20) as few:
        client.get("/people/", {"name": "户主"})
    add_households(world, 8, first=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/people/", {"name": "户主"})
    assert page.content.decode().count("/people/residents/") == 10


def test_a_search_form_with_bad_input_shows_the_error_and_no_results(world, as_user):
    html = as_user(world.grid_worker).get("/people/", {"min_age": "-3"}).content.decode()
    assert 'data-testid="results"' not in html and "error" in html


def test_the_counts_page_shows_a_total_and_one_line_per_sub_area(world, as_user):
    html = as_user(world.town_operator).get("/people/counts/", {"tag": "veteran"}).content.decode()
    assert 'data-testid="count-total">1<' in html
    assert "320113002001" in html


def test_a_grid_worker_does_not_see_the_unmask_form(world, as_user):
    html = (
        as_user(world.grid_worker).get(f"/people/residents/{world.resident.pk}/").content.decode()
    )
    assert 'data-testid="reveal-form"' not in html
    staff = as_user(world.staff).get(f"/people/residents/{world.resident.pk}/").content.decode()
    assert 'data-testid="reveal-form"' in staff


def test_the_resident_page_shows_the_history_masked(world, as_user):
    services.update_resident(resident=world.resident, phone="13700001234", by=world.staff)
    html = (
        as_user(world.grid_worker).get(f"/people/residents/{world.resident.pk}/").content.decode()
    )
    history = html.split('data-testid="history"')[1]
    assert "137****1234" in history and "138****5678" in history
    assert "13700001234" not in html and "sally_staff" in history


def test_a_proposal_with_nothing_filled_in_is_refused_with_a_message(world, as_user):
    client = as_user(world.grid_worker)
    response = client.post(
        f"/people/residents/{world.resident.pk}/propose/",
        {},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Fill in at least one field" in response.content.decode()


def test_the_registers_menu_offers_only_what_the_role_may_do(world, as_user):
    worker = as_user(world.grid_worker).get("/people/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Find residents" in worker and "Import from Excel" not in worker
    staff = as_user(world.staff).get("/people/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Import from Excel" in staff
