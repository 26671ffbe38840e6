"""URL wiring of the command-centre pages: each view module lists its own routes."""

from civicgrid.command.views import board, hall, numbers

app_name = "command"
urlpatterns = [*board.urlpatterns, *numbers.urlpatterns, *hall.urlpatterns]
