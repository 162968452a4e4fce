"""The security headers every reply carries: the app's (`web.middleware`) and the server's own
refusals before the app (`web.server`: too busy, headers too large). No framework imported, so
that a parent process of several workers can use them too."""

from __future__ import annotations


def security_headers(frame_ancestors: str) -> list[tuple[bytes, bytes]]:
    """CSP (no inline script; `frame-ancestors` as given), nosniff, no referrer, and the rest."""
    csp = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; "
        f"frame-ancestors {frame_ancestors}"
    )
    return [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
