from django.urls import include, path

urlpatterns = [
    path("", include("duban.web.urls")),
    path("accounts/", include("duban.accounts.urls")),
    path("plans/", include("duban.ledger.urls")),
    path("plans/", include("duban.imports.urls")),
    path("workplans/", include("duban.workplans.urls")),
    path("rounds/", include("duban.rounds.urls")),
    path("supervision/", include("duban.supervision.urls")),
    path("items/", include("duban.items.urls")),
    path("inbox/", include("duban.notifications.urls")),
    path("dashboards/", include("duban.dashboards.urls")),
    path("indicators/", include("duban.indicators.urls")),
    path("api/", include("duban.api.urls")),
    path("exports/", include("duban.exports.urls")),
    path("jobs/", include("duban.jobs.urls")),
    path("settings/", include("duban.exports.settings_urls")),
    path("identity/", include("duban.identity.urls")),
    path("help/", include("duban.manual.urls")),
]

# Error pages in Chinese inside the site's layout; refusals are audited (duban.web.errors).
handler400 = "duban.web.errors.bad_request"
handler403 = "duban.web.errors.permission_denied"
handler404 = "duban.web.errors.page_not_found"
handler500 = "duban.web.errors.server_error"
