"""Help-center HTML to article text: keep headings, lists and paragraphs, drop the chrome.

Navigation, headers, footers, cookie banners and scripts repeat on every page; if
they were indexed, every page would match "contact us" and "sign in" equally.
"""

from bs4 import BeautifulSoup, Tag

from warmline.retrieval.articles import Article

CHROME = ["nav", "header", "footer", "aside", "script", "style", "noscript", "form", "iframe"]
CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}


def _meta(soup: BeautifulSoup, name: str) -> str | None:
    tag = soup.find("meta", attrs={"name": name}) or soup.find("meta", attrs={"property": name})
    content = tag.get("content") if isinstance(tag, Tag) else None
    return str(content) if content else None


def html_article(article_id: str, html: str, fallback_url: str) -> Article:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(CHROME):
        tag.decompose()
    for tag in soup.find_all(True):
        if not tag.decomposed and tag.get("role") in CHROME_ROLES:
            tag.decompose()
    canonical = soup.find("link", attrs={"rel": "canonical"})
    url = canonical.get("href") if isinstance(canonical, Tag) else None
    root = soup.find("main") or soup.find("article") or soup.body or soup
    heading = root.find("h1") if isinstance(root, Tag) else None
    title_tag = soup.find("title")
    title = (heading.get_text(" ", strip=True) if heading else None) or (
        title_tag.get_text(" ", strip=True) if title_tag else article_id
    )
    lines: list[str] = []
    if isinstance(root, Tag):
        for element in root.find_all(["h2", "h3", "h4", "p", "li", "td", "pre"]):
            text = element.get_text(" ", strip=True)
            if not text:
                continue
            if element.name in {"h2", "h3", "h4"}:
                lines += ["", "#" * int(element.name[1]) + " " + text]
            elif element.name == "li":
                lines.append(f"- {text}")
            else:
                lines += ["", text]
    keywords = _meta(soup, "keywords")
    fields: dict[str, object] = {
        "title": title,
        "url": str(url or _meta(soup, "og:url") or fallback_url),
        "visibility": _meta(soup, "visibility") or "public",
        "language": (soup.html.get("lang") if soup.html else None) or "en",
        "tags": [t.strip() for t in keywords.split(",")] if keywords else [],
    }
    for field in ("updated", "expires"):
        if value := _meta(soup, field):
            fields[field] = value
    return Article(id=article_id, body="\n".join(lines).strip(), **fields)
