from django.urls import path

from civicgrid.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.browse_root, name="root"),
    path("search/", views.search, name="search"),
    path("<str:code>/", views.browse, name="browse"),
]
