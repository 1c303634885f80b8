from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/", views.open_notification, name="open"),
    path("read-all/", views.read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("unit-robots/", views.unit_robots, name="unit_robots"),
    path("unit-robots/<int:robot_id>/toggle/", views.unit_robot_toggle, name="unit_robot_toggle"),
    path("unit-robots/<int:robot_id>/delete/", views.unit_robot_delete, name="unit_robot_delete"),
]
