"""The sample permission letter (ตัวอย่างหนังสืออนุญาต) agencies download from the criteria page and
adapt on their letterhead: rendered by WeasyPrint with Debian's Thai fonts."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4)
def sample_letter_pdf(issuer: str) -> bytes:
    from weasyprint import HTML

    from tuaton.web_support import TEMPLATES

    html = TEMPLATES.env.get_template("sample_letter.html").render(issuer=issuer, lang="th")
    return HTML(string=html).write_pdf()
