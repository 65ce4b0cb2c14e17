import re
from pathlib import Path


def test_signed_in_pages_carry_security_headers(client, signed_in, analyst):
    signed_in(analyst)
    response = client.get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_login_page_is_not_cached(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_templates_contain_no_inline_scripts():
    root = Path(__file__).resolve().parents[2] / "templates"
    for template in root.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"\son[a-z]+=\"", text), template
        assert "style=" not in text, template
