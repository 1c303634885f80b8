"""In Debian's Chromium at a phone's width (390 × 844, the WeCom/DingTalk in-app
browser): a liaison types a report, uploads a photo, and the text is still there; an
unsaved report warns before the page is left, and a saved one does not."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

import duban.e2e.conftest as _e2e
from duban.conftest import PASSWORD
from duban.rounds.actions import open_round
from duban.rounds.models import Attachment, Report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

browser = _e2e.browser  # the shared Chromium of duban/e2e
PHONE = {"width": 390, "height": 844}
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c"
    "20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f00000105010101010101"
    "00000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114"
    "328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a63646566"
    "6768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3"
    "d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbfcffd9"
)


@pytest.fixture
def phone(browser, live_server, tmp_path):
    """A phone-sized tab with no cookies; every dialog it raises is recorded in
    `phone.dialogs` and answered by `phone.answer` (True: leave, False: stay)."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    context.set_default_timeout(_e2e.TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.dialogs = []
    tab.answer = True

    def on_dialog(dialog):
        tab.dialogs.append(dialog.type)
        dialog.accept() if (tab.answer or dialog.type != "beforeunload") else dialog.dismiss()

    tab.on("dialog", on_dialog)
    yield tab
    context.close()
    assert not errors, f"页面脚本出错：{errors}"


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("用户名", exact=True).fill(user.username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def report(plan, office, liaison_a):
    today = timezone.localdate()
    rnd = open_round(plan, actor=office, name="本月调度", period_start=today - dt.timedelta(days=20),
                     period_end=today, opens_on=today, due_on=today + dt.timedelta(days=5))
    return Report.objects.get(round=rnd, task__number="1", unit=liaison_a.unit)


def test_it_keeps_typed_text_through_a_photo_upload_on_a_phone(phone, report, liaison_a, tmp_path):
    from playwright.sync_api import expect

    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(JPEG)
    sign_in(phone, liaison_a)
    phone.goto(f"/rounds/reports/{report.pk}/")
    typed = "本月新增市场主体312家，累计1140家。"
    phone.get_by_label("进展情况").fill(typed)
    phone.get_by_label("存在问题").fill("部分街道登记窗口人手不足。")
    phone.get_by_label("佐证材料").set_input_files(str(photo))
    phone.get_by_role("button", name="上传附件").tap()
    expect(phone.locator("#attachments")).to_contain_text("已上传“现场照片.jpg”")
    expect(phone.get_by_role("link", name="现场照片.jpg")).to_be_visible()
    # Still the same page, with what was typed and not yet saved.
    assert phone.url.endswith(f"/rounds/reports/{report.pk}/")
    expect(phone.get_by_label("进展情况")).to_have_value(typed)
    expect(phone.get_by_label("存在问题")).to_have_value("部分街道登记窗口人手不足。")
    assert Attachment.objects.filter(report=report, original_name="现场照片.jpg").exists()
    assert phone.dialogs == []  # the upload itself raised no leave warning

    # A refused file says why in place, and the text is still there.
    bad = tmp_path / "通知.pdf"
    bad.write_text("<html><script>alert(1)</script></html>", encoding="utf-8")
    phone.get_by_label("佐证材料").set_input_files(str(bad))
    phone.get_by_role("button", name="上传附件").tap()
    expect(phone.get_by_role("alert")).to_contain_text("网页或脚本")
    expect(phone.get_by_label("进展情况")).to_have_value(typed)

    # Saving the draft afterwards keeps both the text and the photo.
    phone.get_by_role("button", name="保存草稿").tap()
    expect(phone.locator("main")).to_contain_text("草稿已保存")
    report.refresh_from_db()
    assert report.progress == typed
    expect(phone.get_by_role("link", name="现场照片.jpg")).to_be_visible()
    # the evidence block fits the phone's width (nothing pushed off to the side)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"页面宽 {width}px，超出手机屏幕"


def test_an_unsaved_report_warns_before_the_page_is_left(phone, report, liaison_a):
    from playwright.sync_api import expect

    sign_in(phone, liaison_a)
    phone.goto(f"/rounds/reports/{report.pk}/")
    page_url = phone.url
    phone.get_by_label("进展情况").fill("还没保存的进展")

    # Leaving: the browser asks; staying keeps the page and the text.
    phone.answer = False
    phone.get_by_role("link", name="本单位报告").tap()
    phone.wait_for_timeout(500)
    assert phone.dialogs == ["beforeunload"]
    assert phone.url == page_url
    expect(phone.get_by_label("进展情况")).to_have_value("还没保存的进展")

    # Saved: leaving asks nothing.
    phone.answer = True
    phone.get_by_role("button", name="保存草稿").tap()
    expect(phone.locator("main")).to_contain_text("草稿已保存")
    phone.get_by_role("link", name="本单位报告").tap()
    phone.wait_for_url(re.compile(r"/rounds/mine/$"))
    assert phone.dialogs == ["beforeunload"]  # no second warning

    # An untouched page warns about nothing either.
    phone.goto(f"/rounds/reports/{report.pk}/")
    phone.get_by_role("link", name="本单位报告").tap()
    phone.wait_for_url(re.compile(r"/rounds/mine/$"))
    assert phone.dialogs == ["beforeunload"]
