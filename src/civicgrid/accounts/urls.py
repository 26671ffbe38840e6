from django.urls import path

from civicgrid.accounts import area_access, second_factor, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/password/", views.password_change_view, name="password_change"),
    path("accounts/2fa/", second_factor.verify, name="second_factor"),
    path("accounts/2fa/setup/", second_factor.setup, name="second_factor_setup"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("accounts/area/", area_access.area, name="area_access"),
    path("accounts/grants/", area_access.grants, name="area_grants"),
    path("accounts/grants/<int:grant_id>/revoke/", area_access.revoke, name="area_grant_revoke"),
]
