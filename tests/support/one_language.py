"""Checks that a rendered page speaks one language and never says "UTC".

Used by ``tests/integration/app/test_one_language.py`` (every page, every role, both
languages) and ``tests/unit/app/test_translations.py`` (the catalogues). The rules:

- no page shows "UTC" (times are shown in Vietnam time, without a zone name);
- a Vietnamese page has none of ``ENGLISH_WORDS`` (words that only appear when a message,
  a status or a code reached the page untranslated);
- an English page has no Vietnamese-specific letter (ă â đ ê ô ơ ư, or a vowel with a tone
  mark), except in user data: strings the database holds (product, producer, club, person
  names…), place names, and elements marked ``lang="vi"`` or ``data-user-text``;
- text inside ``<code>``, ``<kbd>`` and ``<samp>`` is a literal value (a SKU, a column key, a
  command), not language, and is not checked;
- neither shows a raw code: a platform code in lower case ("tiktok") or a snake_case key
  ("http_500", "catalog_import").
"""

from __future__ import annotations

import html.parser
import re
import unicodedata
from collections.abc import Iterable

# Vietnamese-specific letters: the five vowels with a breve/circumflex/horn and đ, and every
# vowel carrying one of the five tone marks (grave, acute, hook above, tilde, dot below).
_TONES = "\u0300\u0301\u0309\u0303\u0323"
VIETNAMESE_LETTERS = frozenset(
    {unicodedata.normalize("NFC", base + tone) for base in "aăâeêioôơuưy" for tone in _TONES}
    | set("ăâđêôơư")
    | {
        unicodedata.normalize("NFC", base + tone).upper()
        for base in "aăâeêioôơuưy"
        for tone in _TONES
    }
    | set("ĂÂĐÊÔƠƯ")
)

# Vietnamese words English text may use as they are: the currency's name, "QĐ" of an OCOP
# decision's number, the language's own name in a language picker. Anything else
# Vietnamese on an English page is user data or a leak.
ALLOWED_VIETNAMESE = ("đồng", "QĐ-", "Tiếng Việt")  # QĐ-TTg, 2345/QĐ-UBND: decision numbers

# Words that are English only: on a Vietnamese page they mean an untranslated message, status,
# role or value. Brand and shared technical words (API, SKU, OCOP, Email, Video, Livestream,
# Website, Shop, Streamer, live, online, QR, PDF, CSV, GMV, ...) are not here on purpose; nor are
# English words that are also Vietnamese words ("in", "to", "no", "an", "ban", "the").
ENGLISH_WORDS = frozenset(
    {
        # statuses (orders, jobs, listings, renders, sessions, accounts)
        "placed", "paid", "unpaid", "shipped", "delivered", "completed", "cancelled",
        "canceled", "returned", "refunded", "pending", "queued", "running", "failed",
        "succeeded", "success", "draft", "scheduled", "ended", "started", "paused",
        "connected", "disconnected", "expired", "expiring", "inactive", "archived",
        "uploaded", "processing", "published", "unpublished", "rejected", "approved",
        "delisted", "publishing", "uncertain", "deleted",
        # roles as codes
        "seller", "coordinator", "producer", "cooperative", "household",
        # words of English messages
        "needs", "need", "images", "image", "error", "errors", "server", "required",
        "invalid", "must", "should", "cannot", "please", "and", "with", "from", "not",
        "found", "field", "this", "that", "is", "are", "was", "were", "has", "have",
        "for", "of", "your", "you", "missing", "unknown", "failure", "timeout", "retry",
        "request", "response", "forbidden", "unauthorized", "value", "values", "between",
        "least", "most", "characters", "number", "file", "upload", "download", "save",
        "cancel", "delete", "edit", "back", "next", "previous", "page", "search", "price",
        "stock", "order", "orders", "product", "products", "certificate", "expires",
        "sign", "password", "username", "language", "settings", "today", "yesterday",
        "the", "or", "at", "by", "as", "it", "all", "any", "new", "add", "view", "yet",
        "date", "name", "start", "end", "use", "still", "club", "clubs", "schedule",
        "report", "reports", "duration", "seconds", "width", "height", "account", "where",
        "buy", "files", "create", "first", "saved", "leave", "blank", "keep", "library",
        "job", "jobs", "comment", "comments", "reading", "recipe", "read", "only",
        "other", "yes", "details", "show", "hide", "open", "close", "loading", "submit",
        "confirm", "choose", "select", "total", "items", "minutes", "hours", "days", "week",
        "month", "year", "hello", "welcome", "help", "support", "valid", "choice",
        # values printed raw (Python, JSON, JavaScript) and crashes
        "None", "True", "False", "true", "false", "null", "undefined", "NaN", "Traceback",
    }
)  # fmt: skip

# Platform and marketplace codes shown as codes instead of their names ("TikTok Shop").
PLATFORM_CODES = frozenset({"tiktok", "shopee", "lazada", "postmart", "voso", "facebook", "zalo"})

# Words are runs of letters and digits: "seller1" (a username) is not the word "seller".
_WORD = re.compile(r"[^\W_]+")
_SNAKE_CASE = re.compile(r"(?<![\w/.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.-])")
# Addresses and file names: their words are not language (shopee.vn, anh-1.jpg, a@b.vn).
_ADDRESS = re.compile(
    r"(?:https?://\S+|\S+@\S+|(?<![\w-])--[\w-]+|(?<![\w/])/\S+"
    r"|[\w.-]+\.(?:vn|com|net|org|io|test|local|example|jpg|jpeg|png|webp|mp4|csv|xlsx|txt"
    r"|ics|svg|pdf)\b\S*)",
    re.IGNORECASE,
)
# Not language: scripts and styles, and literal values (a SKU, a column key, a command).
_SKIPPED_TAGS = frozenset({"script", "style", "template", "code", "kbd", "samp"})
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr"}
)  # fmt: skip
_VISIBLE_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")
USER_TEXT_ATTRIBUTE = "data-user-text"


class _TextCollector(html.parser.HTMLParser):
    """Visible text: element text, and the attributes a person reads (title, placeholder…)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.page_language: str | None = None
        self._stack: list[tuple[str, bool]] = []  # (tag, skipped)

    @property
    def _skipping(self) -> bool:
        return any(skipped for _tag, skipped in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.page_language = values.get("lang")
            return
        skipped = (
            tag in _SKIPPED_TAGS
            or USER_TEXT_ATTRIBUTE in values
            or ("lang" in values and tag != "html")
        )
        if not skipped and not self._skipping:
            for name in _VISIBLE_ATTRIBUTES:
                if values.get(name):
                    self.parts.append(str(values[name]))
            if tag == "input" and values.get("type") in ("submit", "button", "reset"):
                self.parts.append(str(values.get("value") or ""))
        if tag not in _VOID_TAGS:
            self._stack.append((tag, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID_TAGS and self._stack and self._stack[-1][0] == tag:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching open tag (HTML allows omitted end tags: </p>, </li>…).
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def visible_text(page: str) -> str:
    """The text a person sees on an HTML page, NFC, one line per piece."""
    collector = _TextCollector()
    collector.feed(page)
    collector.close()
    pieces = (" ".join(part.split()) for part in collector.parts)
    return unicodedata.normalize("NFC", "\n".join(piece for piece in pieces if piece))


def page_language(page: str) -> str | None:
    """The ``lang`` of the page's ``<html>`` element."""
    collector = _TextCollector()
    collector.feed(page)
    return collector.page_language


def without(text: str, phrases: Iterable[str]) -> str:
    """``text`` with every phrase (user data) cut out, longest first."""
    for phrase in sorted({p for p in phrases if p}, key=len, reverse=True):
        if phrase in text:
            text = text.replace(phrase, " ¦ ")
    return text


def _words(text: str) -> list[str]:
    return _WORD.findall(_ADDRESS.sub(" ", text))


def has_vietnamese_letter(text: str) -> bool:
    return any(char in VIETNAMESE_LETTERS for char in unicodedata.normalize("NFC", text))


def utc_mentions(text: str) -> list[str]:
    """Each line of ``text`` that says "UTC"."""
    return [line for line in text.splitlines() if "UTC" in line]


def english_words(text: str) -> list[str]:
    """English-only words in (Vietnamese) ``text``, in order."""
    return [word for word in _words(text) if word in ENGLISH_WORDS or word.lower() in _LOWER]


_LOWER = frozenset(word for word in ENGLISH_WORDS if word.islower())


def vietnamese_words(text: str) -> list[str]:
    """Words with a Vietnamese-specific letter in (English) ``text``, in order."""
    for allowed in ALLOWED_VIETNAMESE:
        text = text.replace(allowed, " ")
    return [word for word in _words(text) if has_vietnamese_letter(word)]


def raw_codes(text: str) -> list[str]:
    """Platform codes in lower case and snake_case keys: codes shown instead of words."""
    bare = _ADDRESS.sub(" ", text)
    found = [word for word in _WORD.findall(bare) if word in PLATFORM_CODES]
    return found + _SNAKE_CASE.findall(bare)


def problems(text: str, language: str, user_data: Iterable[str] = ()) -> list[str]:
    """What is wrong with a page's visible ``text`` shown in ``language`` ("vi" or "en").

    ``user_data`` are the strings people typed (names, addresses…): they are cut out before
    the language checks, since a Vietnamese product name is right on an English page.
    """
    found = [f"UTC in {line!r}" for line in utc_mentions(text)]
    own = without(text, user_data)
    for line in own.splitlines():
        if language == "vi":
            words = english_words(line)
            if words:
                found.append(f"English {', '.join(map(repr, words))} in {line!r}")
        else:
            words = vietnamese_words(line)
            if words:
                found.append(f"Vietnamese {', '.join(map(repr, words))} in {line!r}")
            if "Traceback" in _words(line):
                found.append(f"Traceback in {line!r}")
        codes = raw_codes(line)
        if codes:
            found.append(f"code {', '.join(map(repr, codes))} in {line!r}")
    return found
