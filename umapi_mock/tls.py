"""A local CA and a server certificate, created once and reused, so clients can use real
HTTPS against the emulator by trusting one CA file (the ordinary way to configure them)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SERVER_NAMES = ("localhost",)
SERVER_IPS = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path
    server_cert: Path
    server_key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(self.server_cert), str(self.server_key))
        return ctx


def default_tls_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "umapi-mock" / "tls"


def ensure_tls(directory: str | Path, extra_names: tuple[str, ...] = ()) -> TlsFiles:
    """Reuse the CA and server certificate in `directory`, or create them."""
    d = Path(directory)
    files = TlsFiles(d / "ca.pem", d / "server.pem", d / "server-key.pem")
    ca_key_path = d / "ca-key.pem"
    if _usable(files, extra_names):
        return files
    d.mkdir(parents=True, exist_ok=True)
    if files.ca_cert.exists() and ca_key_path.exists():
        ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), None)
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "umapi-mock local CA")])
        ca_cert = (
            _builder(name, name, ca_key.public_key(), days=3650)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        _write(
            ca_key_path,
            ca_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
            private=True,
        )
        _write(files.ca_cert, ca_cert.public_bytes(serialization.Encoding.PEM))
    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = [
        x509.DNSName(n) for n in SERVER_NAMES + tuple(n for n in extra_names if not _is_ip(n))
    ]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in SERVER_IPS + tuple(n for n in extra_names if _is_ip(n))]
    cert = (
        _builder(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]),
            ca_cert.subject,
            key.public_key(),
            days=397,
        )
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    _write(
        files.server_key,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        private=True,
    )
    _write(files.server_cert, cert.public_bytes(serialization.Encoding.PEM))
    return files


def _builder(subject: x509.Name, issuer: x509.Name, public_key, days: int) -> x509.CertificateBuilder:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
    )


def _usable(files: TlsFiles, extra_names: tuple[str, ...]) -> bool:
    if not (files.ca_cert.exists() and files.server_cert.exists() and files.server_key.exists()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
        ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    present = {str(v) for v in sans.get_values_for_type(x509.DNSName)} | {
        str(v) for v in sans.get_values_for_type(x509.IPAddress)
    }
    wanted = set(SERVER_NAMES) | set(SERVER_IPS) | set(extra_names)
    soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=7)
    return wanted <= present and cert.issuer == ca.subject and _expires(cert) > soon


def _expires(cert: x509.Certificate) -> dt.datetime:
    """The certificate's end of validity, timezone-aware, on every supported cryptography:
    `not_valid_after_utc` is new in 42; older releases (Adobe's client 3.0.1 pins 38) only
    have the naive-UTC `not_valid_after`, deprecated from 42 on."""
    aware = getattr(cert, "not_valid_after_utc", None)
    if isinstance(aware, dt.datetime):
        return aware
    return cert.not_valid_after.replace(tzinfo=dt.timezone.utc)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def _write(path: Path, data: bytes, private: bool = False) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    if private:
        tmp.chmod(0o600)
    tmp.replace(path)
