from django.urls import path

from civicgrid.core import views

app_name = "audit"
urlpatterns = [path("export/", views.export, name="export")]
