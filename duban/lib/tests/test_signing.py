"""duban.lib.signing: SM2 signatures (Ed25519 under intl) that a third party checks with
OpenSSL, and that Duban checks when OpenSSL made them; the SM2 library against the
standard's published example."""
from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import gmalg
import pytest

from duban.lib import crypto, signing

OPENSSL = "openssl"


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("DUBAN_MASTER_KEY", "11" * 32)
    crypto.reset_key_cache()
    yield
    crypto.reset_key_cache()


def openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, text=True, check=False)


def _openssl_verifies(tmp_path: Path, data: bytes, sig: bytes, pem: bytes, alg: str) -> bool:
    (tmp_path / "doc.bin").write_bytes(data)
    (tmp_path / "doc.bin.sig").write_bytes(sig)
    (tmp_path / "key.pem").write_bytes(pem)
    digest_arg = "-sm3" if alg == "sm2" else "-sha256"
    assert openssl("dgst", digest_arg, "-binary", "-out", "doc.dgst", "doc.bin", cwd=tmp_path).returncode == 0
    extra = ["-digest", "sm3", "-pkeyopt", "distid:1234567812345678"] if alg == "sm2" else []
    result = openssl("pkeyutl", "-verify", "-pubin", "-inkey", "key.pem", "-rawin", *extra, "-in", "doc.dgst",
                     "-sigfile", "doc.bin.sig", cwd=tmp_path)
    return result.returncode == 0 and "Signature Verified Successfully" in result.stdout


@pytest.mark.parametrize("suite, alg", [("gm", "sm2"), ("intl", "ed25519")])
def test_openssl_checks_what_duban_signs(settings, tmp_path, suite, alg):
    settings.DUBAN_CRYPTO_SUITE = suite
    data = "2026年重点任务台账".encode() * 5000
    sig, pem = signing.sign(data), signing.public_key_pem()
    key = signing.load_public_key(pem)
    assert key.alg == alg and len(key.key_id) == 16
    assert signing.verify(data, sig, key)
    assert _openssl_verifies(tmp_path, data, sig, pem, alg)
    changed = data[:-1] + b"!"
    assert not signing.verify(changed, sig, key)
    assert not _openssl_verifies(tmp_path, changed, sig, pem, alg)


def test_duban_checks_what_openssl_signs_with_its_own_sm2_key(tmp_path):
    data = b"a notice signed elsewhere"
    (tmp_path / "doc.bin").write_bytes(data)
    assert openssl("genpkey", "-algorithm", "SM2", "-out", "k.pem", cwd=tmp_path).returncode == 0
    assert openssl("pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem", cwd=tmp_path).returncode == 0
    openssl("dgst", "-sm3", "-binary", "-out", "doc.dgst", "doc.bin", cwd=tmp_path)
    made = openssl("pkeyutl", "-sign", "-inkey", "k.pem", "-rawin", "-digest", "sm3", "-pkeyopt",
                   "distid:1234567812345678", "-in", "doc.dgst", "-out", "doc.sig", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    key = signing.load_public_key((tmp_path / "pub.pem").read_bytes())
    assert key.alg == "sm2"
    assert signing.verify(data, (tmp_path / "doc.sig").read_bytes(), key)
    assert not signing.verify(data + b".", (tmp_path / "doc.sig").read_bytes(), key)
    assert not signing.verify(data, (tmp_path / "doc.sig").read_bytes(), signing.own_public_key())


def test_the_sm2_library_gives_the_published_example_signature():
    """GM/T 0003.5 / GB/T 32918.5 example on the recommended curve (ID 1234567812345678,
    message "message digest", fixed k): the pinned gmalg gives the published r and s."""
    sm2 = gmalg.SM2(
        bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"), b"1234567812345678",
        bytes.fromhex("04" "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
                      "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"),
        rnd_fn=lambda _: 0x59276E27_D506861A_16680F3A_D9C02DCC_EF3CC1FA_3CDBE4CE_6D54B80D_EAC1BC21)
    r, s = sm2.sign(b"message digest")
    assert r.hex().upper() == "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    assert s.hex().upper() == "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"


def test_the_key_pair_comes_from_the_master_key(monkeypatch):
    first = signing.public_key_pem()
    assert signing.public_key_pem() == first  # stable
    monkeypatch.setenv("DUBAN_MASTER_KEY", "22" * 32)
    crypto.reset_key_cache()
    assert signing.public_key_pem() != first


@pytest.mark.parametrize("pem, message", [
    (b"not a key", "PEM"),
    (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "只支持 SM2 和 Ed25519"),
])
def test_it_refuses_what_is_not_a_public_key(pem, message):
    with pytest.raises(signing.SignatureError, match=message):
        signing.load_public_key(pem)


def test_it_refuses_a_point_off_the_curve():
    pem = signing.public_key_pem()
    der = bytearray(base64.b64decode("".join(pem.decode().splitlines()[1:-1])))
    der[-1] ^= 1
    bad = b"-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(bytes(der)) + b"\n-----END PUBLIC KEY-----\n"
    with pytest.raises(signing.SignatureError, match="不是 SM2 曲线上的点"):
        signing.load_public_key(bad)


def test_a_garbled_signature_is_simply_invalid():
    key = signing.own_public_key()
    assert not signing.verify(b"x", b"\x30\x00", key)
    assert not signing.verify(b"x", b"garbage", key)
