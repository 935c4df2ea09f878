"""Sources: bytes in, RawEvent out. One module per type, registered in ``SOURCES``."""

from secops.sources.base import SOURCES, Source, SourceContext

__all__ = ["SOURCES", "Source", "SourceContext"]
