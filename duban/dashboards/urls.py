from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("matrix/", views.matrix, name="matrix"),
    path("league/", views.league, name="league"),
    path("league/weights/", views.league_weights, name="league_weights"),
]
