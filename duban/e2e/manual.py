"""Screenshots for the user manual (duban/manual), taken by the e2e walks.

A walk calls ``shot("liaison-report")`` at the step the manual shows; the picture is
written into the manual's image folder (duban/manual/static/manual/img), which the
app serves, so every run of the walks refreshes the manual's pictures, and a screen
that no longer has what the walk looks for fails the walk. Pictures at phone width
are named ``…-phone.png``. At the end of a walk, ``check()`` fails when the manual
shows a picture of this role and width that the walk no longer takes, or the walk
takes one the manual does not show.

Screenshots are written only when a walk passes every step up to them; set
DUBAN_MANUAL_SHOTS=0 to walk without writing them."""
from __future__ import annotations

import os

from playwright.sync_api import Page

from duban.manual.pages import IMAGES, images

PHONE_SUFFIX = "-phone"


class Shots:
    def __init__(self, page: Page, slug: str, width: str):
        self.page = page
        self.slug = slug
        self.width = width
        self.taken: list[str] = []
        self.write = os.environ.get("DUBAN_MANUAL_SHOTS", "1") != "0"

    def name(self, step: str) -> str:
        return f"{step}{PHONE_SUFFIX if self.width == 'phone' else ''}.png"

    def __call__(self, step: str, *, only: str | None = None, full_page: bool = False, locator=None) -> None:
        """Saves the screen (or `locator`'s box) as the picture of `step`; with `only`
        ("desktop" or "phone"), at that width alone."""
        if only is not None and only != self.width:
            return
        name = self.name(step)
        assert name not in self.taken, f"截图重名：{name}"
        self.taken.append(name)
        if not self.write:
            return
        IMAGES.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_load_state("networkidle")
        target = locator if locator is not None else self.page
        kwargs = {"path": str(IMAGES / name), "animations": "disabled", "caret": "hide"}
        if locator is None:
            kwargs["full_page"] = full_page
        target.screenshot(**kwargs)

    def check(self) -> None:
        """The manual shows exactly the pictures of this role and width that the walk took."""
        shown = {i for i in images(self.slug) if i.endswith(f"{PHONE_SUFFIX}.png") == (self.width == "phone")}
        taken = set(self.taken)
        assert not shown - taken, f"手册《{self.slug}》引用了本次操作未截取的图片：{sorted(shown - taken)}"
        assert not taken - shown, f"截取了手册《{self.slug}》未使用的图片：{sorted(taken - shown)}"
