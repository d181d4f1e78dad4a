"""PDF documents (receipts, the electronic licence, decisions) from Django templates.

WeasyPrint lays the HTML out with Pango and embeds a subset of the fonts it used, so the
Chinese text shows in any viewer as long as the machine that made the PDF has a CJK font
(Debian's fonts-noto-cjk, installed by `scripts/system-deps`). Templates extend
`core/pdf_base.html`, which sets that font.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string


def pdf_render(template_name: str, context: dict[str, Any]) -> bytes:
    """The PDF made from `template_name` with `context`."""
    from weasyprint import HTML  # imported here: loading Pango takes a moment

    html = render_to_string(template_name, context)
    return bytes(HTML(string=html).write_pdf())


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """`content` as a download named `filename`, never cached by a shared cache."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
