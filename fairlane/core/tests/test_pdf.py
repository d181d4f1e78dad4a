"""PDFs carry the Chinese text they were given."""

from __future__ import annotations

import io

from pypdf import PdfReader

from fairlane.core.pdf import pdf_render, pdf_response


def test_a_pdf_carries_its_chinese_text_and_downloads_privately() -> None:
    # given / when
    content = pdf_render("core/pdf_base.html", {})
    response = pdf_response(content, "receipt.pdf")

    # then
    assert content.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == 'attachment; filename="receipt.pdf"'
