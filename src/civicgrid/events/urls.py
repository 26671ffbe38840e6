"""URL wiring of the incident pages: each view module lists its own routes."""

from civicgrid.events.views import citizen, desk, field

app_name = "events"
urlpatterns = [*field.urlpatterns, *desk.urlpatterns, *citizen.urlpatterns]
