"""Mounted under /plans/ (the import pages kept their addresses when they moved here)."""
from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("import/", views.upload, name="upload"),
    path("import/<int:batch_id>/", views.preview, name="preview"),
    path("<int:plan_id>/imports/", views.history, name="history"),
    path("<int:plan_id>/imports/undo/", views.undo, name="undo"),
]
