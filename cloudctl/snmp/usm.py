"""The cryptography of the User-based Security Model: keys, authentication and privacy.

- RFC 3414 A.2: a password becomes a key (``password_to_key``: the hash of 1 MiB of the repeated
  password) and the key is localized to one authoritative engine (``localize``: H(Ku|engineID|Ku)).
  Both are costly enough (the first is ~2 ms) that the client computes them once per (user,
  engine) and caches the result; nothing here runs per message.
- Authentication: HMAC-MD5-96 and HMAC-SHA-96 (RFC 3414), HMAC-SHA-2 224/256/384/512 truncated to
  128/192/256/384 bits (RFC 7860). :class:`Authenticator` precomputes the HMAC inner and outer
  pads once per localized key, so a message costs two ``hash.copy()`` and three updates.
- Privacy: DES-CBC (RFC 3414 §8, for legacy devices), AES-128-CFB (RFC 3826), and AES-192/256-CFB
  with the two key extensions devices ship: the Blumenthal draft (``aes192``/``aes256``, what
  net-snmp calls AES-192/AES-256) and the Reeder draft used by Cisco (``aes192c``/``aes256c``,
  net-snmp's AES-192-C/AES-256-C) — names as in prometheus/snmp_exporter.

Ciphers come from ``cryptography``, hashes and HMAC from the standard library; nothing here is a
hand-written cipher. ``cryptography`` is imported on first use, so a v2c-only agent never loads it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any


class PrivacyError(ValueError):
    """The encrypted scoped PDU cannot be decrypted (bad length or privacy parameters)."""


@dataclass(frozen=True)
class AuthProtocol:
    name: str  # as in the agent config: md5, sha, sha224, ...
    hash_name: str  # hashlib name
    digest_length: int  # octets of msgAuthenticationParameters (the truncated HMAC)


AUTH: dict[str, AuthProtocol] = {
    "md5": AuthProtocol("md5", "md5", 12),
    "sha": AuthProtocol("sha", "sha1", 12),
    "sha224": AuthProtocol("sha224", "sha224", 16),
    "sha256": AuthProtocol("sha256", "sha256", 24),
    "sha384": AuthProtocol("sha384", "sha384", 32),
    "sha512": AuthProtocol("sha512", "sha512", 48),
}


@dataclass(frozen=True)
class PrivProtocol:
    name: str  # as in the agent config: des, aes128, aes192, aes256, aes192c, aes256c
    cipher: str  # "des" | "aes"
    key_length: int  # octets of localized key material used (DES: 8 key + 8 pre-IV)
    extension: str = ""  # "" | "blumenthal" | "reeder": how a short localized key is extended


PRIV: dict[str, PrivProtocol] = {
    "des": PrivProtocol("des", "des", 16),
    "aes128": PrivProtocol("aes128", "aes", 16),
    "aes192": PrivProtocol("aes192", "aes", 24, "blumenthal"),
    "aes256": PrivProtocol("aes256", "aes", 32, "blumenthal"),
    "aes192c": PrivProtocol("aes192c", "aes", 24, "reeder"),
    "aes256c": PrivProtocol("aes256c", "aes", 32, "reeder"),
}
PRIV_ALIASES = {"aes": "aes128"}

_MEGABYTE = 1_048_576


def password_to_key(password: bytes, auth: AuthProtocol) -> bytes:
    """RFC 3414 A.2.1 / A.2.2 (and RFC 7860 for SHA-2): the hash of 1 MiB of the repeated password."""
    if not password:
        raise ValueError("an SNMPv3 password must not be empty")
    stream = (password * (_MEGABYTE // len(password) + 1))[:_MEGABYTE]
    return hashlib.new(auth.hash_name, stream).digest()


def localize(key: bytes, engine_id: bytes, auth: AuthProtocol) -> bytes:
    """RFC 3414 A.2: Kul = H(Ku | snmpEngineID | Ku)."""
    return hashlib.new(auth.hash_name, key + engine_id + key).digest()


def localized_priv_key(priv: PrivProtocol, auth: AuthProtocol, ku: bytes, engine_id: bytes) -> bytes:
    """The privacy key for ``engine_id``, extended when the auth hash is shorter than the cipher key.

    Blumenthal (draft-blumenthal-aes-usm-04 §3.1.2.1): Kul = Kul | H(Kul), repeated.
    Reeder (draft-reeder-snmpv3-usm-3desede-00 §2.1): Kul = Kul | localize(password_to_key(Kul)),
    repeated — a second 1 MiB hash, which is why these keys are cached per engine.
    """
    kul = localize(ku, engine_id, auth)
    while len(kul) < priv.key_length:
        if priv.extension == "blumenthal":
            kul += hashlib.new(auth.hash_name, kul).digest()
        elif priv.extension == "reeder":
            kul += localize(password_to_key(kul, auth), engine_id, auth)
        else:  # DES and AES-128 need 16 octets: every auth hash gives at least that
            raise ValueError(f"{auth.name} keys are too short for {priv.name}")
    return kul[: priv.key_length]


class Authenticator:
    """HMAC with one localized key, truncated as msgAuthenticationParameters (RFC 3414 §6/§7, RFC 7860)."""

    __slots__ = ("protocol", "length", "zeros", "_inner", "_outer")

    def __init__(self, protocol: AuthProtocol, key: bytes) -> None:
        self.protocol = protocol
        self.length = protocol.digest_length
        self.zeros = bytes(self.length)
        inner = hashlib.new(protocol.hash_name)
        block = inner.block_size
        if len(key) > block:
            key = hashlib.new(protocol.hash_name, key).digest()
        key = key.ljust(block, b"\0")
        inner.update(bytes(b ^ 0x36 for b in key))
        outer = hashlib.new(protocol.hash_name)
        outer.update(bytes(b ^ 0x5C for b in key))
        self._inner, self._outer = inner, outer

    def sign(self, message: bytes) -> bytes:
        """The truncated HMAC of ``message`` (whose auth parameters are already zeros)."""
        h = self._inner.copy()
        h.update(message)
        o = self._outer.copy()
        o.update(h.digest())
        return o.digest()[: self.length]

    def verify(self, message: bytes, start: int, stop: int) -> bool:
        """Whether ``message[start:stop]`` is the HMAC of ``message`` with that range zeroed.

        Compared in constant time; the message is hashed through a memoryview, never copied.
        """
        if stop - start != self.length:
            return False
        view = memoryview(message)
        h = self._inner.copy()
        h.update(view[:start])
        h.update(self.zeros)
        h.update(view[stop:])
        o = self._outer.copy()
        o.update(h.digest())
        return hmac.compare_digest(o.digest()[: self.length], view[start:stop])


def _ciphers() -> tuple[Any, Any, Any, Any, Any]:
    # CFB moved to the "decrepit" namespace in cryptography 43 (and TripleDES in 44); RFC 3826
    # fixes CFB, and DES is what legacy devices speak: they stay, from wherever this version has them.
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    try:
        from cryptography.hazmat.decrepit.ciphers.modes import CFB
    except ImportError:  # pragma: no cover - cryptography < 43
        CFB = modes.CFB  # noqa: N806
    try:
        from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    except ImportError:  # pragma: no cover - cryptography < 43
        TripleDES = algorithms.TripleDES  # noqa: N806
    return Cipher, algorithms.AES, CFB, TripleDES, modes.CBC


class Privacy:
    """Encrypt and decrypt scoped PDUs with one localized privacy key."""

    __slots__ = ("protocol", "_key", "_pre_iv", "_algorithm", "_mode", "_cipher")

    def __init__(self, protocol: PrivProtocol, key: bytes) -> None:
        Cipher, AES, CFB, TripleDES, CBC = _ciphers()  # noqa: N806
        self.protocol = protocol
        self._cipher = Cipher
        if protocol.cipher == "des":
            # DES is TripleDES with K1 = K2 = K3 (encrypt-decrypt-encrypt with one key is one DES).
            self._key, self._pre_iv = key[:8], key[8:16]
            self._algorithm, self._mode = TripleDES(key[:8] * 3), CBC
        else:
            self._key, self._pre_iv = key, b""
            self._algorithm, self._mode = AES(key), CFB

    def encrypt(self, plaintext: bytes, boots: int, engine_time: int, salt: int) -> tuple[bytes, bytes]:
        """(ciphertext, msgPrivacyParameters). ``salt`` is the sender's counter (64 bits for AES,
        32 for DES, where the engine boots fill the other half — RFC 3414 §8.1.1.1)."""
        if self.protocol.cipher == "des":
            params = (boots & 0xFFFFFFFF).to_bytes(4, "big") + (salt & 0xFFFFFFFF).to_bytes(4, "big")
            iv = bytes(a ^ b for a, b in zip(self._pre_iv, params))
            pad = -len(plaintext) % 8
            if pad:
                plaintext += bytes(pad)
        else:
            params = (salt & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")
            iv = boots.to_bytes(4, "big") + engine_time.to_bytes(4, "big") + params
        enc = self._cipher(self._algorithm, self._mode(iv)).encryptor()
        return enc.update(plaintext) + enc.finalize(), params

    def decrypt(self, ciphertext: bytes, boots: int, engine_time: int, params: bytes) -> bytes:
        """The plaintext (DES: with its padding). Raises :class:`PrivacyError` when the privacy
        parameters or the length make decryption impossible (RFC 3414 §8.3.2, RFC 3826 §3.1.4)."""
        if len(params) != 8:
            raise PrivacyError(f"msgPrivacyParameters of {len(params)} octets (8 expected)")
        if self.protocol.cipher == "des":
            if len(ciphertext) % 8:
                raise PrivacyError(f"DES ciphertext of {len(ciphertext)} octets (not a multiple of 8)")
            iv = bytes(a ^ b for a, b in zip(self._pre_iv, params))
        else:
            if not 0 <= boots <= 0x7FFFFFFF or not 0 <= engine_time <= 0x7FFFFFFF:
                raise PrivacyError("engine boots/time out of range for the AES IV")
            iv = boots.to_bytes(4, "big") + engine_time.to_bytes(4, "big") + params
        dec = self._cipher(self._algorithm, self._mode(iv)).decryptor()
        return dec.update(ciphertext) + dec.finalize()


def auth_protocol(name: str) -> AuthProtocol:
    try:
        return AUTH[name.lower()]
    except KeyError:
        raise ValueError(f"unknown auth protocol {name!r} (use one of {', '.join(AUTH)})") from None


def priv_protocol(name: str) -> PrivProtocol:
    low = name.lower()
    try:
        return PRIV[PRIV_ALIASES.get(low, low)]
    except KeyError:
        raise ValueError(f"unknown privacy protocol {name!r} (use one of {', '.join(PRIV)})") from None
