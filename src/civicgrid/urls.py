"""URL wiring: pages, the admin, the JSON API, Open311 and the language switch."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from civicgrid.api import api
from civicgrid.metrics import metrics

admin.site.site_header = _("CivicGrid administration")
admin.site.site_title = _("CivicGrid")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", include("civicgrid.accounts.urls")),
    path("regions/", include("civicgrid.regions.urls")),
    path("people/", include("civicgrid.people.urls")),
    path("events/", include("civicgrid.events.urls")),
    path("assistance/", include("civicgrid.assistance.views")),
    path("command/", include("civicgrid.command.urls")),
    path("disputes/", include("civicgrid.disputes.views")),
    path("open311/v2/", include("civicgrid.events.open311_urls")),
    path("notifications/", include("civicgrid.notifications.urls")),
    path("audit/", include("civicgrid.core.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Prometheus; /healthz and /readyz are answered by core.health.HealthMiddleware.
    path("metrics", metrics, name="metrics"),
]

handler500 = "civicgrid.core.error_pages.server_error"
