"""The manual's pages and how one is rendered.

Each role has one page, a Markdown file under content/ (Chinese, for the people who
use Duban). Pictures are written as ``![说明](office-ledger.png)``: a bare file name
in static/manual/img/, where the e2e walks (duban/e2e/test_day.py) save the
screenshots of the steps the page describes, so the pictures are always of the
screens as they are. Raw HTML in the Markdown is not rendered (markdown-it's
``html`` option off): the pages cannot carry a script or a style."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.templatetags.static import static
from markdown_it import MarkdownIt

CONTENT = Path(__file__).resolve().parent / "content"
IMAGES = Path(__file__).resolve().parent / "static" / "manual" / "img"


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    roles: tuple[str, ...]  # the roles (User.role) whose own manual this is
    summary: str


PAGES = (
    Page("office", "督查室操作手册", ("office",), "导入方案、发起调度、审核报告、催办督办、延期与销号、驾驶舱与考核"),
    Page("leader", "区领导操作手册", ("leader",), "查看牵头任务和驾驶舱、作出批示、处理需协调事项"),
    Page("liaison", "单位联络员操作手册", ("liaison",), "分解工作节点、填报进展（手机拍照上传佐证）、答复督办单、申请延期和办结"),
    Page("head", "单位负责人操作手册", ("unit_head",), "审核本单位报告后报送督查室，查看本单位任务"),
    Page("sysadmin", "系统管理员操作手册", ("sysadmin",), "账号管理、登录方式、后台任务"),
    Page("secadmin", "安全管理员操作手册", ("secadmin",), "安全策略、账号审批、账号锁定、双因素认证、外发白名单"),
    Page("auditor", "审计员操作手册", ("auditor",), "查询和核验审计记录"),
)
BY_SLUG = {p.slug: p for p in PAGES}
IMAGE_RE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


def page_for_role(role: str) -> Page | None:
    return next((p for p in PAGES if role in p.roles), None)


def source(slug: str) -> str:
    return (CONTENT / f"{slug}.md").read_text(encoding="utf-8")


def images(slug: str) -> list[str]:
    """The picture files a page shows, in order."""
    return IMAGE_RE.findall(source(slug))


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

    def image(renderer, tokens, idx, options, env):
        token = tokens[idx]
        src = token.attrGet("src") or ""
        if "/" not in src and ":" not in src:
            token.attrSet("src", static(f"manual/img/{src}"))
        token.attrSet("loading", "lazy")
        return renderer.image(tokens, idx, options, env)

    md.add_render_rule("image", image)
    return md


def to_html(text: str) -> str:
    return _parser().render(text)


@lru_cache(maxsize=len(PAGES))
def render(slug: str, mtime: float) -> tuple[str, list[tuple[str, str]]]:
    """The page as HTML and its contents (anchor, heading) from its ## headings.
    ``mtime`` is the source file's, so an edited page is rendered again."""
    md = _parser()
    tokens = md.parse(source(slug))
    contents = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            anchor = f"s{len(contents) + 1}"
            token.attrSet("id", anchor)
            contents.append((anchor, tokens[i + 1].content))
    return md.renderer.render(tokens, md.options, {}), contents


def rendered(slug: str) -> tuple[str, list[tuple[str, str]]]:
    return render(slug, (CONTENT / f"{slug}.md").stat().st_mtime)
