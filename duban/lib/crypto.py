"""Keyed integrity and encryption at rest, with the national algorithms by default.

商用密码 (GB/T 39786-2021) asks for SM3 for integrity and SM4 for confidentiality;
`DUBAN_CRYPTO_SUITE` chooses the suite: ``gm`` (HMAC-SM3, SM4-GCM, the default) or
``intl`` (HMAC-SHA256, AES-256-GCM). Both come from the `cryptography` package, whose
OpenSSL provides SM3 and SM4. What was written under one suite stays readable under
the other: every tag and ciphertext names the algorithm it was made with.

The master key never lives in the database or in a backup: it is read from
`DUBAN_MASTER_KEY` or the file named by `DUBAN_MASTER_KEY_FILE` (64 hex digits), and
without either a key is generated once in ``DATA_DIR/keys/master.key`` (mode 0600;
`duban check --deploy` warns). Each use (``purpose``: "audit", "backup", "totp", …)
gets its own key derived with HKDF, so one purpose's tags can never stand for
another's.
"""
from __future__ import annotations

import base64
import hmac as std_hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as c_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["CryptoError", "suite", "mac", "verify_mac", "encrypt", "decrypt", "encrypt_text", "decrypt_text",
           "derive_key", "StreamWriter", "StreamReader", "verify_stream", "describe_suite"]

SUITES = ("gm", "intl")
# Algorithm ids written into tags and ciphertexts (one byte / a text prefix).
_MAC_ALG = {"gm": "sm3", "intl": "sha256"}
_ENC_ALG = {"gm": 1, "intl": 2}
_ENC_BY_ID = {v: k for k, v in _ENC_ALG.items()}
_MAGIC = b"DBE1"  # Duban encrypted, format 1: magic, algorithm byte, 12-byte nonce, ciphertext + 16-byte tag
_TEXT_PREFIX = "enc1:"


class CryptoError(Exception):
    """A ciphertext or tag that does not verify (tampered, or another key); one line of Chinese."""


def suite() -> str:
    """The configured suite, ``gm`` or ``intl``."""
    name = getattr(settings, "DUBAN_CRYPTO_SUITE", "gm")
    if name not in SUITES:
        raise ImproperlyConfigured(f"DUBAN_CRYPTO_SUITE must be one of {', '.join(SUITES)}, not {name!r}")
    return name


def _hash(suite_name: str) -> hashes.HashAlgorithm:
    return hashes.SM3() if suite_name == "gm" else hashes.SHA256()


def _parse_key(raw: str, where: str) -> bytes:
    raw = raw.strip()
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{where}: the master key must be 64 hex digits") from None
    if len(key) != 32:
        raise ImproperlyConfigured(f"{where}: the master key must be 64 hex digits (32 bytes), not {len(key)} bytes")
    return key


@lru_cache(maxsize=1)
def _master_key() -> bytes:
    raw = os.environ.get("DUBAN_MASTER_KEY")
    if raw:
        return _parse_key(raw, "DUBAN_MASTER_KEY")
    path = os.environ.get("DUBAN_MASTER_KEY_FILE")
    if path:
        try:
            return _parse_key(Path(path).read_text(encoding="ascii"), f"DUBAN_MASTER_KEY_FILE ({path})")
        except OSError as exc:
            raise ImproperlyConfigured(f"DUBAN_MASTER_KEY_FILE: cannot read {path}: {exc}") from None
    return _parse_key(_generated_key_file().read_text(encoding="ascii"), "DATA_DIR/keys/master.key")


def generated_key_path() -> Path:
    return Path(settings.DATA_DIR) / "keys" / "master.key"


def _generated_key_file() -> Path:
    path = generated_key_path()
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32))
    return path


def key_is_generated() -> bool:
    """True when no master key was configured (a generated one beside the data is used)."""
    return not (os.environ.get("DUBAN_MASTER_KEY") or os.environ.get("DUBAN_MASTER_KEY_FILE"))


@lru_cache(maxsize=64)
def _subkey(purpose: str, suite_name: str, length: int) -> bytes:
    return HKDF(algorithm=_hash(suite_name), length=length, salt=None,
                info=f"duban:{purpose}".encode()).derive(_master_key())


def derive_key(purpose: str, suite_name: str, length: int) -> bytes:
    """Key material of `length` bytes for `purpose`, derived from the master key with
    the suite's HKDF (for keys other modules build, e.g. duban.lib.signing's key pair)."""
    return _subkey(purpose, suite_name, length)


def reset_key_cache() -> None:
    """Forget cached keys (tests that change the key's environment)."""
    _master_key.cache_clear()
    _subkey.cache_clear()


# --- integrity ----------------------------------------------------------------------

def mac(data: bytes, purpose: str, *, suite_name: str | None = None) -> str:
    """A keyed tag over `data`: ``"sm3:<hex>"`` (or ``"sha256:<hex>"``)."""
    name = suite_name or suite()
    h = c_hmac.HMAC(_subkey(purpose, name, 32), _hash(name))
    h.update(data)
    return f"{_MAC_ALG[name]}:{h.finalize().hex()}"


def verify_mac(data: bytes, tag: str, purpose: str) -> bool:
    """Whether `tag` (as `mac` wrote it, under either suite) is the tag of `data`."""
    alg, _, _ = (tag or "").partition(":")
    name = next((s for s, a in _MAC_ALG.items() if a == alg), None)
    if name is None:
        return False
    return std_hmac.compare_digest(mac(data, purpose, suite_name=name), tag)


# --- confidentiality ----------------------------------------------------------------

def _cipher(name: str, key: bytes, nonce: bytes, tag: bytes | None = None) -> Cipher:
    alg = algorithms.SM4(key[:16]) if name == "gm" else algorithms.AES(key)
    return Cipher(alg, modes.GCM(nonce, tag))


def encrypt(plaintext: bytes, purpose: str, *, associated: bytes = b"") -> bytes:
    """Authenticated encryption (SM4-GCM or AES-256-GCM) of `plaintext` for `purpose`;
    `associated` is authenticated but not stored (e.g. the row's id)."""
    name = suite()
    nonce = os.urandom(12)
    enc = _cipher(name, _subkey(purpose, name, 32), nonce).encryptor()
    enc.authenticate_additional_data(associated)
    body = enc.update(plaintext) + enc.finalize()
    return _MAGIC + bytes([_ENC_ALG[name]]) + nonce + body + enc.tag


def decrypt(blob: bytes, purpose: str, *, associated: bytes = b"") -> bytes:
    """The plaintext of `encrypt`'s output; CryptoError when it was altered or made
    with another key or purpose."""
    if len(blob) < len(_MAGIC) + 1 + 12 + 16 or not blob.startswith(_MAGIC):
        raise CryptoError("密文格式不正确")
    name = _ENC_BY_ID.get(blob[len(_MAGIC)])
    if name is None:
        raise CryptoError("密文使用了未知的算法")
    nonce = blob[len(_MAGIC) + 1:len(_MAGIC) + 13]
    body, tag = blob[len(_MAGIC) + 13:-16], blob[-16:]
    dec = _cipher(name, _subkey(purpose, name, 32), nonce, tag).decryptor()
    dec.authenticate_additional_data(associated)
    try:
        return dec.update(body) + dec.finalize()
    except InvalidTag:
        raise CryptoError("密文校验失败：内容被改动，或密钥不符") from None


def encrypt_text(text: str, purpose: str, *, associated: bytes = b"") -> str:
    """`encrypt` for a text column: ``"enc1:<base64>"``."""
    return _TEXT_PREFIX + base64.b64encode(encrypt(text.encode(), purpose, associated=associated)).decode()


def decrypt_text(value: str, purpose: str, *, associated: bytes = b"") -> str:
    if not is_encrypted_text(value):
        raise CryptoError("该字段不是密文")
    try:
        blob = base64.b64decode(value[len(_TEXT_PREFIX):], validate=True)
    except ValueError:
        raise CryptoError("密文格式不正确") from None
    return decrypt(blob, purpose, associated=associated).decode()


def is_encrypted_text(value: str | None) -> bool:
    return bool(value) and value.startswith(_TEXT_PREFIX)


# --- sealed streams (backups) ----------------------------------------------------------
#
# A file too large to hold in memory, encrypted and signed: encrypt-then-MAC.
#
#   header   "DBS1", the algorithm byte, an 8-byte random nonce prefix
#   chunks   each: 4-byte length n, then n bytes of SM4-GCM / AES-GCM ciphertext and tag of
#            up to STREAM_CHUNK bytes of plaintext; nonce = prefix + chunk number; the
#            associated data (header, chunk number, last-chunk flag) makes reordering,
#            dropping or cutting chunks fail
#   trailer  the keyed tag (HMAC-SM3 / HMAC-SHA256, its own purpose key) of everything
#            before it, its length in one byte, then "DSG1"
#
# The reader checks the trailer over the whole file before it decrypts a byte, so an
# unsigned or wrongly signed file is refused before anything is read out of it.

STREAM_MAGIC = b"DBS1"
STREAM_TRAILER = b"DSG1"
STREAM_CHUNK = 1024 * 1024
_HEADER_LEN = len(STREAM_MAGIC) + 1 + 8


def _sign_purpose(purpose: str) -> str:
    return f"{purpose}-signature"


class StreamWriter:
    """A file-like object: what is written to it goes encrypted to `raw`; `close()`
    writes the last chunk and the signature (it does not close `raw`)."""

    def __init__(self, raw, purpose: str):
        self.raw, self.purpose, self.name = raw, purpose, suite()
        self.key = _subkey(purpose, self.name, 32)
        self.signer = c_hmac.HMAC(_subkey(_sign_purpose(purpose), self.name, 32), _hash(self.name))
        self.header = STREAM_MAGIC + bytes([_ENC_ALG[self.name]]) + os.urandom(8)
        self.buffer, self.index, self.closed = bytearray(), 0, False
        self._out(self.header)

    def _out(self, data: bytes) -> None:
        self.raw.write(data)
        self.signer.update(data)

    def _chunk(self, plain: bytes, last: bool) -> None:
        nonce = self.header[-8:] + self.index.to_bytes(4, "big")
        enc = _cipher(self.name, self.key, nonce).encryptor()
        enc.authenticate_additional_data(self.header + self.index.to_bytes(8, "big") + (b"\x01" if last else b"\x00"))
        body = enc.update(plain) + enc.finalize() + enc.tag
        self._out(len(body).to_bytes(4, "big") + body)
        self.index += 1
        if self.index >= 2 ** 32:
            raise CryptoError("文件过大，超出加密格式的上限")

    def write(self, data) -> int:
        if self.closed:
            raise ValueError("write to a closed StreamWriter")
        self.buffer += data
        while len(self.buffer) > STREAM_CHUNK:
            self._chunk(bytes(self.buffer[:STREAM_CHUNK]), False)
            del self.buffer[:STREAM_CHUNK]
        return len(data)

    def flush(self) -> None:
        self.raw.flush()

    def close(self) -> None:
        if self.closed:
            return
        self._chunk(bytes(self.buffer), True)
        self.buffer.clear()
        tag = f"{_MAC_ALG[self.name]}:{self.signer.finalize().hex()}".encode()
        self.raw.write(tag + bytes([len(tag)]) + STREAM_TRAILER)
        self.closed = True


def _stream_parts(raw) -> tuple[int, str]:
    """(length of the signed part, the tag) of a sealed stream, or CryptoError."""
    raw.seek(0, os.SEEK_END)
    size = raw.tell()
    raw.seek(0)
    head = raw.read(len(STREAM_MAGIC))
    if head != STREAM_MAGIC:
        if head[:2] == b"\x1f\x8b":
            raise CryptoError("文件未加密、未签名（旧格式）")
        raise CryptoError("文件不是本系统加密签名的格式")
    if size < _HEADER_LEN + 5 + len(STREAM_TRAILER):
        raise CryptoError("文件不完整（被截断）")
    raw.seek(size - len(STREAM_TRAILER) - 1)
    tail = raw.read(1 + len(STREAM_TRAILER))
    if tail[1:] != STREAM_TRAILER:
        raise CryptoError("文件没有签名，或签名被截去")
    n = tail[0]
    signed = size - len(STREAM_TRAILER) - 1 - n
    if signed < _HEADER_LEN:
        raise CryptoError("文件不完整（被截断）")
    raw.seek(signed)
    tag = raw.read(n).decode("ascii", "replace")
    raw.seek(0)
    return signed, tag


def verify_stream(raw, purpose: str) -> None:
    """Checks the signature of a sealed stream (a seekable binary file) over every byte;
    CryptoError (Chinese) when it is missing or does not match."""
    signed, tag = _stream_parts(raw)
    alg, _, _ = tag.partition(":")
    name = next((s for s, a in _MAC_ALG.items() if a == alg), None)
    if name is None:
        raise CryptoError("文件签名的算法无法识别")
    h = c_hmac.HMAC(_subkey(_sign_purpose(purpose), name, 32), _hash(name))
    left = signed
    raw.seek(0)
    while left:
        data = raw.read(min(left, STREAM_CHUNK))
        if not data:
            raise CryptoError("文件不完整（被截断）")
        h.update(data)
        left -= len(data)
    raw.seek(0)
    if not std_hmac.compare_digest(f"{alg}:{h.finalize().hex()}", tag):
        raise CryptoError("文件签名不符：文件被改动，或由另一把密钥生成")


class StreamReader:
    """A file-like object reading the plaintext of a sealed stream. The signature is
    checked first (`verify_stream`); every chunk is then authenticated as it is read."""

    def __init__(self, raw, purpose: str):
        self.raw = raw
        self.signed, _ = _stream_parts(raw)
        verify_stream(raw, purpose)
        self.header = raw.read(_HEADER_LEN)
        name = _ENC_BY_ID.get(self.header[len(STREAM_MAGIC)])
        if name is None:
            raise CryptoError("文件使用了未知的加密算法")
        self.name, self.key = name, _subkey(purpose, name, 32)
        self.pos, self.index, self.done = _HEADER_LEN, 0, False
        self.buffer, self.offset = b"", 0  # the current chunk's plaintext and how much of it was read

    def _next(self) -> None:
        if self.pos + 4 > self.signed:
            raise CryptoError("文件不完整（缺少最后一段）")
        n = int.from_bytes(self.raw.read(4), "big")
        if n < 16 or self.pos + 4 + n > self.signed:
            raise CryptoError("文件格式不正确")
        body = self.raw.read(n)
        self.pos += 4 + n
        last = self.pos == self.signed
        nonce = self.header[-8:] + self.index.to_bytes(4, "big")
        dec = _cipher(self.name, self.key, nonce, body[-16:]).decryptor()
        dec.authenticate_additional_data(self.header + self.index.to_bytes(8, "big") + (b"\x01" if last else b"\x00"))
        try:
            self.buffer = self.buffer[self.offset:] + dec.update(body[:-16]) + dec.finalize()
            self.offset = 0
        except InvalidTag:
            raise CryptoError("解密校验失败：内容被改动，或密钥不符") from None
        self.index += 1
        self.done = last

    def read(self, size: int = -1) -> bytes:
        whole = size is None or size < 0
        while not self.done and (whole or len(self.buffer) - self.offset < size):
            self._next()
        end = len(self.buffer) if whole else min(len(self.buffer), self.offset + size)
        out = self.buffer[self.offset:end]
        self.offset = end
        return out


def describe_suite(name: str | None = None) -> dict:
    """The algorithms of a suite, for manifests and pages."""
    name = name or suite()
    if name == "gm":
        return {"suite": "gm", "encryption": "SM4-GCM", "mac": "HMAC-SM3", "signature": "SM2"}
    return {"suite": "intl", "encryption": "AES-256-GCM", "mac": "HMAC-SHA256", "signature": "Ed25519"}
