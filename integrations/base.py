"""The adapter contract: what every marketplace module declares and implements.

Modelled on Redash's query runners: class-level metadata (name, title, config
schema with secrets marked, capabilities), one module per marketplace, a
registry that imports modules only when asked. Adapters hold no database
handle and never commit anything; they speak HTTP and raise
``integrations.errors`` types.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
import enum
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

from integrations import errors, http


class Kind(enum.StrEnum):
    API = "api"  # the marketplace has an open API we call
    PACK = "pack"  # no API: we build a listing pack the seller uploads by hand


class Capability(enum.StrEnum):
    CONNECT = "connect"
    UPLOAD_IMAGE = "upload_image"
    CREATE_LISTING = "create_listing"
    UPDATE_PRICE_STOCK = "update_price_stock"
    DEACTIVATE = "deactivate"
    FIND_BY_SKU = "find_by_sku"
    LISTING_PACK = "listing_pack"


@dataclasses.dataclass(frozen=True)
class ConfigField:
    """One setting of a shop. A field whose name has the word ``url`` (``api_base_url``,
    ``authorize_url_base``) holds an address: the app checks it as a link before saving."""

    name: str
    label: str
    secret: bool = False
    required: bool = True
    default: str = ""
    help: str = ""

    @property
    def is_address(self) -> bool:
        return "url" in self.name.lower().split("_")


@dataclasses.dataclass(frozen=True)
class Rules:
    """A channel's content limits, checked before anything is sent."""

    title_min: int = 1
    title_max: int = 120
    description_min: int = 0
    description_max: int = 3000
    images_min: int = 1
    images_max: int = 9
    image_min_px: int = 500
    image_max_bytes: int = 2_000_000
    price_min: int = 1_000
    price_max: int = 200_000_000
    sku_max: int = 100


@dataclasses.dataclass
class Tokens:
    access_token: str
    refresh_token: str
    access_expires_at: dt.datetime
    refresh_expires_at: dt.datetime | None = None
    extra: dict[str, str] = dataclasses.field(default_factory=dict)  # shop_id, shop_cipher…


@dataclasses.dataclass(frozen=True)
class Sku:
    seller_sku: str
    price: int  # đồng
    stock: int
    name: str = ""


@dataclasses.dataclass(frozen=True)
class ImageRef:
    path: str  # local file to upload
    remote_id: str = ""  # set once uploaded; reused on later pushes


@dataclasses.dataclass(frozen=True)
class ListingDraft:
    """What is published for one product: text, images and its SKUs."""

    product_code: str  # stable seller-side code; SKUs derive from it
    title: str
    description: str
    category_id: str
    skus: tuple[Sku, ...]
    images: tuple[ImageRef, ...] = ()
    weight_grams: int = 500
    brand: str = ""
    attributes: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class RemoteListing:
    external_id: str
    sku_ids: Mapping[str, str]  # seller SKU → marketplace SKU/model id
    url: str = ""
    status: str = ""


@dataclasses.dataclass(frozen=True)
class Category:
    id: str
    name: str
    leaf: bool = True
    parent_id: str = ""


Clock = Callable[[], float]  # seconds since the epoch

# Draft fields whose length must lie within the rules' ``<field>_min``–``<field>_max``.
_COUNTED = (
    ("title", "title_length", "title must be {}–{} characters"),
    ("description", "description_length", "description must be {}–{} characters"),
    ("images", "images_count", "needs {}–{} images"),
)


def checked_config(schema: Sequence[ConfigField], config: Mapping[str, str]) -> dict[str, str]:
    """``config`` reduced to ``schema``'s fields, defaults filled; a missing required field is
    a ``ValidationFailed`` naming it (every adapter kind's settings are checked this way)."""
    out: dict[str, str] = {}
    missing: dict[str, list[errors.Problem | str]] = {}
    for field in schema:
        value = str(config.get(field.name, "") or field.default).strip()
        if field.required and not value:
            missing[field.name] = [errors.Problem("required", {}, "required")]
        out[field.name] = value
    if missing:
        raise errors.ValidationFailed(
            "missing configuration", fields=missing, reason="config_invalid"
        )
    return out


class Configured:
    """Every adapter kind: a declared ``config_schema`` (secrets marked), checked on creation."""

    name: ClassVar[str]
    title: ClassVar[str]
    config_schema: ClassVar[tuple[ConfigField, ...]] = ()

    def __init__(self, config: Mapping[str, str]) -> None:
        self.config = self.check_config(config)

    @classmethod
    def secret_fields(cls) -> frozenset[str]:
        return frozenset(f.name for f in cls.config_schema if f.secret)

    @classmethod
    def check_config(cls, config: Mapping[str, str]) -> dict[str, str]:
        """Fill defaults and refuse a config missing a required field."""
        return checked_config(cls.config_schema, config)


class Remote(Configured):
    """An adapter that speaks HTTP to one service: one client (timeouts, typed transport
    errors; ``new_client`` adds a rate limiter where the service wants one) and a clock, both
    replaceable in tests."""

    def __init__(
        self,
        config: Mapping[str, str],
        *,
        client: http.HttpClient | None = None,
        clock: Clock = time.time,
    ) -> None:
        super().__init__(config)
        self.client = client or self.new_client()
        self.clock = clock

    def new_client(self) -> http.HttpClient:
        return http.HttpClient(self.config["api_base_url"])


class ChannelAdapter(Configured, abc.ABC):
    """One marketplace. Instances are cheap; build one per account and call."""

    kind: ClassVar[Kind] = Kind.API
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    rules: ClassVar[Rules] = Rules()

    def validate(self, draft: ListingDraft) -> dict[str, list[errors.Problem | str]]:
        """Per-field problems with ``draft`` under this channel's rules (empty = fine).

        Each problem is a code with its numbers (``images_count`` with ``min``/``max``);
        the app words it in the reader's language.
        """
        r = self.rules
        problems: dict[str, list[errors.Problem | str]] = {}

        def add(field: str, code: str, message: str, **params: Any) -> None:
            problems.setdefault(field, []).append(errors.Problem(code, params, message))

        for field, code, words in _COUNTED:
            low, high = getattr(r, f"{field}_min"), getattr(r, f"{field}_max")
            if not (low <= len(getattr(draft, field)) <= high):
                add(field, code, words.format(low, high), min=low, max=high)
        if not draft.skus:
            add("skus", "skus_missing", "at least one SKU")
        if len(draft.skus) > r.sku_max:
            add("skus", "skus_too_many", f"at most {r.sku_max} SKUs", max=r.sku_max)
        for sku in draft.skus:
            if not (r.price_min <= sku.price <= r.price_max):
                add(
                    f"skus.{sku.seller_sku}.price",
                    "price_range",
                    f"price must be {r.price_min}–{r.price_max} đồng",
                    min=r.price_min,
                    max=r.price_max,
                    sku=sku.seller_sku,
                )
            if sku.stock < 0:
                add(
                    f"skus.{sku.seller_sku}.stock",
                    "stock_negative",
                    "stock cannot be negative",
                    sku=sku.seller_sku,
                )
        if self.kind is Kind.API and not draft.category_id:
            add("category_id", "category_missing", "no marketplace category mapped")
        return problems

    # --- connect -------------------------------------------------------------
    def authorize_url(self, redirect_uri: str, state: str) -> str:
        raise errors.NotSupported(f"{self.name} has no connect flow", reason="no_connect")

    def exchange_code(self, code: str, params: Mapping[str, str]) -> Tokens:
        """Trade the code from the redirect (plus its other query params) for tokens."""
        raise errors.NotSupported(f"{self.name} has no connect flow", reason="no_connect")

    def refresh(self, tokens: Tokens) -> Tokens:
        """New tokens; the old refresh token is dead afterwards on every marketplace."""
        raise errors.NotSupported(f"{self.name} has no token refresh")

    # --- listings ------------------------------------------------------------
    def upload_image(self, tokens: Tokens, path: str) -> str:
        raise errors.NotSupported(f"{self.name} has no image upload")

    def create_listing(self, tokens: Tokens, draft: ListingDraft) -> RemoteListing:
        raise errors.NotSupported(f"{self.name} cannot create listings")

    def update_price_stock(
        self, tokens: Tokens, listing: RemoteListing, skus: Sequence[Sku]
    ) -> None:
        raise errors.NotSupported(f"{self.name} cannot update price and stock")

    def deactivate(self, tokens: Tokens, listing: RemoteListing) -> None:
        raise errors.NotSupported(f"{self.name} cannot deactivate listings")

    def activate(self, tokens: Tokens, listing: RemoteListing) -> None:
        raise errors.NotSupported(f"{self.name} cannot activate listings")

    def find_by_sku(self, tokens: Tokens, seller_sku: str) -> RemoteListing | None:
        raise errors.NotSupported(f"{self.name} cannot search by SKU")

    def complete_listing(
        self, tokens: Tokens, listing: RemoteListing, draft: ListingDraft
    ) -> RemoteListing:
        """Finish a listing found by SKU after an interrupted create (e.g. add its variations).

        Marketplaces that create a listing in one call have nothing to finish.
        """
        return listing

    def list_categories(self, tokens: Tokens) -> list[Category]:
        raise errors.NotSupported(f"{self.name} has no category API")

    # --- packs (channels without an API) -------------------------------------
    def build_pack(self, draft: ListingDraft, out_path: str) -> None:
        raise errors.NotSupported(f"{self.name} is published through its API", reason="api_channel")

    def parse_listing_ref(self, text: str) -> RemoteListing:
        """Turn what a seller pastes (URL or id of the live listing) into a RemoteListing."""
        raise errors.NotSupported(f"{self.name} is published through its API", reason="api_channel")


def sandbox_origin(api_url: str) -> str | None:
    """``http://127.0.0.1:5701`` when ``api_url`` is a sandbox marketplace on this machine
    (a loopback host), None for a real marketplace."""
    try:
        parts = urlsplit(api_url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if host in ("localhost", "::1") or host.startswith("127."):
        return f"{parts.scheme}://{parts.netloc}"
    return None


def product_page(api_url: str, item_id: str, live_url: str) -> str:
    """A listing's link: the sandbox's own product page when ``api_url`` is a sandbox,
    else ``live_url`` (the marketplace's real product page)."""
    origin = sandbox_origin(api_url)
    return f"{origin}/_sandbox/products/{item_id}" if origin else live_url


def public_config(adapter_cls: type[ChannelAdapter], config: Mapping[str, Any]) -> dict[str, Any]:
    """Config safe to show: secrets replaced by whether they are set."""
    secrets = adapter_cls.secret_fields()
    return {k: (bool(v) if k in secrets else v) for k, v in config.items()}
