"""Pages as PDF (WeasyPrint): the same HTML a person reads, printed with the site's print stylesheet. Only
local files are read (the stylesheet, static pictures): any other address is refused, so a PDF never fetches
anything from the network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.responses import Response

from app.core.config import BASE_DIR

STATIC = (BASE_DIR / "static").resolve()


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):
        """file:// under static/ only (no network, no other file)."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            prefix = "file://"
            path = Path(url[len(prefix):]).resolve() if url.startswith(prefix) else None
            if path is None or not path.is_relative_to(STATIC):
                raise ValueError(f"a PDF reads only the site's own static files, not {url!r}")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols=("file",))


def pdf_bytes(html: str) -> bytes:
    """`html` (a whole page, its links under /static/) printed as a PDF."""
    from weasyprint import HTML

    document = HTML(string=html.replace('href="/static/', f'href="file://{STATIC}/').replace('src="/static/', f'src="file://{STATIC}/'),
                    url_fetcher=_fetcher(), base_url=str(STATIC))
    return document.write_pdf()


def pdf_attachment(data: bytes, filename: str) -> Response:
    """PDF bytes (made now or kept) as an attachment named `filename`."""
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
    })


def pdf_response(html: str, filename: str) -> Response:
    """`html` (a whole page, its links under /static/) as an attachment named `filename`."""
    return pdf_attachment(pdf_bytes(html), filename)
