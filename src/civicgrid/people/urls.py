from django.urls import path

from civicgrid.people import views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("book/<str:code>/", views.book, name="book"),
    path("residents/<int:pk>/", views.resident, name="resident"),
    path("residents/<int:pk>/propose/", views.propose, name="propose"),
    path("changes/", views.changes, name="changes"),
    path("changes/<int:pk>/<str:decision>/", views.decide, name="decide"),
    path("import/", views.import_view, name="import"),
    path("counts/", views.counts, name="counts"),
]
