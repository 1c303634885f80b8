from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("runs/<slug:name>/", views.job_runs, name="runs"),
    path("messages/<int:pk>/retry/", views.message_retry, name="message_retry"),
]
