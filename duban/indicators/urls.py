from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("", views.indicator_list, name="list"),
    path("<int:target_id>/", views.indicator_detail, name="detail"),
    path("<int:target_id>/edit/", views.indicator_edit, name="edit"),
    path("task/<int:task_id>/add/", views.indicator_add, name="add"),
]
