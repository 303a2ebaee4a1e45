"""The engine's image cache: what is cached, and LRU garbage collection beyond a budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from docker.errors import APIError, NotFound

USE_TAG_REPO = "htcondor.org"
MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class CachedImage:
    """One image: its tags (without our use-tags), size and when a job last used it."""

    id: str
    tags: tuple[str, ...]
    size_mb: float
    last_used: float  # epoch seconds of our last use-tag, 0 if never used by a job

    @property
    def ours(self) -> bool:
        return self.last_used > 0


def _epoch(text: str | None) -> float:
    if not text or text.startswith("0001-"):
        return 0.0
    text = text.split(".")[0].rstrip("Z") + "+00:00"
    return datetime.fromisoformat(text).timestamp()


def cached_images(client: Any) -> list[CachedImage]:
    """Every tagged image, most recently used first."""
    result = []
    for image in client.images.list():
        all_tags = [t for t in image.tags if t and t != "<none>:<none>"]
        ours = [t for t in all_tags if t.startswith(f"{USE_TAG_REPO}/")]
        tags = tuple(t for t in all_tags if t not in ours)
        if not tags:
            continue
        last = _epoch(image.attrs.get("Metadata", {}).get("LastTagTime")) if ours else 0.0
        result.append(CachedImage(image.id, tags, round(image.attrs.get("Size", 0) / MB, 1), last))
    result.sort(key=lambda i: (-i.last_used, i.tags))
    return result


def images_in_use(client: Any) -> set[str]:
    return {c.attrs.get("Image", "") for c in client.containers.list(all=True, ignore_removed=True)}


def collect(client: Any, budget_mb: float, max_images: int | None = None) -> list[CachedImage]:
    """Remove least recently used job images until ours fit the budget; never one in use."""
    ours = [i for i in cached_images(client) if i.ours]
    ours.sort(key=lambda i: i.last_used)  # oldest first
    in_use = images_in_use(client)
    total = sum(i.size_mb for i in ours)
    count = len(ours)
    removed = []
    for image in ours:
        if total <= budget_mb and (max_images is None or count <= max_images):
            break
        if image.id in in_use:
            continue
        try:
            client.images.remove(image.id, force=True, noprune=False)
        except NotFound:
            pass
        except APIError:
            continue  # raced with a new container: keep it
        total -= image.size_mb
        count -= 1
        removed.append(image)
    return removed
