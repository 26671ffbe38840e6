"""The small world every test can use: a few areas of Nanjing and one persona per kind of user.

Place tree (boxes in degrees, side by side so borders are shared):

    32 江苏省 → 3201 南京市 → 320113 栖霞区
        320113002 尧化街道 (town A)  → 320113002001 community A1 → grid …001 → micro-grids …001, …002
        320113003 马群街道 (town B, the sibling) → 320113003001 community B1 → grid …001 → micro …001
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django_scopes import scopes_disabled
from hypothesis import settings as hypothesis_settings

from civicgrid.accounts.models import Organisation, User
from civicgrid.accounts.roles import SECOND_FACTOR_ROLES, Role
from civicgrid.people import services as people_services
from civicgrid.regions import locate
from civicgrid.regions.levels import Level
from tests import factories as f

# No timings in tests: hypothesis's per-example deadline would fail on a busy CI machine.
hypothesis_settings.register_profile("civicgrid", deadline=None)
hypothesis_settings.load_profile("civicgrid")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for attackers, not for a test suite building personas.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _a_configured_secret_key(settings):
    # DEBUG is off in tests and Django adds "testserver" to ALLOWED_HOSTS, so commands run
    # in-process would meet check civicgrid.E001 (the generated key); the suite stands for a
    # site with its own key. tests/core/test_checks proves the check in a fresh process.
    settings.SECRET_KEY_GENERATED = False


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded photos of a test go to its own folder, never into the working copy.
    settings.MEDIA_ROOT = tmp_path / "media"
    # The demo's verification sources, too.
    settings.ASSISTANCE_SOURCE_DIR = str(tmp_path / "sources")


@pytest.fixture(autouse=True)
def _garbage_collector_as_found():
    # `civicgrid worker` tunes the collector of its own process (it freezes what it loaded);
    # a test that runs the worker in-process leaves the test process as it found it.
    before = gc.get_threshold()
    yield
    if gc.get_threshold() != before:
        gc.unfreeze()
        gc.set_threshold(*before)


@pytest.fixture(autouse=True)
def _no_process_caches():
    # Per-process caches (the locate index, categories) must not leak from one test's world
    # into the next: each test's database starts afresh.
    from civicgrid.events import categories

    locate.forget_index()
    categories.forget()
    yield
    locate.forget_index()
    categories.forget()


@dataclass
class World:
    province: object
    county: object
    town_a: object
    town_b: object
    community_a: object
    community_b: object
    grid_a: object
    micro_a1: object
    micro_a2: object
    grid_b: object
    micro_b1: object
    admin: User
    county_operator: User
    town_operator: User
    grid_worker: User
    outsider: User
    leader: User
    officer: User
    staff: User
    household: object
    resident: object
    spouse: object
    changes: list


@pytest.fixture
def world(db: None) -> World:
    with scopes_disabled():
        province = f.region("32", "江苏省", Level.PROVINCE, (118.0, 31.0, 120.0, 33.0))
        f.region("3201", "南京市", Level.CITY, (118.0, 31.0, 120.0, 33.0))
        county = f.region("320113", "栖霞区", Level.COUNTY, (118.0, 31.0, 120.0, 33.0))
        town_a = f.region("320113002", "尧化街道", Level.TOWN, (118.0, 31.0, 119.0, 33.0))
        town_b = f.region("320113003", "马群街道", Level.TOWN, (119.0, 31.0, 120.0, 33.0))
        community_a = f.region(
            "320113002001", "尧化门社区", Level.COMMUNITY, (118.0, 31.0, 119.0, 33.0)
        )
        community_b = f.region(
            "320113003001", "马群社区", Level.COMMUNITY, (119.0, 31.0, 120.0, 33.0)
        )
        grid_a = f.region("320113002001001", "第1网格", Level.GRID, (118.0, 31.0, 119.0, 33.0))
        micro_a1 = f.region(
            "320113002001001001",
            "第1网格第1微网格",
            Level.MICROGRID,
            (118.0, 31.0, 119.0, 32.0),
            households=80,
        )
        micro_a2 = f.region(
            "320113002001001002",
            "第1网格第2微网格",
            Level.MICROGRID,
            (118.0, 32.0, 119.0, 33.0),
            households=60,
        )
        grid_b = f.region("320113003001001", "第1网格", Level.GRID, (119.0, 31.0, 120.0, 33.0))
        micro_b1 = f.region(
            "320113003001001001",
            "第1网格第1微网格",
            Level.MICROGRID,
            (119.0, 31.0, 120.0, 33.0),
            households=90,
        )
        dept = Organisation.all_objects.create(
            name="栖霞区城市管理局", kind="department", sector="城管", region=county
        )
        return World(
            province=province,
            county=county,
            town_a=town_a,
            town_b=town_b,
            community_a=community_a,
            community_b=community_b,
            grid_a=grid_a,
            micro_a1=micro_a1,
            micro_a2=micro_a2,
            grid_b=grid_b,
            micro_b1=micro_b1,
            admin=f.user("alice_admin", Role.ADMIN, "32"),
            county_operator=f.user("carol_county", Role.COUNTY_OPERATOR, "320113"),
            town_operator=f.user("tom_town", Role.TOWN_OPERATOR, "320113002"),
            grid_worker=f.user("gina_grid", Role.GRID_WORKER, "320113002001001"),
            outsider=f.user("oscar_outsider", Role.GRID_WORKER, "320113003001001"),
            leader=f.user("lee_leader", Role.LEADER, "320113"),
            officer=f.user("owen_officer", Role.DEPARTMENT_OFFICER, "320113", organisation=dept),
            staff=f.user("sally_staff", Role.COMMUNITY_STAFF, "320113002001"),
            **register_of(micro_a1),
        )


def register_of(micro) -> dict:
    """One household of two in micro-grid A1, and four change requests waiting for staff."""
    household = people_services.register_household(
        region_code=micro.code, address="尧化门街道尧新大道1号2单元301室", by=None
    )
    resident = f.resident(
        household,
        "王建国",
        f.id_number("320113", date(1950, 3, 1), 11),
        relation="head",
        phone="13812345678",
        tags=[people_services.TagValue("veteran")],
    )
    spouse = f.resident(
        household, "李秀英", f.id_number("320113", date(1952, 7, 9), 22), relation="spouse"
    )
    worker = User.objects.get(username="gina_grid")
    changes = [
        people_services.submit_change(
            kind="update_resident", payload={"phone": "13900001111"}, resident=resident, by=worker
        )
        for _ in range(4)
    ]
    return {"household": household, "resident": resident, "spouse": spouse, "changes": changes}


def client_for(user: User, *, second_factor: bool = True) -> Client:
    """A client signed in as `user`; an administrator role has passed its second factor too."""
    client = Client()
    client.force_login(user)
    if second_factor and user.role in SECOND_FACTOR_ROLES:
        pass_second_factor(client, user)
    return client


def pass_second_factor(client: Client, user: User) -> None:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def security_admin(world) -> User:
    """安全管理员: lockouts and second factors, at province level."""
    return f.user("sam_security", Role.SECURITY_ADMIN, "32")


@pytest.fixture
def audit_admin(world) -> User:
    """审计管理员: reads and exports the audit log, at province level."""
    return f.user("audrey_audit", Role.AUDIT_ADMIN, "32")


@pytest.fixture
def as_user():
    """`as_user(world.grid_worker)` → a test client signed in as that persona."""
    return client_for
