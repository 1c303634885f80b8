from django.urls import path

from . import views

app_name = "workplans"
urlpatterns = [
    path("tasks/<int:task_id>/milestones/", views.milestone_list, name="list"),
    path("tasks/<int:task_id>/milestones/add/", views.milestone_add, name="add"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="edit"),
    path("milestones/<int:pk>/complete/", views.milestone_complete, name="complete"),
    path("milestones/<int:pk>/reopen/", views.milestone_reopen, name="reopen"),
    path("milestones/<int:pk>/delete/", views.milestone_delete, name="delete"),
    path("unquantified/", views.unquantified, name="unquantified"),
]
