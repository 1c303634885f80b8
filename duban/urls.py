from django.urls import include, path

urlpatterns = [
    path("", include("duban.web.urls")),
    path("accounts/", include("duban.accounts.urls")),
    path("plans/", include("duban.plans.urls")),
    path("workplans/", include("duban.workplans.urls")),
    path("rounds/", include("duban.rounds.urls")),
    path("supervision/", include("duban.supervision.urls")),
    path("inbox/", include("duban.notifications.urls")),
    path("dashboards/", include("duban.dashboards.urls")),
    path("indicators/", include("duban.indicators.urls")),
    path("api/", include("duban.api.urls")),
    path("exports/", include("duban.exports.urls")),
]
