from django.urls import include, path

urlpatterns = [
    path("", include("duban.web.urls")),
    path("accounts/", include("duban.accounts.urls")),
    path("plans/", include("duban.plans.urls")),
]
