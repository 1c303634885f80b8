"""Signatures anyone with the office's public key can check: SM2 (GB/T 32918, with SM3
and the default signer ID ``1234567812345678`` of GB/T 35276) under the ``gm`` suite,
Ed25519 under ``intl`` (``DUBAN_CRYPTO_SUITE``).

What is signed is the file's digest: the 32-byte SM3 (``gm``) or SHA-256 (``intl``) of
its bytes (hashing a large file in OpenSSL, then a short SM2 signature, instead of the
pure-Python SM3 inside the SM2 library). The signature file (``FILE.sig``) holds the
signature as OpenSSL and GmSSL write it (DER ``SEQUENCE {r, s}`` for SM2, the 64 bytes
for Ed25519), so a third party checks it with standard tools as well as with `duban
verify`:

    openssl dgst -sm3 -binary FILE > FILE.sm3
    openssl pkeyutl -verify -pubin -inkey 签名公钥.pem -rawin -digest sm3 \\
        -pkeyopt distid:1234567812345678 -in FILE.sm3 -sigfile FILE.sig

The key pair is derived from the master key (HKDF, its own purpose), like every other
key of duban.lib.crypto: nothing to store, the same on every application server, and
never in the database. The public key is published as PEM (SubjectPublicKeyInfo; SM2:
id-ecPublicKey on the curve 1.2.156.10197.1.301).

SM2 comes from gmalg (pure Python, tested against the standard's examples); SM3,
Ed25519 and the DER coding from `cryptography`.
"""
from __future__ import annotations

import base64
import io
import zipfile
from dataclasses import dataclass

import gmalg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from . import crypto

SM2_ID = b"1234567812345678"
# The SM2 curve's order (GB/T 32918.5).
SM2_N = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_7203DF6B_21C6052B_53BBF409_39D54123
# DER of SubjectPublicKeyInfo up to the point: SEQUENCE { SEQUENCE { id-ecPublicKey,
# 1.2.156.10197.1.301 }, BIT STRING 04 || x || y }.
_SM2_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")
ALGORITHMS = {"gm": "sm2", "intl": "ed25519"}
NAMES = {"sm2": "SM2（SM3 摘要）", "ed25519": "Ed25519（SHA-256 摘要）"}


class SignatureError(Exception):
    """A key or signature that cannot be read; one line of Chinese."""


def algorithm() -> str:
    return ALGORITHMS[crypto.suite()]


def digest(data: bytes, alg: str) -> bytes:
    h = hashes.Hash(hashes.SM3() if alg == "sm2" else hashes.SHA256())
    h.update(data)
    return h.finalize()


# --- the office's key pair --------------------------------------------------------------

def _sm2_secret() -> int:
    seed = int.from_bytes(crypto.derive_key("signing-sm2", "gm", 40), "big")
    return seed % (SM2_N - 2) + 1  # 1 … n-2, as GB/T 32918 asks


def _sm2_signer() -> gmalg.SM2:
    return gmalg.SM2(_sm2_secret().to_bytes(32, "big"), SM2_ID)


def _ed25519_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(crypto.derive_key("signing-ed25519", "intl", 32))


def public_key_pem(alg: str | None = None) -> bytes:
    """The public key of the configured (or given) algorithm, as PEM."""
    alg = alg or algorithm()
    if alg == "sm2":
        signer = _sm2_signer()
        point = signer.generate_pk(_sm2_secret().to_bytes(32, "big"))
        der = _SM2_SPKI_PREFIX + point
        body = base64.encodebytes(der).decode().replace("\n", "")
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        return ("-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n").encode()
    return _ed25519_key().public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass
class PublicKey:
    alg: str
    key: bytes  # SM2: the point 04||x||y; Ed25519: the 32 raw bytes
    der: bytes

    @property
    def key_id(self) -> str:
        """A short fingerprint to compare by eye or over the phone: SM3 of the DER, 16 hex."""
        return digest(self.der, "sm2").hex()[:16].upper()

    @property
    def name(self) -> str:
        return NAMES[self.alg]


def load_public_key(pem: bytes) -> PublicKey:
    try:
        text = pem.decode("ascii")
        body = text.split("-----BEGIN PUBLIC KEY-----", 1)[1].split("-----END PUBLIC KEY-----", 1)[0]
        der = base64.b64decode("".join(body.split()), validate=True)
    except (UnicodeDecodeError, IndexError, ValueError):
        raise SignatureError("公钥文件格式不正确：应为 PEM 格式（-----BEGIN PUBLIC KEY-----）") from None
    if der.startswith(_SM2_SPKI_PREFIX) and len(der) == len(_SM2_SPKI_PREFIX) + 65:
        point = der[len(_SM2_SPKI_PREFIX):]
        if not gmalg.SM2().verify_pk(point):
            raise SignatureError("公钥无效：不是 SM2 曲线上的点")
        return PublicKey("sm2", point, der)
    try:
        key = serialization.load_der_public_key(der)
    except ValueError:
        raise SignatureError("公钥无法识别：只支持 SM2 和 Ed25519 公钥") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError("公钥无法识别：只支持 SM2 和 Ed25519 公钥")
    return PublicKey("ed25519", key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw), der)


def own_public_key() -> PublicKey:
    return load_public_key(public_key_pem())


# --- signing and checking -------------------------------------------------------------

def sign(data: bytes) -> bytes:
    """The signature file's bytes for `data`, with the office's key."""
    alg = algorithm()
    message = digest(data, alg)
    if alg == "sm2":
        r, s = _sm2_signer().sign(message)
        return encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big"))
    return _ed25519_key().sign(message)


def verify(data: bytes, signature: bytes, key: PublicKey) -> bool:
    message = digest(data, key.alg)
    if key.alg == "sm2":
        try:
            r, s = decode_dss_signature(signature)
        except ValueError:
            return False
        if not (0 < r < SM2_N and 0 < s < SM2_N):
            return False
        return gmalg.SM2(uid=SM2_ID, pk=key.key).verify(message, r.to_bytes(32, "big"), s.to_bytes(32, "big"))
    try:
        Ed25519PublicKey.from_public_bytes(key.key).verify(signature, message)
        return True
    except InvalidSignature:
        return False


# --- the signed package a person downloads ---------------------------------------------

PUBLIC_KEY_NAME = "签名公钥.pem"
README_NAME = "验证说明.txt"


def readme(names: list[str], key: PublicKey, signed_at: str) -> str:
    files = "、".join(names)
    if key.alg == "sm2":
        openssl = "\n".join(
            f"  openssl dgst -sm3 -binary \"{n}\" > \"{n}.sm3\"\n"
            f"  openssl pkeyutl -verify -pubin -inkey {PUBLIC_KEY_NAME} -rawin -digest sm3 "
            f"-pkeyopt distid:{SM2_ID.decode()} -in \"{n}.sm3\" -sigfile \"{n}.sig\"" for n in names)
    else:
        openssl = "\n".join(
            f"  openssl dgst -sha256 -binary \"{n}\" > \"{n}.sha256\"\n"
            f"  openssl pkeyutl -verify -pubin -inkey {PUBLIC_KEY_NAME} -rawin -in \"{n}.sha256\" -sigfile \"{n}.sig\""
            for n in names)
    return (
        f"本压缩包中的 {files} 由督办系统于 {signed_at} 以电子签名（{key.name}）签署，"
        f"签名在同名的 .sig 文件中。\n\n"
        f"签名公钥指纹：{key.key_id}\n"
        f"请向发文单位核对公钥指纹，或使用发文单位另行提供的公钥验证；压缩包内的 {PUBLIC_KEY_NAME} 仅供参考。\n\n"
        f"验证方法一（督办系统）：\n  duban verify 本压缩包.zip --public-key 发文单位公钥.pem\n\n"
        f"验证方法二（OpenSSL 3）：\n{openssl}\n"
        f"显示 Signature Verified Successfully 即文件未被改动。\n"
    )


def package(files: dict[str, bytes], *, signed_at: str) -> bytes:
    """A .zip holding each file, its signature (NAME.sig), the public key and a
    Chinese note on how to check them."""
    key = own_public_key()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
            zf.writestr(f"{name}.sig", sign(data))
        zf.writestr(PUBLIC_KEY_NAME, public_key_pem())
        zf.writestr(README_NAME, readme(list(files), key, signed_at).encode("utf-8"))
    return buf.getvalue()
