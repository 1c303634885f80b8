"""duban.lib.crypto: keyed tags and authenticated encryption under both suites."""
from __future__ import annotations

import pytest

from duban.lib import crypto


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("DUBAN_MASTER_KEY", "11" * 32)
    crypto.reset_key_cache()
    yield
    crypto.reset_key_cache()


@pytest.mark.parametrize("suite", ["gm", "intl"])
def test_it_round_trips_and_names_the_algorithm(settings, suite):
    settings.DUBAN_CRYPTO_SUITE = suite
    blob = crypto.encrypt(b"secret", "totp", associated=b"7")
    assert b"secret" not in blob
    assert crypto.decrypt(blob, "totp", associated=b"7") == b"secret"
    tag = crypto.mac(b"row", "audit")
    assert tag.startswith("sm3:" if suite == "gm" else "sha256:")
    assert crypto.verify_mac(b"row", tag, "audit")


def test_it_reads_what_the_other_suite_wrote(settings):
    settings.DUBAN_CRYPTO_SUITE = "intl"
    blob, tag = crypto.encrypt(b"x", "backup"), crypto.mac(b"x", "backup")
    settings.DUBAN_CRYPTO_SUITE = "gm"
    assert crypto.decrypt(blob, "backup") == b"x"
    assert crypto.verify_mac(b"x", tag, "backup")


def test_it_refuses_tampering_another_purpose_and_another_key(monkeypatch):
    blob = bytearray(crypto.encrypt(b"secret", "totp"))
    blob[-20] ^= 1
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(bytes(blob), "totp")
    good = crypto.encrypt(b"secret", "totp")
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(good, "webhook")
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(good, "totp", associated=b"other row")
    tag = crypto.mac(b"row", "audit")
    assert not crypto.verify_mac(b"row2", tag, "audit")
    assert not crypto.verify_mac(b"row", tag, "seal")
    monkeypatch.setenv("DUBAN_MASTER_KEY", "22" * 32)
    crypto.reset_key_cache()
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(good, "totp")
    assert not crypto.verify_mac(b"row", tag, "audit")


def test_it_keeps_text_columns_as_text():
    value = crypto.encrypt_text("JBSWY3DPEHPK3PXP", "totp")
    assert crypto.is_encrypted_text(value) and "JBSW" not in value
    assert crypto.decrypt_text(value, "totp") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt_text("plain", "totp")


def test_it_refuses_a_malformed_key(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("DUBAN_MASTER_KEY", "abc")
    crypto.reset_key_cache()
    with pytest.raises(ImproperlyConfigured):
        crypto.mac(b"x", "audit")


def test_it_generates_a_private_key_file_when_none_is_configured(monkeypatch, settings, tmp_path):
    monkeypatch.delenv("DUBAN_MASTER_KEY")
    monkeypatch.delenv("DUBAN_MASTER_KEY_FILE", raising=False)
    settings.DATA_DIR = tmp_path
    crypto.reset_key_cache()
    tag = crypto.mac(b"x", "audit")
    path = crypto.generated_key_path()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert crypto.key_is_generated()
    crypto.reset_key_cache()
    assert crypto.mac(b"x", "audit") == tag  # the same key is read back


def _sealed(data: bytes, purpose: str = "backup") -> bytes:
    import io

    buf = io.BytesIO()
    writer = crypto.StreamWriter(buf, purpose)
    for i in range(0, len(data), 7777):
        writer.write(data[i:i + 7777])
    writer.close()
    return buf.getvalue()


def _opened(blob: bytes, purpose: str = "backup") -> bytes:
    import io

    return crypto.StreamReader(io.BytesIO(blob), purpose).read()


@pytest.mark.parametrize("suite", ["gm", "intl"])
@pytest.mark.parametrize("size", [0, 1, 4096, 4097, 3 * 4096 + 5])
def test_it_round_trips_a_sealed_stream_across_chunks(settings, monkeypatch, suite, size):
    import os

    monkeypatch.setattr(crypto, "STREAM_CHUNK", 4096)
    settings.DUBAN_CRYPTO_SUITE = suite
    data = os.urandom(size)
    blob = _sealed(data)
    assert blob[:4] == b"DBS1" and (size < 64 or data[:64] not in blob)
    assert _opened(blob) == data
    import io

    reader = crypto.StreamReader(io.BytesIO(blob), "backup")
    assert b"".join(iter(lambda: reader.read(1000), b"")) == data


def test_it_refuses_a_sealed_stream_changed_cut_or_unsigned(monkeypatch):
    import gzip
    import io

    monkeypatch.setattr(crypto, "STREAM_CHUNK", 4096)
    data = bytes(range(256)) * 64
    blob = _sealed(data)
    flipped = bytearray(blob)
    flipped[100] ^= 1
    cases = {
        "签名不符": bytes(flipped),
        "签名": blob[:-300],
        "旧格式": gzip.compress(data),
        "不是本系统": b"PK\x03\x04" + data,
    }
    for message, bad in cases.items():
        with pytest.raises(crypto.CryptoError, match=message):
            _opened(bad)
    with pytest.raises(crypto.CryptoError, match="签名不符"):
        _opened(blob, "other-purpose")
    # The last chunk dropped and the signature made again with the signing key: the
    # chunk numbers and the last-chunk flag are authenticated under the encryption key.
    from cryptography.hazmat.primitives import hashes, hmac

    n = blob[-5]
    body = blob[:-(n + 5)]
    chunks, pos = [], 13
    while pos < len(body):
        size = int.from_bytes(body[pos:pos + 4], "big")
        chunks.append(body[pos:pos + 4 + size])
        pos += 4 + size
    cut = body[:13] + b"".join(chunks[:-1])
    signer = hmac.HMAC(crypto._subkey("backup-signature", "gm", 32), hashes.SM3())
    signer.update(cut)
    tag = ("sm3:" + signer.finalize().hex()).encode()
    crypto.verify_stream(io.BytesIO(cut + tag + bytes([len(tag)]) + b"DSG1"), "backup")  # the signature holds
    with pytest.raises(crypto.CryptoError, match="解密校验失败"):
        _opened(cut + tag + bytes([len(tag)]) + b"DSG1")
