from django.urls import path

app_name = "regions"
urlpatterns: list = []
