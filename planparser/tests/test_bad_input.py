"""Files that cannot be read give one line of Chinese naming the file, and exit 2."""
from __future__ import annotations

from pathlib import Path

import pytest

from planparser import ReadError, parse_file
from planparser.cli import main
from planparser.grammar import ParseError

CASES = {
    "empty": "文件为空",
    "blank": "文件为空",
    "png_as_docx": "PNG图片",
    "random": "文件类型不支持",
    "ole_encrypted": "已加密",
    "zip_bomb": "压缩炸弹",
    "truncated_docx": "损坏",
    "zip_not_office": "不是Word",
    "encrypted_pdf": "已加密",
    "image_pdf": "没有文字层",
    "no_tasks": "没有找到任何带责任分工的任务",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_it_refuses_with_one_chinese_line(bad_docs: dict[str, Path], name: str) -> None:
    path = bad_docs[name]
    with pytest.raises(ReadError) as info:
        parse_file(path)
    message = str(info.value)
    assert "\n" not in message
    assert path.name in message
    assert CASES[name] in message
    assert message.startswith(("无法读取文件", "无法解析文件"))


def test_it_raises_parse_error_for_a_document_without_tasks(bad_docs: dict[str, Path]) -> None:
    with pytest.raises(ParseError):
        parse_file(bad_docs["no_tasks"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_cli_returns_2_and_prints_the_message(bad_docs: dict[str, Path], name: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(bad_docs[name])]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and bad_docs[name].name in err


def test_a_missing_file_is_a_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="文件不存在"):
        parse_file(tmp_path / "nope.docx")


def test_it_logs_what_really_failed_when_it_calls_a_file_damaged(tmp_path: Path, caplog) -> None:
    """The person reads "damaged"; the log keeps the library's own error and traceback,
    in case the fault was Duban's rather than the file's."""
    import docx
    import zipfile

    good = tmp_path / "good.docx"
    docx.Document().save(str(good))
    bad = tmp_path / "broken-xml.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, b"<w:document" if item.filename == "word/document.xml" else data)
    with caplog.at_level("WARNING", logger="planparser.readers"), pytest.raises(ReadError, match="损坏"):
        parse_file(bad)
    logged = [r for r in caplog.records if r.name.startswith("planparser.readers") and r.exc_info]
    assert logged and "broken-xml.docx" in logged[0].getMessage()
