"""From the news to the ledger: read items from feeds and files, propose them as signpost evidence.

``scenarist.news.sources`` reads feeds, item files and saved articles; ``scenarist.news.match``
scores items against a model's signposts (pure); ``scenarist.news.service`` stores items and
proposals in the ledger and turns an accepted proposal into evidence. Optional packages
(feedparser, trafilatura, bm25s, the embedding model) are imported only when used.
"""

from scenarist.news.errors import FetchError, NewsError, SourceError
from scenarist.news.match import DEFAULT_THRESHOLD, Candidate, ItemText, MatchResult, SignpostIndex, match_items

__all__ = [
    "DEFAULT_THRESHOLD", "Candidate", "FetchError", "ItemText", "MatchResult", "NewsError", "SignpostIndex",
    "SourceError", "match_items",
]  # fmt: skip
