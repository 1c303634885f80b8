import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
application = get_wsgi_application()

# Import every view module now, as each worker starts, rather than on its first request:
# Django loads the URLconf lazily, and with it every app's views and what they import
# (the plan matcher's libraries among them). On the shared 2-core machine that first
# request took 5-8 s (bench/README.md, dashboard.py's "very first request").
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns
