"""Where a form may send people next: `back=`, `next=` and the Referer are followed only
when they are a path on this site, so no link or form can redirect anyone elsewhere."""

from urllib.parse import urlsplit

from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def local_path(request: HttpRequest, url: str | None, default: str) -> str:
    """`url` if it is a path on this site ("/portal/…"), else `default` (a URL name or path)."""
    url = url or ""
    here = {request.get_host()}
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=here):
        return url
    return resolve_url(default)


def referring_path(request: HttpRequest, default: str) -> str:
    """The page the request came from, if it is on this site, as a path."""
    ref = urlsplit(request.headers.get("Referer", ""))
    if ref.netloc != request.get_host():
        return resolve_url(default)
    return local_path(request, ref.path + (f"?{ref.query}" if ref.query else ""), default)
