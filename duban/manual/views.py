"""The manual (帮助): the list of the roles' manuals, the reader's own first, and one page."""
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe

from .pages import BY_SLUG, PAGES, page_for_role, rendered


@login_required
def index(request):
    own = page_for_role(request.user.role)
    others = [p for p in PAGES if p != own]
    return render(request, "manual/index.html", {"own": own, "others": others, "nav": "help"})


@login_required
def page(request, slug: str):
    page = BY_SLUG.get(slug)
    if page is None:
        raise Http404("没有这份操作手册")
    html, contents = rendered(slug)
    # The HTML comes from the project's own Markdown, rendered with raw HTML off.
    return render(request, "manual/page.html", {"page": page, "html": mark_safe(html), "contents": contents,
                                                "pages": PAGES, "nav": "help"})
