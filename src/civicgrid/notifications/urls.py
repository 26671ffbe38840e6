from django.urls import path

from civicgrid.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.centre, name="centre"),
    path("read/", views.mark_all_read, name="read_all"),
    path("<int:pk>/open/", views.open_one, name="open"),
]
